// A TCP connection's keepalive settings and the kernel's view of it
// (TCP_INFO): the numbers behind `ss -ti`. Keepalive makes an idle
// connection probe its peer, so that one that vanished (a powered-off host,
// a dropped NAT entry) is noticed: after `idle` seconds of silence, a
// probe every `interval` seconds, `count` unanswered probes and the
// connection is dropped. In Python:
//
//   s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
//   s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 60)
//   s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 10)
//   s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
//   info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
//   state, rto, rtt = info[0], *struct.unpack_from('I', info, 8), ...
//
// Usage: tsx examples/tcp-info.ts [--idle 60] [--interval 10] [--count 5] [--bytes N]
//
// Connects to a listener of its own on 127.0.0.1, turns keepalive on with
// the given values, sends N bytes (1 MiB by default) that the other end
// reads, and prints `keepalive on idle <s> interval <s> count <n>`, then
// `state ESTABLISHED`, and one `<field> <value>` line for the round-trip
// time, the congestion window, the segment sizes and the byte counts.
// TCP_INFO is Linux's.

import { parseArgs } from 'node:util';

import { createServer, getKeepalive, getTcpInfo, setKeepalive, socket } from '../lib';

const STATES = ['?', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      idle: { type: 'string', default: '60' },
      interval: { type: 'string', default: '10' },
      count: { type: 'string', default: '5' },
      bytes: { type: 'string', default: String(1 << 20) },
    },
  });
  const idle = Number(values.idle);
  const interval = Number(values.interval);
  const count = Number(values.count);
  const bytes = Number(values.bytes);
  if (![idle, interval, count, bytes].every((n) => Number.isInteger(n) && n >= 1)) {
    process.stderr.write('usage: tcp-info.ts [--idle s] [--interval s] [--count n] [--bytes n]\n');
    process.exitCode = 2;
    return;
  }
  const server = createServer(['127.0.0.1', 0]);
  const client = socket();
  try {
    client.connect(server.getsockname());
    const [conn] = server.accept();
    try {
      setKeepalive(client, { idle, interval, count });
      const ka = getKeepalive(client);
      say(`keepalive ${ka.enabled ? 'on' : 'off'} idle ${ka.idle ?? '?'} interval ${ka.interval ?? '?'} count ${ka.count ?? '?'}`);

      // Some traffic, so that the counters have something to count.
      // One thread plays both ends: neither may block.
      const payload = Buffer.alloc(bytes, 'x');
      let got = 0;
      const buf = Buffer.alloc(65536);
      for (let sent = 0; got < payload.length; ) {
        if (sent < payload.length) {
          const n = client.trySend(payload.subarray(sent));
          if (n > 0) sent += n;
        }
        const n = conn.tryRecvInto(buf);
        if (n > 0) got += n;
      }

      const info = getTcpInfo(client);
      say(`state ${STATES[info.tcpi_state] ?? info.tcpi_state}`);
      say(`rtt ${info.tcpi_rtt} us (variance ${info.tcpi_rttvar} us)`);
      say(`rto ${info.tcpi_rto} us`);
      say(`snd_cwnd ${info.tcpi_snd_cwnd} segments`);
      say(`snd_mss ${info.tcpi_snd_mss} bytes, rcv_mss ${info.tcpi_rcv_mss} bytes`);
      say(`bytes_acked ${info.tcpi_bytes_acked ?? '?'}`);
      say(`total_retrans ${info.tcpi_total_retrans}`);
    } finally {
      conn.close();
    }
  } finally {
    client.close();
    server.close();
  }
}

main();
