// The Socket object: construction, identity, fd ownership (dup, detach,
// fromfd, close), close-on-exec, inspect form and the finalizer.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import { inspect } from 'node:util';

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  Socket,
  fromfd,
  getdefaulttimeout,
  setdefaulttimeout,
  socket,
  socketpair,
} from '../lib';
import { SOCK_CLOEXEC, SOCK_NONBLOCK } from './linux';
import { O_CLOEXEC, O_NONBLOCK, fdFlags, fdIsOpen, python, sockets, throwsSocketError, ticks } from './helpers';

describe('10 socket object', () => {
  const track = sockets();
  afterEach(() => setdefaulttimeout(null));

  describe('socket()', () => {
    it('defaults to AF_INET, SOCK_STREAM, proto 0, blocking', () => {
      const s = track(socket());
      assert.equal(s.family, AF_INET);
      assert.equal(s.type, SOCK_STREAM);
      assert.equal(s.proto, 0);
      assert.equal(s.timeout, null);
      assert.equal(s.gettimeout(), null);
      assert.equal(s.getblocking(), true);
      assert.equal(s.closed, false);
      assert.ok(s.fileno() > 2);
      assert.ok(s instanceof Socket);
    });

    it('new Socket(...) is the same as socket(...)', () => {
      const s = track(new Socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
      assert.equal(s.family, AF_INET);
      assert.equal(s.type, SOCK_DGRAM);
      assert.equal(s.proto, IPPROTO_UDP);
    });

    it('creates the fd close-on-exec and blocking', () => {
      const s = track(socket());
      assert.equal(fdFlags(s.fileno()) & O_CLOEXEC, O_CLOEXEC);
      assert.equal(fdFlags(s.fileno()) & O_NONBLOCK, 0);
      assert.equal(s.getInheritable(), false);
    });

    it('strips SOCK_NONBLOCK and SOCK_CLOEXEC from type; SOCK_NONBLOCK gives timeout 0', () => {
      const s = track(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC));
      assert.equal(s.type, SOCK_STREAM);
      assert.equal(s.timeout, 0);
      assert.equal(s.getblocking(), false);
      assert.equal(fdFlags(s.fileno()) & O_NONBLOCK, O_NONBLOCK);
    });

    it('gets the default timeout, with the fd non-blocking', () => {
      setdefaulttimeout(2.5);
      assert.equal(getdefaulttimeout(), 2.5);
      const s = track(socket());
      assert.equal(s.gettimeout(), 2.5);
      assert.equal(fdFlags(s.fileno()) & O_NONBLOCK, O_NONBLOCK);
    });

    it('reports socket(2) failures as Python does on Linux', () => {
      throwsSocketError(() => socket(999), 'EAFNOSUPPORT', 'socket');
      throwsSocketError(() => socket(AF_INET, 999), 'EINVAL', 'socket');
      throwsSocketError(() => socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), 'EPROTONOSUPPORT', 'socket');
    });
  });

  describe('new Socket(family, type, proto, fileno)', () => {
    it('reads family, type and proto from the fd when omitted or -1', () => {
      const orig = track(socket(AF_INET6, SOCK_DGRAM));
      const fd = orig.detach();
      const s = track(new Socket(undefined, undefined, undefined, fd));
      assert.equal(s.fileno(), fd);
      assert.equal(s.family, AF_INET6);
      assert.equal(s.type, SOCK_DGRAM);
      assert.equal(s.proto, IPPROTO_UDP); // SO_PROTOCOL, as Python reports it

      const fd2 = track(socket(AF_UNIX, SOCK_SEQPACKET)).detach();
      const u = track(new Socket(-1, -1, -1, fd2));
      assert.equal(u.family, AF_UNIX);
      assert.equal(u.type, SOCK_SEQPACKET);
      assert.equal(u.proto, 0);
    });

    it('keeps what is given', () => {
      const fd = track(socket()).detach();
      const s = track(new Socket(AF_INET, SOCK_STREAM, 0, fd));
      assert.equal(s.proto, 0);
    });

    it('gives EBADF for a bad fd and ENOTSOCK for a non-socket, even with family and type', () => {
      const s = socket();
      const fd = s.fileno();
      s.close();
      throwsSocketError(() => new Socket(undefined, undefined, undefined, fd), 'EBADF', 'getsockname');
      const file = fs.openSync(__filename, 'r');
      try {
        throwsSocketError(() => new Socket(AF_INET, SOCK_STREAM, 0, file), 'ENOTSOCK', 'getsockname');
      } finally {
        fs.closeSync(file);
      }
    });

    it('reflects O_NONBLOCK of the fd in the timeout, leaving the flag alone', () => {
      const fd = track(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK)).detach();
      const s = track(new Socket(undefined, undefined, undefined, fd));
      assert.equal(s.gettimeout(), 0);
      assert.equal(fdFlags(fd) & O_NONBLOCK, O_NONBLOCK);
    });

    it('makes the fd non-blocking when there is a default timeout', () => {
      const fd = track(socket()).detach();
      setdefaulttimeout(1);
      const s = track(new Socket(undefined, undefined, undefined, fd));
      assert.equal(s.gettimeout(), 1);
      assert.equal(fdFlags(fd) & O_NONBLOCK, O_NONBLOCK);
    });
  });

  describe('fd ownership', () => {
    it('fromfd wraps a close-on-exec duplicate and leaves the original open', () => {
      const orig = track(socket(AF_INET, SOCK_DGRAM));
      orig.bind(['127.0.0.1', 0]);
      const copy = track(fromfd(orig.fileno(), AF_INET, SOCK_DGRAM));
      assert.notEqual(copy.fileno(), orig.fileno());
      assert.deepEqual(copy.getsockname(), orig.getsockname());
      assert.equal(fdFlags(copy.fileno()) & O_CLOEXEC, O_CLOEXEC);
      copy.close();
      assert.ok(fdIsOpen(orig.fileno()));
    });

    it('fromfd closes its duplicate when the fd is not a socket', () => {
      const file = fs.openSync(__filename, 'r');
      try {
        const before = inspectFds();
        throwsSocketError(() => fromfd(file, AF_INET, SOCK_STREAM), 'ENOTSOCK', 'getsockname');
        assert.deepEqual(inspectFds(), before);
      } finally {
        fs.closeSync(file);
      }
    });

    it('dup gives a new close-on-exec fd with the same identity and timeout', () => {
      const s = track(socket(AF_INET6, SOCK_DGRAM));
      s.settimeout(3);
      const d = track(s.dup());
      assert.notEqual(d.fileno(), s.fileno());
      assert.equal(d.family, AF_INET6);
      assert.equal(d.type, SOCK_DGRAM);
      assert.equal(d.gettimeout(), 3);
      assert.equal(fdFlags(d.fileno()) & O_CLOEXEC, O_CLOEXEC);
    });

    it('detach hands out the fd without closing it', () => {
      const s = socket();
      const fd = s.detach();
      assert.equal(s.closed, true);
      assert.equal(s.fileno(), -1);
      assert.equal(s.detach(), -1);
      assert.ok(fdIsOpen(fd));
      new Socket(undefined, undefined, undefined, fd).close();
      assert.ok(!fdIsOpen(fd));
    });

    it('close is idempotent and closes the fd', () => {
      const s = socket();
      const fd = s.fileno();
      s.close();
      assert.ok(!fdIsOpen(fd));
      assert.equal(s.closed, true);
      assert.equal(s.fileno(), -1);
      s.close();
    });

    it('close reports an fd that was closed behind its back', () => {
      const s = socket();
      // A second owner of the same fd number closes it first.
      new Socket(undefined, undefined, undefined, s.fileno()).close();
      throwsSocketError(() => s.close(), 'EBADF', 'close');
      s.close(); // now closed: a no-op
    });

    it('a using block closes the socket', () => {
      let fd = -1;
      let ref: Socket;
      {
        using s = socket();
        fd = s.fileno();
        ref = s;
      }
      assert.equal(ref.closed, true);
      assert.ok(!fdIsOpen(fd));
    });

    it('new fds do not survive exec: a child process cannot use them', async () => {
      const s = track(socket());
      const l = track(socket());
      l.bind(['127.0.0.1', 0]);
      l.listen();
      s.connect(l.getsockname());
      const [conn] = l.accept();
      track(conn);
      const [a, b] = socketpair();
      track(a);
      track(b);
      const d = track(s.dup());
      const fds = [s, l, conn, a, b, d].map((x) => x.fileno());
      for (const fd of fds) assert.equal(fdFlags(fd) & O_CLOEXEC, O_CLOEXEC, `fd ${fd}`);
      // The child tries fstat on each fd number; each must be EBADF there.
      const child = python(
        'import os, sys\n' +
          'for fd in map(int, sys.argv[1:]):\n' +
          '    try:\n' +
          '        os.fstat(fd); print(fd, "open")\n' +
          '    except OSError as e:\n' +
          '        print(fd, e.errno)\n',
        fds.map(String),
      );
      const { code, stdout } = await child.exit();
      assert.equal(code, 0);
      assert.equal(stdout, fds.map((fd) => `${fd} 9\n`).join(''));
    });

    it('setInheritable clears and sets FD_CLOEXEC', () => {
      const s = track(socket());
      s.setInheritable(true);
      assert.equal(s.getInheritable(), true);
      assert.equal(fdFlags(s.fileno()) & O_CLOEXEC, 0);
      s.setInheritable(false);
      assert.equal(s.getInheritable(), false);
      assert.equal(fdFlags(s.fileno()) & O_CLOEXEC, O_CLOEXEC);
    });
  });

  describe('socketpair()', () => {
    it('defaults to connected AF_UNIX stream sockets with empty names', () => {
      const [a, b] = socketpair();
      track(a);
      track(b);
      assert.equal(a.family, AF_UNIX);
      assert.equal(a.type, SOCK_STREAM);
      assert.equal(a.getsockname(), '');
      assert.equal(b.getpeername(), '');
      a.sendall('ping');
      assert.equal(b.recv(10).toString(), 'ping');
      for (const s of [a, b]) assert.equal(fdFlags(s.fileno()) & O_CLOEXEC, O_CLOEXEC);
      // A null family is AF_UNIX, as Python's None.
      const [c, d] = socketpair(null, SOCK_DGRAM);
      track(c);
      track(d);
      assert.deepEqual([c.family, c.type], [AF_UNIX, SOCK_DGRAM]);
    });

    it('keeps datagram boundaries for SOCK_DGRAM and SOCK_SEQPACKET', () => {
      for (const type of [SOCK_DGRAM, SOCK_SEQPACKET]) {
        const [a, b] = socketpair(AF_UNIX, type);
        track(a);
        track(b);
        a.send('one');
        a.send('three');
        assert.equal(b.recv(100).toString(), 'one');
        assert.equal(b.recv(100).toString(), 'three');
      }
    });

    it('gets the default timeout, or 0 with SOCK_NONBLOCK', () => {
      setdefaulttimeout(4);
      const [a, b] = socketpair();
      track(a);
      track(b);
      assert.equal(a.gettimeout(), 4);
      assert.equal(b.gettimeout(), 4);
      assert.equal(fdFlags(b.fileno()) & O_NONBLOCK, O_NONBLOCK);
      setdefaulttimeout(null);
      const [c, d] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      track(c);
      track(d);
      assert.equal(c.gettimeout(), 0);
      assert.equal(d.type, SOCK_STREAM);
    });

    it('gives EOPNOTSUPP for AF_INET, as Linux does', () => {
      throwsSocketError(() => socketpair(AF_INET), 'EOPNOTSUPP', 'socketpair');
    });
  });

  describe('util.inspect', () => {
    it('shows fd, family, type and the local address, like Python repr', () => {
      const s = track(socket());
      assert.equal(inspect(s), `<Socket fd=${s.fileno()} family=AF_INET type=SOCK_STREAM laddr=['0.0.0.0', 0]>`);
      const t = track(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
      assert.equal(inspect(t), `<Socket fd=${t.fileno()} family=AF_INET type=SOCK_STREAM proto=6 laddr=['0.0.0.0', 0]>`);
    });

    it('adds the remote address of a connected socket', () => {
      const l = track(socket());
      l.bind(['127.0.0.1', 0]);
      l.listen();
      const c = track(socket());
      c.connect(l.getsockname());
      const [lhost, lport] = l.getsockname() as [string, number];
      const [, cport] = c.getsockname() as [string, number];
      assert.equal(
        inspect(c),
        `<Socket fd=${c.fileno()} family=AF_INET type=SOCK_STREAM laddr=['127.0.0.1', ${cport}] raddr=['${lhost}', ${lport}]>`,
      );
    });

    it('leaves out empty AF_UNIX names and marks a closed socket', () => {
      const u = socket(AF_UNIX, SOCK_DGRAM);
      assert.equal(inspect(u), `<Socket fd=${u.fileno()} family=AF_UNIX type=SOCK_DGRAM>`);
      u.close();
      assert.equal(inspect(u), '<Socket [closed] fd=-1 family=AF_UNIX type=SOCK_DGRAM>');
    });
  });

  describe('finalizer', () => {
    function collectWarnings(): { warnings: Error[]; restore: () => void } {
      // Node's own printer of warnings is a 'warning' listener: silence it here.
      const saved = process.listeners('warning');
      process.removeAllListeners('warning');
      const warnings: Error[] = [];
      process.on('warning', (w) => warnings.push(w));
      return {
        warnings,
        restore() {
          process.removeAllListeners('warning');
          for (const l of saved) process.on('warning', l);
        },
      };
    }

    async function collect(until: () => boolean): Promise<void> {
      for (let i = 0; i < 50 && !until(); i++) {
        global.gc!();
        await ticks(2);
      }
    }

    it('closes a socket that is garbage-collected while open, with a ResourceWarning naming it', async () => {
      const { warnings, restore } = collectWarnings();
      try {
        let fd = -1;
        let shown = '';
        let target: string | null = null;
        (() => {
          const s = socket(AF_INET, SOCK_DGRAM);
          fd = s.fileno();
          shown = inspect(s);
          target = fdTarget(fd); // socket:[inode], unique while it is open
        })();
        await collect(() => warnings.length > 0);
        assert.equal(warnings.length, 1);
        assert.equal(warnings[0]!.name, 'ResourceWarning');
        assert.equal(warnings[0]!.message, `unclosed ${shown}`);
        assert.notEqual(fdTarget(fd), target, `fd ${fd} still open`);
      } finally {
        restore();
      }
    });

    it('says nothing for closed or detached sockets', async () => {
      const { warnings, restore } = collectWarnings();
      let fd = -1;
      try {
        (() => {
          socket().close();
          fd = socket().detach();
        })();
        await collect(() => false);
        assert.deepEqual(warnings, []);
        assert.ok(fdIsOpen(fd));
      } finally {
        restore();
        new Socket(undefined, undefined, undefined, fd).close();
      }
    });
  });
});

function inspectFds(): string[] {
  return fs.readdirSync('/proc/self/fd');
}

function fdTarget(fd: number): string | null {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}
