// Type-checked (strict, not run) against the installed declarations, as an
// ES module under node16 and under bundler resolution.
import bsdsock, { socket, socketpair, addon, AF_INET, SOCK_STREAM, SocketError, type AddonInfo, type Socket } from 'bsdsock';

const info: AddonInfo = addon;
const where: string = info.path;
const prebuilt: boolean = bsdsock.addon.prebuilt;
const s: Socket = socket(AF_INET, SOCK_STREAM);
const pair = socketpair();
const first: Socket = pair[0];

export async function echo(conn: Socket): Promise<number> {
  const data: Buffer = await conn.recvAsync(1024);
  return conn.sendallAsync(data).then(() => data.length);
}

export function describe(err: unknown): string | undefined {
  return err instanceof SocketError ? `${err.code} ${err.errno} ${err.syscall}` : undefined;
}

// @ts-expect-error: addon is read-only
addon.prebuilt = false;
// @ts-expect-error: a port is a number
s.connect(['127.0.0.1', '8888']);

export { where, prebuilt, first };
