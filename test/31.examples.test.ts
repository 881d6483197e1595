// The examples of the strict-TypeScript trial that are not classic
// exercises (test/50.seeds has those), run end to end: SO_REUSEPORT handed
// to http, peer credentials, a netlink dump, a packet sniffer on lo, ICMP
// echo, multicast, keepalive with TCP_INFO, a latency loop. Each runs as a
// user runs it
// (tsx, in a child process), on loopback or AF_UNIX paths in a temp dir;
// what needs a privilege or a namespace this machine does not give skips
// and says why. Timings are printed by some, never judged.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import http = require('node:http');
import os = require('node:os');
import path = require('node:path');

import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, socket } from '../lib';
import { ROOT, python, sockets, start, tempDirs, tsNode } from './helpers';

/** `ip` in a private network namespace with lo up and multicast on: null when possible, else why not. */
function netnsUnavailable(): string | null {
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip link set lo multicast on'], { encoding: 'utf8', timeout: 10000 });
  if (probe.error !== undefined) return `cannot run unshare: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -n with ip did not work here: ${probe.stderr.trim() || `exit ${String(probe.status)}`}`;
  return null;
}

function get(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

describe('31 examples: the programs of the strict-TypeScript trial', function () {
  this.timeout(60000);
  const track = sockets();
  const tmp = tempDirs();

  it('reuseport-http.ts: two http servers on one port (SO_REUSEPORT); the kernel spreads the connections over both', async () => {
    const requests = 40;
    const child = tsNode('examples/reuseport-http.ts', ['0', '--servers', '2', '--requests', String(requests)]);
    const first = await child.line();
    const m = /^listening 127\.0\.0\.1 (\d+) \(2 servers\)$/.exec(first);
    assert.ok(m, first);
    const port = Number(m[1]);
    const answers: string[] = [];
    for (let i = 0; i < requests; i++) answers.push(await get(port, `/r${i}`));
    const r = await child.exit();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.deepEqual(new Set(answers), new Set(['server 0\n', 'server 1\n'])); // 2^-39 that one got them all
    const logged = r.stdout.trim().split('\n').slice(1);
    assert.equal(logged.length, requests);
    for (const [i, line] of logged.entries()) assert.match(line, new RegExp(`^server [01]: GET /r${i}$`));
  });

  it("peercred.ts: tells each AF_UNIX client its own pid, uid and gid (SO_PEERCRED); a Python client's too", async () => {
    const where = path.join(tmp(), 'peercred.sock');
    const child = tsNode('examples/peercred.ts', [where, '--max-conns', '2']);
    assert.equal(await child.line(), `listening ${where}`);
    const me = `pid ${process.pid} uid ${os.userInfo().uid} gid ${os.userInfo().gid}`;
    const c = track(socket(AF_UNIX, SOCK_STREAM));
    c.connect(where);
    assert.equal(c.recv(100).toString(), `${me}\n`);
    const py = python(
      "import os, socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint(s.recv(100).decode().strip(), '/', os.getpid(), os.getuid(), os.getgid())",
      [where],
    );
    const [reply, mine] = (await py.line()).split(' / ');
    const [pid, uid, gid] = (mine ?? '').split(' ');
    assert.equal(reply, `pid ${pid} uid ${uid} gid ${gid}`);
    const r = await child.exit();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.equal(r.stdout, `listening ${where}\npeer ${me}\npeer ${reply}\n`);
    assert.equal(fs.existsSync(where), false, 'the socket file is removed');
  });

  it('netlink-links.ts: an RTM_GETLINK dump lists the interfaces of /sys/class/net, with their index, flags and MTU', async () => {
    const r = await tsNode('examples/netlink-links.ts').exit();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const lines = r.stdout.trim().split('\n');
    const names = new Set<string>();
    for (const line of lines) {
      const m = /^(\d+) (\S+) (UP|DOWN) mtu (\d+) state (\S+)$/.exec(line);
      assert.ok(m, line);
      const [, index, name = '', up, mtu, state] = m;
      const sys = (file: string) => fs.readFileSync(path.join('/sys/class/net', name, file), 'utf8').trim();
      assert.equal(index, sys('ifindex'), line);
      assert.equal(mtu, sys('mtu'), line);
      assert.equal(up === 'UP', (Number(sys('flags')) & 1) === 1, line);
      assert.equal(state, sys('operstate').toUpperCase(), line);
      names.add(name);
    }
    assert.deepEqual(names, new Set(fs.readdirSync('/sys/class/net')));
  });

  it('packet-sniff.ts: prints the UDP datagrams it sees on lo, once each, IPv4 and IPv6, and no others', async function () {
    // A receiver on 127.0.0.1 and one on ::1, on the same port number.
    let r4 = track(socket(AF_INET, SOCK_DGRAM));
    let r6 = track(socket(AF_INET6, SOCK_DGRAM));
    for (let i = 0; ; i++) {
      r4.bind(['127.0.0.1', 0]);
      try {
        r6.bind(['::1', r4.getsockname()[1]]);
        break;
      } catch (err) {
        if (i === 20) throw err;
        r4 = track(socket(AF_INET, SOCK_DGRAM));
        r6 = track(socket(AF_INET6, SOCK_DGRAM));
      }
    }
    const port = r4.getsockname()[1];
    const sniff = tsNode('examples/packet-sniff.ts', ['--port', String(port), '--count', '3', '--seconds', '20']);
    const first = await sniff.line().catch(() => null);
    if (first === null) {
      const r = await sniff.exit();
      if (r.code === 2 && /packet-sniff needs CAP_NET_RAW/.test(r.stderr)) {
        this.test!.title += ` (skipped: ${r.stderr.trim()})`;
        this.skip();
      }
      assert.fail(`packet-sniff.ts exited ${String(r.code)}: ${r.stderr}`);
    }
    assert.equal(first, 'listening on lo');
    const s4 = track(socket(AF_INET, SOCK_DGRAM));
    const s6 = track(socket(AF_INET6, SOCK_DGRAM));
    s4.sendto('hello', ['127.0.0.1', port]);
    s4.sendto(Buffer.from([0xff, 0, 1]), ['127.0.0.1', port]);
    s6.sendto('six', ['::1', port]);
    const r = await sniff.exit();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const [, sport4] = s4.getsockname();
    const [, sport6] = s6.getsockname();
    assert.equal(
      r.stdout,
      [
        'listening on lo',
        `127.0.0.1:${sport4} > 127.0.0.1:${port} UDP length 5: "hello"`,
        `127.0.0.1:${sport4} > 127.0.0.1:${port} UDP length 3: "\u00ff\\u0000\\u0001"`,
        `[::1]:${sport6} > [::1]:${port} UDP length 3: "six"`,
        '',
      ].join('\n'),
    );
  });

  it('packet-sniff.ts without CAP_NET_RAW says it needs root and exits 2', function () {
    // As root, the example runs as nobody (uid 65534), which has no capability.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'examples', 'packet-sniff.ts')], {
      ...asNobody,
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20000,
    });
    if (r.error !== undefined) throw r.error;
    assert.deepEqual([r.status, r.stdout, r.stderr], [2, '', 'packet-sniff needs CAP_NET_RAW: run it as root\n']);
  });

  it('ping.ts: ICMP echo to 127.0.0.1, three requests, three replies (a ping socket, or a raw one)', async function () {
    const r = await tsNode('examples/ping.ts', ['127.0.0.1', '-c', '3', '-i', '0.01']).exit();
    if (r.code === 2 && /ping needs CAP_NET_RAW/.test(r.stderr)) {
      this.test!.title += ` (skipped: ${r.stderr.trim()})`;
      this.skip();
    }
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^PING 127\.0\.0\.1: 56 data bytes \(SOCK_(RAW|DGRAM)\)$/);
    for (let seq = 1; seq <= 3; seq++) {
      assert.match(lines[seq]!, new RegExp(`^64 bytes from 127\\.0\\.0\\.1: icmp_seq=${seq}( ttl=64)? time=\\d+\\.\\d{3} ms$`));
    }
    assert.deepEqual(lines.slice(4), ['--- 127.0.0.1 ping statistics ---', '3 packets transmitted, 3 received, 0% packet loss']);
  });

  it('multicast.ts: joins a group on lo, receives what is sent to it, leaves and receives no more (private network namespace)', async function () {
    const why = netnsUnavailable();
    if (why !== null) {
      this.test!.title += ` (skipped: ${why})`;
      this.skip();
    }
    const child = start('unshare', [
      '-n',
      'sh',
      '-c',
      'ip link set lo up && ip link set lo multicast on && exec "$0" --require tsx/cjs "$1" 239.255.7.7 --count 3',
      process.execPath,
      path.join(ROOT, 'examples', 'multicast.ts'),
    ]);
    const r = await child.exit();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const lines = r.stdout.trim().split('\n');
    const m = /^joined 239\.255\.7\.7 on 127\.0\.0\.1 port (\d+)$/.exec(lines[0] ?? '');
    assert.ok(m, r.stdout);
    for (let i = 1; i <= 3; i++) assert.match(lines[i]!, new RegExp(`^received message ${i} from 127\\.0\\.0\\.1 \\d+$`));
    assert.deepEqual(lines.slice(4), ['left 239.255.7.7', 'nothing after leaving']);
  });

  it('tcp-info.ts: keepalive set in one call and read back; TCP_INFO of an established connection after 100 kB', async () => {
    const r = await tsNode('examples/tcp-info.ts', ['--idle', '30', '--interval', '5', '--count', '4', '--bytes', '100000']).exit();
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['keepalive on idle 30 interval 5 count 4', 'state ESTABLISHED']);
    assert.match(lines[2]!, /^rtt \d+ us \(variance \d+ us\)$/);
    assert.match(lines[3]!, /^rto [1-9]\d* us$/);
    assert.match(lines[4]!, /^snd_cwnd [1-9]\d* segments$/);
    assert.match(lines[5]!, /^snd_mss [1-9]\d* bytes, rcv_mss [1-9]\d* bytes$/);
    const acked = /^bytes_acked (\d+)$/.exec(lines[6]!);
    assert.ok(acked && Number(acked[1]) >= 100000, lines[6]);
    assert.match(lines[7]!, /^total_retrans \d+$/);
  });

  for (const unix of [false, true]) {
    it(`latency.ts: a round-trip loop to an echo server in a child process, over ${unix ? 'AF_UNIX' : 'TCP'}`, async () => {
      const r = await tsNode('examples/latency.ts', ['--count', '300', '--size', '64', ...(unix ? ['--unix'] : [])]).exit();
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.match(
        r.stdout,
        new RegExp(`^300 round trips of 64 bytes over ${unix ? 'unix' : 'tcp'}: min \\d+\\.\\d us, median \\d+\\.\\d us, p99 \\d+\\.\\d us\\n$`),
      );
    });
  }
});
