// Errors a person can read: one message format with the C library's
// description (Python's strerror), a name for every errno the platform
// defines (Python's errno.errorcode), stacks that begin at the caller's
// frame, and argument errors with a Node code whatever the value.
//
// CPython is the reference for names and descriptions: one python3 child
// prints errno.errorcode and os.strerror for every value.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

import {
  AF_INET,
  AF_UNIX,
  AI_NUMERICHOST,
  AddressInfoError,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  Socket,
  SocketError,
  SocketTimeoutError,
  errorcode,
  getaddrinfo,
  inet_pton,
  socket,
  socketpair,
  strerror,
} from '../lib';
import { ROOT, errno, sockets, start, throwsCode, throwsSocketError } from './helpers';

interface PyErrnos {
  errorcode: Record<string, string>;
  strerror: Record<string, string>;
  seqpacket: [number, string];
}

function pyErrnos(): PyErrnos {
  const script = [
    'import errno, json, os, socket',
    'try:',
    '    socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET)',
    'except OSError as e:',
    '    seq = [e.errno, e.strerror]',
    'print(json.dumps({"errorcode": errno.errorcode, "strerror": {n: os.strerror(n) for n in range(1, 4100)}, "seqpacket": seq}))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as PyErrnos;
}

/** The `    at ...` lines of a stack. */
function frames(stack: unknown): string[] {
  assert.equal(typeof stack, 'string');
  return (stack as string).split('\n').filter((l) => /^\s+at /.test(l));
}

/** Expects `err`'s stack to begin at a frame of this file, with no frame of bsdsock's. */
function beginsHere(err: unknown): void {
  assert.ok(err instanceof SocketError, String(err));
  const f = frames(err.stack);
  assert.ok(f.length > 0, `no frames: ${String(err.stack)}`);
  assert.ok(f[0]!.includes(__filename), `the stack begins elsewhere:\n${String(err.stack)}`);
  for (const line of f) {
    assert.ok(!line.includes(path.join(ROOT, 'lib') + path.sep) && !line.includes(path.join(ROOT, 'dist') + path.sep), line);
  }
  assert.ok((err.stack as string).startsWith(`${err.name}: ${err.message}\n`), String(err.stack));
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('did not throw');
}

describe('41 errors', () => {
  const track = sockets();
  let py: PyErrnos;
  before(() => {
    py = pyErrnos();
  });

  describe('names and descriptions of every errno', () => {
    it("errorcode names every value CPython's errno.errorcode does, the same way but for two aliases", () => {
      // Where two names share a value, bsdsock reports the one socket code is
      // written with (and glibc's strerrorname_np gives); CPython the other.
      const aliases: Record<string, string> = { ENOTSUP: 'EOPNOTSUPP', EDEADLOCK: 'EDEADLK' };
      for (const [n, name] of Object.entries(py.errorcode)) {
        assert.equal(errorcode[Number(n)], aliases[name] ?? name, `errno ${n}`);
      }
      // And more: glibc knows EHWPOISON (133), which CPython 3.11 does not.
      assert.ok(Object.keys(errorcode).length >= Object.keys(py.errorcode).length);
      assert.equal(errorcode[os.constants.errno.ECONNREFUSED], 'ECONNREFUSED');
      assert.ok(Object.isFrozen(errorcode));
      assert.equal(errorcode[4000], undefined);
    });

    it("the errnos Node's os.constants.errno lacks have their names too (53 of them on Linux)", () => {
      const missing = Object.keys(py.errorcode).filter((n) => !Object.values(os.constants.errno).includes(Number(n)));
      assert.ok(missing.length >= 50, `only ${missing.length}`);
      for (const n of missing) assert.match(errorcode[Number(n)] ?? 'UNKNOWN', /^E[A-Z0-9]+$/, `errno ${n}`);
      for (const name of ['ESOCKTNOSUPPORT', 'EHOSTDOWN', 'ESHUTDOWN', 'ETOOMANYREFS', 'EREMOTEIO']) {
        assert.ok(Object.values(errorcode).includes(name), name);
      }
    });

    it("strerror() is the C library's description, as os.strerror, for every value", () => {
      for (const [n, text] of Object.entries(py.strerror)) assert.equal(strerror(Number(n)), text, `errno ${n}`);
      assert.equal(strerror(0), 'Success');
      assert.equal(strerror(-1), 'Unknown error -1');
      throwsCode(() => strerror('1' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCode(() => strerror(2 ** 40), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => strerror(1.5), RangeError, 'ERR_OUT_OF_RANGE');
    });

    it('a real errno never comes out as UNKNOWN: socket(AF_INET, SOCK_SEQPACKET) is ESOCKTNOSUPPORT, as in CPython', () => {
      const [pyErrno, pyText] = py.seqpacket;
      throwsSocketError(() => socket(AF_INET, SOCK_SEQPACKET), 'ESOCKTNOSUPPORT', 'socket', {
        errno: pyErrno,
        strerror: pyText,
        message: `socket ESOCKTNOSUPPORT: ${pyText}`,
      });
    });
  });

  describe('one message format: <syscall> <code>[ <address>[:<port>]]: <strerror>', () => {
    it('a call on an address: connect ECONNREFUSED 127.0.0.1:<port>: Connection refused', () => {
      const l = track(socket());
      l.bind(['127.0.0.1', 0]); // bound, never listening: refused at once
      const [, port] = l.getsockname() as [string, number];
      const c = track(socket());
      throwsSocketError(() => c.connect(['127.0.0.1', port]), 'ECONNREFUSED', 'connect', {
        address: '127.0.0.1',
        port,
        strerror: 'Connection refused',
        message: `connect ECONNREFUSED 127.0.0.1:${port}: Connection refused`,
      });
    });

    it('a call without an address, an AF_UNIX path, a name lookup, a timeout, a text of CPython', () => {
      const [a, b] = socketpair();
      track(a);
      track(b);
      a.setblocking(false);
      throwsSocketError(() => a.recv(1), 'EAGAIN', 'recv', { message: 'recv EAGAIN: Resource temporarily unavailable' });
      const u = track(socket(AF_UNIX, SOCK_STREAM));
      throwsSocketError(() => u.connect('/nonexistent/bsdsock'), 'ENOENT', 'connect', {
        message: 'connect ENOENT /nonexistent/bsdsock: No such file or directory',
      });
      assert.throws(
        () => getaddrinfo('not an address', null, 0, 0, 0, AI_NUMERICHOST),
        (err: unknown) => {
          assert.ok(err instanceof AddressInfoError);
          assert.equal(err.strerror, 'Name or service not known');
          assert.equal(err.message, 'getaddrinfo EAI_NONAME not an address: Name or service not known');
          return true;
        },
      );
      a.settimeout(0.01);
      const t = caught(() => a.recv(1));
      assert.ok(t instanceof SocketTimeoutError);
      assert.deepEqual([t.code, t.errno, t.strerror, t.message], ['ETIMEDOUT', errno.ETIMEDOUT, 'timed out', 'recv ETIMEDOUT: timed out']);
      throwsSocketError(() => inet_pton(AF_INET, '1.2.3'), 'EINVAL', 'inet_pton', {
        strerror: 'illegal IP address string passed to inet_pton',
        message: 'inet_pton EINVAL: illegal IP address string passed to inet_pton',
      });
    });

    it('the constructors build the same message; strerror defaults to the description of errno', () => {
      const e = new SocketError(errno.ECONNRESET, 'ECONNRESET', 'recv');
      assert.deepEqual([e.message, e.strerror, e.name, e.address, e.port], ['recv ECONNRESET: Connection reset by peer', 'Connection reset by peer', 'SocketError', undefined, undefined]);
      assert.ok(!('address' in e) && !('port' in e), 'no address, no port property');
      const w = new SocketError(1, 'EPERM', 'bind', { address: '/tmp/x' }, 'not yours');
      assert.deepEqual([w.message, w.address, w.strerror], ['bind EPERM /tmp/x: not yours', '/tmp/x', 'not yours']);
      const t = new SocketTimeoutError('connect', { address: '::1', port: 80 });
      assert.deepEqual([t.message, t.name, t.errno], ['connect ETIMEDOUT ::1:80: timed out', 'SocketTimeoutError', errno.ETIMEDOUT]);
      const g = new AddressInfoError(-2, 'EAI_NONAME', 'getaddrinfo', 'Name or service not known', 'x.invalid');
      assert.deepEqual([g.message, g.hostname, g.name, g.address], ['getaddrinfo EAI_NONAME x.invalid: Name or service not known', 'x.invalid', 'AddressInfoError', undefined]);
    });

    it('a subclass is named after itself; name and stack can be assigned', () => {
      class MyError extends SocketError {}
      const e = new MyError(1, 'EPERM', 'x');
      assert.equal(e.name, 'MyError');
      assert.ok(e.stack?.startsWith('MyError: x EPERM: Operation not permitted\n'), e.stack);
      e.name = 'Renamed';
      e.stack = 'custom';
      assert.deepEqual([e.name, e.stack, String(e)], ['Renamed', 'custom', 'Renamed: x EPERM: Operation not permitted']);
      assert.equal(SocketError.prototype.stack, undefined);
      assert.equal(SocketError.prototype.name, 'SocketError');
    });
  });

  describe('argument errors of the constructors carry a Node code, whatever the value', () => {
    const ab = new ArrayBuffer(8);
    const detachedView = new DataView(ab);
    structuredClone(ab, { transfer: [ab] });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const sentinel = new Error('the caller\'s own');
    const throwing = new Proxy({}, { get: () => { throw sentinel; }, getPrototypeOf: () => { throw sentinel; }, has: () => { throw sentinel; } });
    // Values that are no number and no string, whose description is itself
    // hostile: inspect() throws for some, reading `constructor` for others.
    const hostile: Array<[string, unknown]> = [
      ['Symbol()', Symbol('s')],
      ['a detached DataView', detachedView],
      ['a Proxy whose traps throw', throwing],
      ['a revoked Proxy', revoked.proxy],
      ['an object whose constructor getter throws', Object.create(null, { constructor: { get: () => { throw sentinel; } } })],
      ['an object whose inspect method throws', { [Symbol.for('nodejs.util.inspect.custom')]: () => { throw sentinel; } }],
      ['a function whose name getter throws', Object.defineProperty(() => {}, 'name', { get: () => { throw sentinel; } })],
      ['1n', 1n],
      ['null', null],
    ];
    const make = (...args: unknown[]) => new (SocketError as unknown as new (...a: unknown[]) => SocketError)(...args);
    for (const [label, value] of hostile) {
      it(`${label} as errno, code, syscall or strerror: ERR_INVALID_ARG_TYPE naming it`, () => {
        const good: unknown[] = [1, 'EPERM', 'bind', undefined, 'why'];
        for (const [pos, name] of [[0, 'errno'], [1, 'code'], [2, 'syscall'], [4, 'strerror']] as const) {
          const args = good.slice();
          args[pos] = value;
          throwsCode(() => make(...args), TypeError, 'ERR_INVALID_ARG_TYPE', new RegExp(`"${name}"`));
        }
        for (const [pos, name] of [[0, 'gai'], [1, 'code'], [2, 'syscall'], [3, 'reason'], [4, 'hostname']] as const) {
          const args: unknown[] = [-2, 'EAI_NONAME', 'getaddrinfo', 'why', 'h'];
          args[pos] = value;
          if (pos === 4 && value === null) continue; // hostname: null is a value, but not a string
          throwsCode(() => new (AddressInfoError as unknown as new (...a: unknown[]) => AddressInfoError)(...args), TypeError, 'ERR_INVALID_ARG_TYPE');
          void name;
        }
        throwsCode(() => new (SocketTimeoutError as unknown as new (...a: unknown[]) => SocketTimeoutError)(value), TypeError, 'ERR_INVALID_ARG_TYPE');
      });
    }

    it('an argument of the wrong type gets bsdsock\'s coded error without running its code, whatever it is', () => {
      const [a, b] = socketpair();
      track(a);
      track(b);
      const s = track(socket());
      for (const [label, value] of hostile) {
        if (value === null) continue;
        const what = (call: string) => `${call} with ${label}`;
        const check = (call: string, fn: () => unknown, cls: TypeErrorConstructor | RangeErrorConstructor, code: string) => {
          try {
            fn();
          } catch (err) {
            assert.ok(err !== sentinel, `${what(call)}: ran the value's own code`);
            assert.ok(err instanceof cls, `${what(call)}: ${String(err)}`);
            assert.equal((err as { code?: unknown }).code, code, what(call));
            return;
          }
          assert.fail(`${what(call)}: no error`);
        };
        check('socket(family)', () => socket(value as number), TypeError, 'ERR_INVALID_ARG_TYPE');
        check('recv(bufsize)', () => a.recv(value as number), TypeError, 'ERR_INVALID_ARG_TYPE');
        check('makefile(mode)', () => a.makefile(value as string), TypeError, 'ERR_INVALID_ARG_VALUE');
        // (A view, even a detached one, is an option value: bytes.)
        if (!ArrayBuffer.isView(value)) check('setsockopt(value)', () => s.setsockopt(1, 2, value as number), TypeError, 'ERR_INVALID_ARG_TYPE');
        check('settimeout(timeout)', () => a.settimeout(value as number), TypeError, 'ERR_INVALID_ARG_TYPE');
        const any: Socket = s; // of any family: any address type-checks
        if (typeof value !== 'function' && typeof value !== 'object') check('bind(address)', () => any.bind(value as string), TypeError, 'ERR_INVALID_ARG_TYPE');
      }
      // The two of the trial: makefile() of a detached DataView, SocketError with a Symbol.
      throwsCode(() => a.makefile(detachedView as unknown as string), TypeError, 'ERR_INVALID_ARG_VALUE', /mode/);
      throwsCode(() => new SocketError(1, Symbol('x') as unknown as string, 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /"code"/);
    });

    it('where: an object with a string address and a number port; what its own getters throw passes through', () => {
      throwsCode(() => make(1, 'EPERM', 'bind', 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /"where"/);
      throwsCode(() => make(1, 'EPERM', 'bind', { address: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE', /"where.address"/);
      throwsCode(() => make(1, 'EPERM', 'bind', { address: 'x', port: '1' }), TypeError, 'ERR_INVALID_ARG_TYPE', /"where.port"/);
      throwsCode(() => make(1, 'EPERM', 'bind', { address: detachedView }), TypeError, 'ERR_INVALID_ARG_TYPE', /"where.address"/);
      assert.throws(() => make(1, 'EPERM', 'bind', throwing), (err: unknown) => err === sentinel);
      const e = make(1, 'EPERM', 'bind', detachedView); // an object with neither
      assert.equal(e.message, 'bind EPERM: Operation not permitted');
    });
  });

  describe('stacks begin at the caller', () => {
    let limit: unknown;
    beforeEach(() => {
      limit = Error.stackTraceLimit;
    });
    afterEach(() => {
      Error.stackTraceLimit = limit as number;
    });

    it('a sync call that waits in bsdsock (recv, its wait helper, #retry, raise): the first frame is the caller', () => {
      const [a, b] = socketpair();
      track(a);
      track(b);
      a.setblocking(false);
      beginsHere(caught(() => a.recv(1)));
      beginsHere(caught(() => a.recvInto(new Uint8Array(1))));
      a.settimeout(0.001);
      beginsHere(caught(() => a.recvfrom(1)));
    });

    it('a call that fails at once, an address, a name lookup, a makefile read', () => {
      const s = track(socket());
      s.bind(['127.0.0.1', 0]);
      beginsHere(caught(() => s.bind(['127.0.0.1', 0])));
      beginsHere(caught(() => inet_pton(AF_INET, 'x')));
      beginsHere(caught(() => getaddrinfo('not an address', null, 0, 0, 0, AI_NUMERICHOST)));
      const [a, b] = socketpair();
      track(a);
      track(b);
      a.setblocking(false);
      const f = a.makefile('rb');
      try {
        beginsHere(caught(() => f.readline()));
      } finally {
        f.close();
      }
    });

    it('an async call that fails before it waits rejects with a stack from its caller; one failing in the event loop has no frames', async () => {
      const s = track(socket());
      s.close();
      let err: unknown;
      try {
        await s.recvAsync(1);
      } catch (e) {
        err = e;
      }
      beginsHere(err);
      // close() rejects what is pending: the stack begins at the close() call.
      const [a, b] = socketpair();
      track(a);
      track(b);
      const pending = a.recvAsync(1);
      a.close();
      beginsHere(await pending.then(() => assert.fail('resolved'), (e: unknown) => e));
      // A send that waits for room fails when the peer goes: in the poller's
      // callback, with no frame of the caller's to show.
      const [c, d] = socketpair();
      track(c);
      track(d);
      const sending = c.sendallAsync(Buffer.alloc(8 << 20));
      await new Promise<void>((resolve) => setImmediate(resolve));
      d.close();
      const late = await sending.then(() => assert.fail('resolved'), (e: unknown) => e);
      assert.ok(late instanceof SocketError, String(late));
      assert.equal(late.code, 'EPIPE');
      assert.deepEqual(frames(late.stack), [], String(late.stack));
      assert.equal(late.stack, `SocketError: ${late.message}`);
    });

    it('keeps Error.stackTraceLimit frames of the caller, below however many frames bsdsock had', () => {
      const [a, b] = socketpair();
      track(a);
      track(b);
      a.setblocking(false);
      const deep = (n: number): unknown => (n === 0 ? a.recv(1) : deep(n - 1));
      Error.stackTraceLimit = 10; // V8's default (mocha raises it)
      const all = frames((caught(() => deep(20)) as Error).stack);
      assert.equal(all.length, 10);
      for (const line of all) assert.ok(line.includes(__filename), line);
      Error.stackTraceLimit = 3;
      assert.equal(frames((caught(() => deep(20)) as Error).stack).length, 3);
      Error.stackTraceLimit = 0;
      const none = caught(() => deep(20)) as SocketError;
      assert.equal(none.stack, `SocketError: ${none.message}`);
      // Not a number: no stack at all, as for any Error.
      (Error as { stackTraceLimit: unknown }).stackTraceLimit = undefined;
      assert.equal((caught(() => deep(2)) as Error).stack, undefined);
      assert.equal(new Error('x').stack, undefined);
    });

    it('an uncaught error in a program prints a stack whose first frame is the program\'s line', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-'));
      try {
        const file = path.join(dir, 'uncaught.js');
        fs.writeFileSync(
          file,
          [
            `const { socket } = require(${JSON.stringify(ROOT)});`,
            'const a = socket();',
            "a.bind(['127.0.0.1', 0]);",
            'function main() {',
            '  socket().bind(a.getsockname());',
            '}',
            'main();',
          ].join('\n'),
        );
        const r = await start(process.execPath, [file]).exit();
        assert.equal(r.code, 1);
        const f = frames(r.stderr);
        assert.ok(f[0]!.includes(`at main (${file}:5:`), r.stderr);
        assert.match(r.stderr, /SocketError: bind EADDRINUSE 127\.0\.0\.1:\d+: Address already in use\n/);
        assert.match(r.stderr, /strerror: 'Address already in use'/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
