// Type tests of the struct helpers (lib/struct.ts). Compiled, never run.

import {
  IPPROTO_TCP,
  SOL_SOCKET,
  SO_LINGER,
  TCP_INFO,
  getKeepalive,
  getPeerCred,
  getTcpInfo,
  linger,
  setKeepalive,
  sizeof,
  socket,
  unpackLinger,
  unpackTcpInfo,
  type KeepaliveState,
  type Linger,
  type PeerCred,
  type TcpInfo,
} from 'bsdsock';

import { exactly } from './expect';

export function structs(): void {
  const s = socket();
  exactly<PeerCred>()(getPeerCred(s));
  const info = getTcpInfo(s);
  exactly<TcpInfo>()(info);
  exactly<number>()(info.tcpi_rtt);
  // A field only newer kernels give may be absent; the 64-bit ones are bigints.
  exactly<bigint | undefined>()(info.tcpi_bytes_acked);
  exactly<number | undefined>()(info.tcpi_snd_wnd);
  s.setsockopt(SOL_SOCKET, SO_LINGER, linger(true, 0));
  exactly<Linger>()(unpackLinger(s.getsockopt(SOL_SOCKET, SO_LINGER, sizeof.linger)));
  // tcp_info exists only on Linux: its size and TCP_INFO may be undefined.
  // @ts-expect-error: possibly undefined
  s.getsockopt(IPPROTO_TCP, TCP_INFO, sizeof.tcp_info);
  if (TCP_INFO !== undefined && sizeof.tcp_info !== undefined) {
    exactly<TcpInfo>()(unpackTcpInfo(s.getsockopt(IPPROTO_TCP, TCP_INFO, sizeof.tcp_info)));
  }
  setKeepalive(s, { idle: 60, interval: 10, count: 5 });
  setKeepalive(s, false);
  // @ts-expect-error: true is not a set of keepalive values
  setKeepalive(s, true);
  exactly<KeepaliveState>()(getKeepalive(s));
}
