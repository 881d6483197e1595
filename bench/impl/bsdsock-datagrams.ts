// The end of a datagram client, shared by the bsdsock implementations that
// block there (sync, floor).

import { SOL_SOCKET, SO_RCVTIMEO, type Address, type Socket } from '../../dist';

/**
 * After the timed datagrams: sends 'E' until the server answers with its
 * count, again after each 200 ms without an answer (SO_RCVTIMEO makes the
 * blocking recv give up), at most 50 times. The answer, or null.
 */
export function askCount(s: Socket, to: Address): Buffer | null {
  s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, Buffer.from(new BigInt64Array([0n, 200000n]).buffer));
  for (let tries = 0; tries < 50; tries++) {
    s.sendto('E', to);
    try {
      return s.recv(8);
    } catch {
      // timed out: ask again
    }
  }
  return null;
}
