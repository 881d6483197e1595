// The struct helpers (lib/struct.ts): each packs exactly the bytes of the
// Python struct recipe it replaces (CPython's struct module, native
// alignment, is the reference), and each works on a real socket: the
// kernel takes what they pack and gives back what they unpack.
//
// Multicast delivery is tested in a private network namespace (unshare -n)
// where lo is brought up with multicast on, so that nothing reaches a real
// network; without one (no unshare, no ip, not allowed) that test skips and
// says why.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import os = require('node:os');
import path = require('node:path');

import {
  AF_INET,
  AF_UNIX,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVTIMEO,
  SO_SNDTIMEO,
  AF_INET6,
  getKeepalive,
  getPeerCred,
  getTcpInfo,
  ip_mreq,
  ip_mreqn,
  ipv6_mreq,
  linger,
  setKeepalive,
  sizeof,
  socket,
  socketpair,
  timeval,
  unpackLinger,
  unpackPeerCred,
  unpackTcpInfo,
  unpackTimeval,
} from '../lib';
import { ROOT, python, sockets, start, tempDirs, throwsCode, throwsSocketError } from './helpers';
import { TCP_INFO, TCP_KEEPIDLE } from './linux';

/** Evaluates each Python expression (struct, socket imported) to hex bytes or JSON. */
function py(exprs: Record<string, string>): Record<string, unknown> {
  const script = [
    'import json, socket, struct, sys',
    'from socket import *',
    'exprs = json.loads(sys.stdin.read())',
    'out = {}',
    'for k, e in exprs.items():',
    '    v = eval(e)',
    '    out[k] = v.hex() if isinstance(v, bytes) else v',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(exprs), encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('31 struct helpers', () => {
  const track = sockets();
  const tmp = tempDirs();

  it("pack the bytes of CPython's struct recipes, sizes included", () => {
    const p = py({
      mreq: "struct.pack('4s4s', inet_aton('239.1.2.3'), inet_aton('127.0.0.1'))",
      mreqAny: "struct.pack('4s4s', inet_aton('224.0.0.251'), inet_aton('0.0.0.0'))",
      mreqn: "struct.pack('4s4si', inet_aton('239.1.2.3'), inet_aton('127.0.0.1'), 1)",
      mreq6: "struct.pack('16sI', inet_pton(AF_INET6, 'ff02::fb'), 1)",
      mreq6Any: "struct.pack('16sI', inet_pton(AF_INET6, 'ff15::1'), 0)",
      linger: "struct.pack('ii', 1, 7)",
      lingerOff: "struct.pack('ii', 0, 0)",
      timeval: "struct.pack('ll', 2, 500000)",
      timevalSmall: "struct.pack('ll', 0, 1)",
      sizes: "[struct.calcsize(f) for f in ('4s4s', '4s4si', '16sI', 'ii', 'll', '3i')]",
    });
    assert.equal(ip_mreq('239.1.2.3', '127.0.0.1').toString('hex'), p.mreq);
    assert.equal(ip_mreq('224.0.0.251').toString('hex'), p.mreqAny);
    assert.equal(ip_mreqn('239.1.2.3', '127.0.0.1', 1).toString('hex'), p.mreqn);
    assert.equal(ip_mreqn('239.1.2.3', '127.0.0.1', 'lo').toString('hex'), p.mreqn); // lo is 1 in any namespace
    assert.equal(ipv6_mreq('ff02::fb', 1).toString('hex'), p.mreq6);
    assert.equal(ipv6_mreq('ff15::1').toString('hex'), p.mreq6Any);
    assert.equal(linger(true, 7).toString('hex'), p.linger);
    assert.equal(linger(1, 7).toString('hex'), p.linger);
    assert.equal(linger(false, 0).toString('hex'), p.lingerOff);
    assert.equal(timeval(2.5).toString('hex'), p.timeval);
    assert.equal(timeval(0.000001).toString('hex'), p.timevalSmall);
    assert.deepEqual(
      [sizeof.ip_mreq, sizeof.ip_mreqn, sizeof.ipv6_mreq, sizeof.linger, sizeof.timeval, sizeof.ucred],
      p.sizes,
    );
  });

  it('timeval rounds to the microsecond, carrying into the seconds', () => {
    assert.equal(unpackTimeval(timeval(0.9999996)), 1);
    assert.equal(unpackTimeval(timeval(1.0000004)), 1);
    assert.equal(unpackTimeval(timeval(3.25)), 3.25);
    assert.equal(unpackTimeval(timeval(0)), 0);
    assert.equal(unpackTimeval(timeval(86400 * 365 * 100)), 86400 * 365 * 100);
  });

  it('SO_LINGER: set with linger(), read back with unpackLinger(); linger(true, 0) makes close() reset', () => {
    const s = track(socket());
    assert.deepEqual(unpackLinger(s.getsockopt(SOL_SOCKET, SO_LINGER, sizeof.linger)), { l_onoff: 0, l_linger: 0 });
    s.setsockopt(SOL_SOCKET, SO_LINGER, linger(true, 7));
    assert.deepEqual(unpackLinger(s.getsockopt(SOL_SOCKET, SO_LINGER, sizeof.linger)), { l_onoff: 1, l_linger: 7 });
    // The RST: the peer's recv fails with ECONNRESET instead of reading EOF.
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const c = track(socket());
    c.connect(l.getsockname());
    const [conn] = l.accept();
    track(conn);
    c.setsockopt(SOL_SOCKET, SO_LINGER, linger(true, 0));
    c.close();
    throwsSocketError(() => conn.recv(10), 'ECONNRESET', 'recv');
  });

  it("SO_RCVTIMEO / SO_SNDTIMEO: the kernel's own timeout, round trip; a blocking recv then fails with EAGAIN", () => {
    const [a, b] = socketpair();
    track(a);
    track(b);
    // (The kernel keeps a timeout in clock ticks: 0.5 and 2.5 s are whole
    // ticks at every HZ, 0.05 s is not at HZ=250, where it reads back 0.052.)
    a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, timeval(0.5));
    b.setsockopt(SOL_SOCKET, SO_SNDTIMEO, timeval(2.5));
    assert.equal(unpackTimeval(a.getsockopt(SOL_SOCKET, SO_RCVTIMEO, sizeof.timeval)), 0.5);
    assert.equal(unpackTimeval(b.getsockopt(SOL_SOCKET, SO_SNDTIMEO, sizeof.timeval)), 2.5);
    a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, timeval(0.02));
    assert.equal(a.gettimeout(), null); // blocking, as far as bsdsock knows
    throwsSocketError(() => a.recv(10), 'EAGAIN', 'recv');
  });

  it('SO_PEERCRED: the peer of a socketpair is this process; the peer of a connection is its process', async () => {
    const [a, b] = socketpair();
    track(a);
    track(b);
    const me = { pid: process.pid, uid: os.userInfo().uid, gid: os.userInfo().gid };
    assert.deepEqual(getPeerCred(a), me);
    assert.deepEqual(unpackPeerCred(b.getsockopt(SOL_SOCKET, 17, sizeof.ucred!)), me);
    // A Python child connects to an AF_UNIX listener: its pid comes back.
    const l = track(socket(AF_UNIX, SOCK_STREAM));
    const where = path.join(tmp(), 'peercred.sock');
    l.bind(where);
    l.listen();
    const child = python(
      "import os, socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint(os.getpid(), os.getuid(), os.getgid(), flush=True)\ns.recv(1)",
      [where],
    );
    const [conn] = l.accept();
    track(conn);
    const [pid, uid, gid] = (await child.line()).split(' ').map(Number);
    assert.deepEqual(getPeerCred(conn), { pid, uid, gid });
    assert.equal(pid, child.proc.pid);
    conn.close();
    assert.equal((await child.exit()).code, 0);
  });

  it('TCP_INFO: every field at the offset of the Python recipe, for a real connection and a listener', () => {
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const c = track(socket());
    c.connect(l.getsockname());
    const [conn] = l.accept();
    track(conn);
    c.sendall('x'.repeat(100000));
    conn.recv(65536);
    const raw = c.getsockopt(IPPROTO_TCP, TCP_INFO, sizeof.tcp_info!);
    assert.equal(raw.length, sizeof.tcp_info);
    const info = unpackTcpInfo(raw);
    assert.deepEqual(getTcpInfo(c).tcpi_state, 1); // TCP_ESTABLISHED
    assert.equal(getTcpInfo(l).tcpi_state, 10); // TCP_LISTEN
    // The recipe a Python user writes from linux/tcp.h (6.1's fields).
    const names = [
      'state', 'ca_state', 'retransmits', 'probes', 'backoff', 'options', 'wscale', 'flags',
      'rto', 'ato', 'snd_mss', 'rcv_mss', 'unacked', 'sacked', 'lost', 'retrans', 'fackets',
      'last_data_sent', 'last_ack_sent', 'last_data_recv', 'last_ack_recv', 'pmtu', 'rcv_ssthresh',
      'rtt', 'rttvar', 'snd_ssthresh', 'snd_cwnd', 'advmss', 'reordering', 'rcv_rtt', 'rcv_space',
      'total_retrans', 'pacing_rate', 'max_pacing_rate', 'bytes_acked', 'bytes_received', 'segs_out',
      'segs_in', 'notsent_bytes', 'min_rtt', 'data_segs_in', 'data_segs_out', 'delivery_rate',
      'busy_time', 'rwnd_limited', 'sndbuf_limited', 'delivered', 'delivered_ce', 'bytes_sent',
      'bytes_retrans', 'dsack_dups', 'reord_seen', 'rcv_ooopack', 'snd_wnd',
    ];
    const p = py({ v: `[str(x) for x in struct.unpack('8B24I4Q6IQ3Q2I2Q4I', bytes.fromhex('${raw.toString('hex')}'))]` });
    const values = (p.v as string[]).map(Number);
    const exact = (p.v as string[]).map(BigInt);
    assert.equal(values.length, names.length);
    for (const [i, name] of names.entries()) {
      const got = (info as unknown as Record<string, number | bigint | undefined>)[`tcpi_${name}`];
      if (name === 'wscale') {
        assert.equal(info.tcpi_snd_wscale, values[i]! & 15);
        assert.equal(info.tcpi_rcv_wscale, values[i]! >> 4);
      } else if (name === 'flags') {
        assert.equal(info.tcpi_delivery_rate_app_limited, values[i]! & 1);
        assert.equal(info.tcpi_fastopen_client_fail, (values[i]! >> 1) & 3);
      } else {
        assert.equal(typeof got === 'bigint' ? got : BigInt(got ?? -1), exact[i], name);
      }
    }
    // Distinct values, so that the offsets were really told apart.
    assert.ok(info.tcpi_snd_mss > 0 && info.tcpi_rtt > 0 && info.tcpi_rcv_space > 0 && info.tcpi_snd_cwnd > 0);
    assert.equal(info.tcpi_max_pacing_rate, 2n ** 64n - 1n); // unlimited
    assert.ok((info.tcpi_bytes_acked ?? 0n) >= 100000n);
  });

  it('TCP_INFO is read only as far as the kernel gave it; less than every kernel gives is a RangeError', () => {
    const s = track(socket());
    const raw = s.getsockopt(IPPROTO_TCP, TCP_INFO, sizeof.tcp_info!);
    const short = unpackTcpInfo(raw.subarray(0, 120)); // a kernel that stops after tcpi_max_pacing_rate
    assert.equal(short.tcpi_state, 7); // TCP_CLOSE
    assert.equal(typeof short.tcpi_max_pacing_rate, 'bigint');
    assert.ok(!('tcpi_bytes_acked' in short));
    assert.ok(!('tcpi_snd_wnd' in short));
    assert.deepEqual(Object.keys(unpackTcpInfo(raw.subarray(0, 104))).length, 34);
    throwsCode(() => unpackTcpInfo(raw.subarray(0, 103)), RangeError, 'ERR_OUT_OF_RANGE');
  });

  it('keepalive: idle, interval and count in one call, read back; false turns it off', () => {
    const s = track(socket());
    assert.deepEqual(getKeepalive(s).enabled, false);
    setKeepalive(s, { idle: 30, interval: 5, count: 4 });
    assert.deepEqual(getKeepalive(s), { enabled: true, idle: 30, interval: 5, count: 4 });
    assert.equal(s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 1);
    assert.equal(s.getsockopt(IPPROTO_TCP, TCP_KEEPIDLE), 30);
    setKeepalive(s, { idle: 60 }); // the others stay
    assert.deepEqual(getKeepalive(s), { enabled: true, idle: 60, interval: 5, count: 4 });
    setKeepalive(s, false);
    assert.equal(getKeepalive(s).enabled, false);
    // What the kernel refuses is its EINVAL; a bad value is refused before anything is set.
    throwsSocketError(() => setKeepalive(s, { count: 1000 }), 'EINVAL', 'setsockopt');
    throwsCode(() => setKeepalive(s, { idle: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE');
    assert.equal(getKeepalive(s).idle, 60);
  });

  it('bad arguments: coded errors, and the kernel refuses a struct of the wrong size', () => {
    throwsSocketError(() => ip_mreq('not an address'), 'EINVAL', 'inet_aton');
    throwsSocketError(() => ipv6_mreq('239.1.2.3'), 'EINVAL', 'inet_pton');
    throwsSocketError(() => ipv6_mreq('ff02::1', 'no-such-if0'), 'ENODEV', 'if_nametoindex');
    throwsCode(() => ipv6_mreq('ff02::1', -1), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => linger(true, 1.5), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => linger('yes' as unknown as boolean, 1), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => timeval(-1), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => timeval(NaN), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => timeval('1' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => unpackLinger(Buffer.alloc(4)), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => unpackTimeval(Buffer.alloc(17)), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => unpackPeerCred('x' as unknown as Buffer), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => getTcpInfo({} as never), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => setKeepalive(track(socket()), 'on' as never), TypeError, 'ERR_INVALID_ARG_TYPE');
    const u = track(socket(AF_INET, SOCK_DGRAM));
    throwsSocketError(() => getTcpInfo(u), 'EOPNOTSUPP', 'getsockopt'); // not TCP
    throwsSocketError(() => u.setsockopt(SOL_SOCKET, SO_LINGER, linger(true, 1).subarray(0, 4)), 'EINVAL', 'setsockopt');
    const closed = socket();
    closed.close();
    throwsSocketError(() => getPeerCred(closed), 'EBADF', 'getsockopt');
  });

  it('IPv6 membership on lo: the kernel takes ipv6_mreq for IPV6_JOIN_GROUP and IPV6_LEAVE_GROUP', () => {
    // (Linux delivers no IPv6 multicast over lo, CPython's packets neither:
    // the join and the leave are what can be checked there.)
    const s = track(socket(AF_INET6, SOCK_DGRAM));
    s.bind(['::1', 0]);
    s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6_mreq('ff15::4242', 'lo'));
    throwsSocketError(() => s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6_mreq('ff15::4242', 'lo')), 'EADDRINUSE', 'setsockopt');
    s.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, ipv6_mreq('ff15::4242', 'lo'));
    throwsSocketError(() => s.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, ipv6_mreq('ff15::4242', 'lo')), 'EADDRNOTAVAIL', 'setsockopt');
    // IPv4 memberships on lo too, with both structs.
    const v4 = track(socket(AF_INET, SOCK_DGRAM));
    v4.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, ip_mreq('239.255.42.1', '127.0.0.1'));
    v4.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, ip_mreqn('239.255.42.1', '0.0.0.0', 'lo'));
    throwsSocketError(() => v4.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, ip_mreq('239.255.42.1', '127.0.0.1')), 'EADDRNOTAVAIL', 'setsockopt');
  });

  describe('multicast delivery, in a private network namespace', function () {
    this.timeout(60000);
    let why: string | null = null;
    before(() => {
      const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip link set lo multicast on'], { encoding: 'utf8', timeout: 10000 });
      if (probe.error !== undefined) why = `cannot run unshare: ${probe.error.message}`;
      else if (probe.status !== 0) why = `unshare -n with ip did not work here: ${probe.stderr.trim() || `exit ${probe.status}`}`;
    });

    it('joins with ip_mreq and ip_mreqn, receives on lo, leaves and receives no more (test/fixtures/multicast-check.ts)', async function () {
      if (why !== null) {
        this.test!.title += ` (skipped: ${why})`;
        this.skip();
      }
      const child = start('unshare', [
        '-n',
        'sh',
        '-c',
        'ip link set lo up && ip link set lo multicast on && exec "$0" --require tsx/cjs "$1"',
        process.execPath,
        path.join(ROOT, 'test', 'fixtures', 'multicast-check.ts'),
      ]);
      const r = await child.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim()), {
        ip_mreq: { joined: 'to the group', left: 'nothing' },
        ip_mreqn: { joined: 'to the group', left: 'nothing' },
      });
    });
  });
});
