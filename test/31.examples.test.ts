// The examples of the strict-TypeScript trial that are not classic
// exercises (test/50.seeds has those), run end to end: SO_REUSEPORT handed
// to http, peer credentials, a netlink dump, ICMP echo, multicast,
// keepalive with TCP_INFO, a latency loop. Each runs as a user runs it
// (tsx, in a child process), on loopback or AF_UNIX paths in a temp dir;
// what needs a privilege or a namespace this machine does not give skips
// and says why. Timings are printed by some, never judged.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import http = require('node:http');
import os = require('node:os');
import path = require('node:path');

import { AF_UNIX, SOCK_STREAM, socket } from '../lib';
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
