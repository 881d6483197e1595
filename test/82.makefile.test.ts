// sock.makefile(): Python's socket.makefile() (a BufferedReader/Writer over
// SocketIO, in a TextIOWrapper in text mode), PYTHON-SEMANTICS.md §1.5.
//
// Packet boundaries: the reading side is one end of an AF_UNIX SOCK_SEQPACKET
// socketpair, so every send() of the peer is received by exactly one recv()
// (a stream socket would coalesce the pieces). The pieces split a line in
// many places, a multi-byte UTF-8 character between sends, and a '\r\n'
// between its '\r' and its '\n'. CPython reads the same pieces from another
// such socketpair (its end passed as fd 3, 4, ...) with the same calls, and
// the results are compared exactly (bytes as hex).
//
// Everything is in-process, a python3 or Node child, or a worker, over
// socketpairs: no network.

import assert = require('node:assert/strict');
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { once } from 'node:events';
import path = require('node:path');
import util = require('node:util');
import { Worker } from 'node:worker_threads';

import {
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  Socket,
  SocketError,
  SocketFile,
  SocketTimeoutError,
  socketpair,
} from '../lib';
import { type FileSocket, SocketFile as FileClass, flushAtExit } from '../lib/makefile';
import { ROOT, errno, fdIsOpen, since, sockets, throwsCode, throwsSocketError, ticks } from './helpers';

// ---- CPython as the reference --------------------------------------------------

/** One read scenario: a makefile() mode, its newline, and the calls to make. */
interface Scenario {
  mode: string;
  newline?: null | '' | '\n' | '\r' | '\r\n';
  ops: Op[];
}
type Op = readonly [name: 'readline' | 'read' | 'readlines' | 'iter', arg?: number];

/**
 * Reads scenario i from fd 3 + i with socket.makefile() and prints every
 * result: str as is, bytes as { hex }, lists as lists, exceptions as { error }.
 */
const PY_READ = `
import json, socket, sys
specs = json.loads(sys.stdin.read())
def enc(r):
    if isinstance(r, bytes): return {'hex': r.hex()}
    if isinstance(r, list): return [enc(x) for x in r]
    return r
out = []
for i, spec in enumerate(specs):
    s = socket.socket(fileno=3 + i)
    kw = {'newline': spec['newline']} if 'newline' in spec else {}
    f = s.makefile(spec['mode'], **kw)
    res = []
    for op in spec['ops']:
        try:
            if op[0] == 'iter':
                res.append(enc(list(f)))
            else:
                res.append(enc(getattr(f, op[0])(*op[1:])))
        except Exception as e:
            res.append({'error': type(e).__name__})
    f.close()
    s.close()
    out.append(res)
print(json.dumps(out))
`;

type Piece = string | Buffer;

/** A SEQPACKET socketpair whose reading end holds `pieces`, one message each, then EOF. */
function loaded(pieces: readonly Piece[]): Socket {
  const [w, r] = socketpair(AF_UNIX, SOCK_SEQPACKET);
  try {
    for (const p of pieces) assert.equal(w.send(typeof p === 'string' ? Buffer.from(p, 'utf8') : p), Buffer.byteLength(p));
  } finally {
    w.close(); // EOF after the last piece
  }
  return r;
}

function enc(r: unknown): unknown {
  if (Buffer.isBuffer(r)) return { hex: r.toString('hex') };
  if (Array.isArray(r)) return r.map(enc);
  return r;
}

/** The scenario run by bsdsock. */
function runOurs(pieces: readonly Piece[], sc: Scenario): unknown[] {
  const sock = loaded(pieces);
  const f = sock.makefile(sc.mode, sc.newline === undefined ? {} : { newline: sc.newline });
  try {
    return sc.ops.map(([name, arg]) => {
      try {
        if (name === 'iter') return enc([...f]);
        if (name === 'readlines') return enc(f.readlines());
        return enc(arg === undefined ? f[name]() : f[name](arg));
      } catch (err) {
        return { error: (err as Error).name };
      }
    });
  } finally {
    f.close();
    sock.close();
  }
}

/** The scenarios run by CPython, all in one child. */
function runPython(pieces: readonly Piece[], scenarios: readonly Scenario[]): unknown[][] {
  const ends = scenarios.map(() => loaded(pieces));
  try {
    const r = spawnSync('python3', ['-c', PY_READ], {
      input: JSON.stringify(scenarios),
      stdio: ['pipe', 'pipe', 'pipe', ...ends.map((s) => s.fileno())],
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.equal(r.status, 0, `python3 failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as unknown[][];
  } finally {
    for (const s of ends) s.close();
  }
}

// ---- the byte streams -------------------------------------------------------------

const b = (...bytes: number[]) => Buffer.from(bytes);

/**
 * "hello world\r\nsecond line café d\nthird\rfourth\neuro € and ™ smile\r\n\rlone cr\rx\nend"
 * in 20 sends: 'é' (c3 a9), '€' (e2 82 ac) and '™' (e2 84 a2) split between
 * sends, '\r\n' split twice between '\r' and '\n', no newline at the end.
 */
const PIECES: readonly Piece[] = [
  'hello ',
  'wor',
  'ld\r',
  '\nsecond line caf',
  b(0xc3),
  b(0xa9, 0x20, 0x64, 0x0a),
  'third\r',
  'fourth\n',
  'euro ',
  b(0xe2, 0x82),
  b(0xac),
  ' and ',
  b(0xe2, 0x84),
  b(0xa2),
  ' smile\r',
  '\n',
  '\r',
  'lone cr\r',
  'x\n',
  'end',
];
const STREAM = Buffer.concat(PIECES.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

const repeat = (n: number, op: Op): Op[] => Array.from({ length: n }, () => op);

/** The calls compared with CPython, each in every mode. */
const OPSETS: Record<string, Op[]> = {
  readline: repeat(11, ['readline']),
  readlines: [['readlines'], ['readline'], ['read']],
  iteration: [['iter'], ['iter']],
  readAll: [['read'], ['read'], ['readline']],
  readAllExplicit: [['read', -1], ['read', 0]],
  mixed: [['read', 3], ['read', 5], ['readline'], ['read', 1], ['read', 7], ['read', 0], ['read', 1], ['read', 2], ['readline'], ['read', 4], ['readlines']],
  readEach1: repeat(75, ['read', 1]),
  readEach2: repeat(40, ['read', 2]),
  readEach3: repeat(28, ['read', 3]),
  readlineLimit: [
    ['readline', 4],
    ['readline', 4],
    ['readline', 4],
    ['readline', 20],
    ['readline', 13],
    ['readline', 0],
    ['readline', 1],
    ['readline', 2],
    ['readline', 5],
    ['readline', 100],
    ['readlines'],
  ],
  readlineLimit3: repeat(34, ['readline', 3]),
};

const MODES: readonly Pick<Scenario, 'mode' | 'newline'>[] = [
  { mode: 'rb' },
  { mode: 'r' },
  { mode: 'r', newline: null },
  { mode: 'r', newline: '' },
  { mode: 'r', newline: '\r\n' },
  { mode: 'r', newline: '\n' },
  { mode: 'r', newline: '\r' },
  { mode: 'rwb' },
  { mode: 'rw', newline: '' },
];

const label = (m: Pick<Scenario, 'mode' | 'newline'>, ops: string) =>
  `makefile(${JSON.stringify(m.mode)}${m.newline === undefined ? '' : `, newline ${JSON.stringify(m.newline)}`}) ${ops}`;

// ---- reading across packet boundaries ---------------------------------------------

describe('makefile: reading lines across packet boundaries (compared with CPython)', () => {
  const scenarios: Array<[string, Scenario]> = [];
  for (const m of MODES) {
    for (const [name, ops] of Object.entries(OPSETS)) {
      // CPython's 'rwb' file (a BufferedRWPair) reads lines with
      // IOBase.readline, whose limit check counts each chunk against the
      // whole limit: readline(4) can return 5 bytes. Not copied; see below.
      if (m.mode === 'rwb' && name.startsWith('readlineLimit')) continue;
      scenarios.push([label(m, name), { ...m, ops }]);
    }
  }
  let cpython: unknown[][] = [];

  before(function () {
    this.timeout(60000);
    cpython = runPython(PIECES, scenarios.map(([, sc]) => sc));
  });

  it(`${scenarios.length} scenarios (${MODES.length} modes, ${Object.keys(OPSETS).length} call sequences) give CPython's results exactly`, () => {
    assert.equal(cpython.length, scenarios.length);
    const differ = scenarios.filter(([, sc], i) => !util.isDeepStrictEqual(runOurs(PIECES, sc), cpython[i])).map(([what]) => what);
    assert.deepEqual(differ, []);
  });

  it("readline(limit) on an 'rwb' file gives what CPython's 'rb' file gives, never more than the limit", () => {
    for (const name of ['readlineLimit', 'readlineLimit3']) {
      const ops = OPSETS[name]!;
      const rb = scenarios.findIndex(([what]) => what === label({ mode: 'rb' }, name));
      const got = runOurs(PIECES, { mode: 'rwb', ops });
      assert.deepEqual(got, cpython[rb], name);
      ops.forEach(([op, limit], i) => {
        if (op === 'readline' && limit !== undefined) {
          assert.ok((got[i] as { hex: string }).hex.length / 2 <= limit, `${name} #${i}`);
        }
      });
    }
  });

  it('universal newlines (newline null, the default): lines end in \\n, translated, whatever the split', () => {
    assert.deepEqual(runOurs(PIECES, { mode: 'r', ops: [['readlines']] }), [
      ['hello world\n', 'second line café d\n', 'third\n', 'fourth\n', 'euro € and ™ smile\n', '\n', 'lone cr\n', 'x\n', 'end'],
    ]);
  });

  it("newline '': universal line ends, kept as sent", () => {
    assert.deepEqual(runOurs(PIECES, { mode: 'r', newline: '', ops: [['readlines']] }), [
      ['hello world\r\n', 'second line café d\n', 'third\r', 'fourth\n', 'euro € and ™ smile\r\n', '\r', 'lone cr\r', 'x\n', 'end'],
    ]);
  });

  it("newline '\\r\\n': only CRLF ends a line, nothing translated", () => {
    assert.deepEqual(runOurs(PIECES, { mode: 'r', newline: '\r\n', ops: [['readlines']] }), [
      ['hello world\r\n', 'second line café d\nthird\rfourth\neuro € and ™ smile\r\n', '\rlone cr\rx\nend'],
    ]);
  });

  it('binary: lines end at \\n; read(n) counts bytes; read() gives the rest; EOF is empty', () => {
    const [lines, rest] = runOurs(PIECES, { mode: 'rb', ops: [['readlines'], ['read']] }) as [{ hex: string }[], { hex: string }];
    assert.deepEqual(
      lines.map((l) => Buffer.from(l.hex, 'hex').toString('latin1')),
      ['hello world\r\n', 'second line caf\xc3\xa9 d\n', 'third\rfourth\n', 'euro \xe2\x82\xac and \xe2\x84\xa2 smile\r\n', '\rlone cr\rx\n', 'end'],
    );
    assert.deepEqual(rest, { hex: '' });
    const sock = loaded(PIECES);
    const f = sock.makefile('rb');
    try {
      assert.deepEqual(f.read(0), Buffer.alloc(0));
      // CPython's BufferedReader: ValueError('read length must be non-negative or -1')
      throwsCode(() => f.read(-2), RangeError, 'ERR_OUT_OF_RANGE', /non-negative or -1/);
      assert.deepEqual(f.read(13), Buffer.from('hello world\r\n'));
      assert.deepEqual(f.read(16), Buffer.from('second line caf\xc3', 'latin1'));
      assert.deepEqual(f.read(), STREAM.subarray(29));
      assert.deepEqual(f.read(), Buffer.alloc(0));
      assert.deepEqual(f.readline(), Buffer.alloc(0));
      assert.deepEqual(f.readlines(), []);
    } finally {
      f.close();
      sock.close();
    }
  });

  it('text: read(n) counts characters; a character split between sends is whole', () => {
    const sock = loaded(PIECES);
    const f = sock.makefile('r');
    try {
      assert.equal(f.read(27), 'hello world\nsecond line caf');
      assert.equal(f.read(1), 'é');
      assert.equal(f.readline(), ' d\n');
      assert.equal(f.read(), 'third\nfourth\neuro € and ™ smile\n\nlone cr\nx\nend');
      assert.equal(f.read(), '');
      assert.equal(f.readline(), '');
    } finally {
      f.close();
      sock.close();
    }
  });

  it('iteration: for...of gives the lines, then nothing more', () => {
    const sock = loaded(['a\nb', '\nc']);
    const f = sock.makefile('r');
    try {
      const got: unknown[] = [];
      for (const line of f) got.push(line);
      assert.deepEqual(got, ['a\n', 'b\n', 'c']);
      assert.deepEqual([...f], []);
    } finally {
      f.close();
      sock.close();
    }
  });

  it('a stream socket (pieces coalesced): the same lines as the packets gave', () => {
    const [w, r] = socketpair(AF_UNIX, SOCK_STREAM);
    try {
      for (const p of PIECES) w.sendall(typeof p === 'string' ? Buffer.from(p) : p);
      w.close();
      const f = r.makefile('r');
      assert.deepEqual(f.readlines(), ['hello world\n', 'second line café d\n', 'third\n', 'fourth\n', 'euro € and ™ smile\n', '\n', 'lone cr\n', 'x\n', 'end']);
      f.close();
    } finally {
      w.close();
      r.close();
    }
  });
});

describe('makefile: characters outside the BMP (compared with CPython)', () => {
  // '😀' (U+1F600, f0 9f 98 80) is one character in Python and two UTF-16
  // code units in JavaScript.
  const ASTRAL: readonly Piece[] = ['a', b(0xf0, 0x9f), b(0x98, 0x80), 'b\n', b(0xf0, 0x9f, 0x98, 0x80), b(0xf0, 0x9f, 0x98, 0x80), '\n'];
  const ops: Record<string, Op[]> = {
    readEach1: repeat(8, ['read', 1]),
    readEach2: repeat(5, ['read', 2]),
    readlineLimit2: repeat(5, ['readline', 2]),
    readlines: [['readlines']],
  };
  const scenarios = Object.entries(ops).map(([name, o]): [string, Scenario] => [name, { mode: 'r', ops: o }]);
  let cpython: unknown[][] = [];

  before(function () {
    this.timeout(60000);
    cpython = runPython(ASTRAL, scenarios.map(([, sc]) => sc));
  });

  it('whole lines are the same as CPython\'s', () => {
    assert.deepEqual(runOurs(ASTRAL, { mode: 'r', ops: [['readlines']] }), cpython[3]);
  });

  it('read(n) and readline(limit) count characters (code points) as CPython, never splitting a surrogate pair', () => {
    // CPython: read(1) x 8 = ['a', '😀', 'b', '\n', '😀', '😀', '\n', ''].
    // Counting UTF-16 code units instead would return '\ud83d', then '\ude00'
    // (lone surrogates), and every count after an astral character would be off.
    assert.deepEqual(cpython[0], ['a', '😀', 'b', '\n', '😀', '😀', '\n', '']);
    scenarios.forEach(([what, sc], i) => {
      assert.deepEqual(runOurs(ASTRAL, sc), cpython[i], what);
    });
  });

  it("a text file's write() returns the number of characters (code points), as CPython", () => {
    // CPython: f.write('a😀b') == 3 (not 4, the string's UTF-16 .length).
    const r = spawnSync(
      'python3',
      ['-c', "import socket; a, b = socket.socketpair(); f = a.makefile('w'); print(f.write('a\\U0001F600b')); f.close(); a.close(); b.close()"],
      { encoding: 'utf8', timeout: 20000 },
    );
    assert.equal(r.stdout.trim(), '3', r.stderr);
    const [x, y] = socketpair();
    try {
      const f = x.makefile('w');
      const n = f.write('a😀b');
      f.close();
      assert.equal(y.recv(100).toString(), 'a😀b');
      assert.equal(n, 3);
    } finally {
      x.close();
      y.close();
    }
  });
});

// ---- writing ------------------------------------------------------------------

describe('makefile: writing', () => {
  const track = sockets();

  /** Everything the peer can read now, without waiting (non-blocking recv until EAGAIN). */
  function drain(s: Socket): Buffer {
    const was = s.gettimeout();
    s.setblocking(false);
    const parts: Buffer[] = [];
    try {
      for (let i = 0; i < 10000; i++) {
        try {
          const d = s.recv(65536);
          if (d.length === 0) break;
          parts.push(d);
        } catch (err) {
          if (err instanceof SocketError && err.code === 'EAGAIN') break;
          throw err;
        }
      }
    } finally {
      s.settimeout(was);
    }
    return Buffer.concat(parts);
  }

  it("newline on write: '\\r\\n' and '\\r' translate '\\n'; null, '' and '\\n' leave it (as CPython)", () => {
    const text = 'a\nb\r\nc\rd\n';
    const newlines = [null, '', '\n', '\r\n', '\r'] as const;
    // Ours: [writing end, peer].
    const pairs = newlines.map(() => {
      const p = socketpair();
      track(p[0]);
      track(p[1]);
      return p;
    });
    const script = `
import json, socket, sys
for i, nl in enumerate(json.loads(sys.argv[1])):
    s = socket.socket(fileno=3 + i)
    f = s.makefile('w', newline=nl)
    f.write(${JSON.stringify(text)})
    f.close()
    s.close()
`;
    // socketpair() returns [a, b]; python writes on a (as fd 3 + i).
    const ends = newlines.map(() => socketpair());
    try {
      const r = spawnSync('python3', ['-c', script, JSON.stringify(newlines)], {
        stdio: ['ignore', 'pipe', 'pipe', ...ends.map(([a]) => a.fileno())],
        encoding: 'utf8',
        timeout: 20000,
      });
      assert.equal(r.status, 0, r.stderr);
      newlines.forEach((nl, i) => {
        const cpy = drain(ends[i]![1]).toString('latin1');
        const [ours, peer] = pairs[i]!;
        const f = ours.makefile('w', { newline: nl });
        assert.equal(f.write(text), text.length);
        f.close();
        assert.equal(drain(peer).toString('latin1'), cpy, JSON.stringify(nl));
      });
    } finally {
      for (const [a, c] of ends) {
        a.close();
        c.close();
      }
    }
    // The exact bytes for CRLF.
    const [x, y] = pairs[3]!;
    const f = x.makefile('w', { newline: '\r\n' });
    f.write('HELO example\nQUIT\n');
    f.flush();
    assert.equal(y.recv(100).toString(), 'HELO example\r\nQUIT\r\n');
    f.close();
  });

  it('writes are buffered until flush() or close(): the peer sees nothing before', () => {
    const [a, peer] = socketpair();
    track(a);
    track(peer);
    peer.setblocking(false);
    const f = a.makefile('wb');
    assert.equal(f.write(Buffer.from('abc')), 3);
    assert.equal(f.write(new Uint8Array([0x64, 0x65])), 2);
    throwsSocketError(() => peer.recv(100), 'EAGAIN', 'recv');
    f.flush();
    assert.equal(peer.recv(100).toString(), 'abcde');
    f.flush(); // nothing more
    throwsSocketError(() => peer.recv(100), 'EAGAIN', 'recv');
    f.write(Buffer.from('fgh'));
    throwsSocketError(() => peer.recv(100), 'EAGAIN', 'recv');
    f.close();
    assert.equal(peer.recv(100).toString(), 'fgh');
    // Text mode too.
    const t = a.makefile('w');
    assert.equal(t.write('héllo\n'), 6);
    throwsSocketError(() => peer.recv(100), 'EAGAIN', 'recv');
    t.flush();
    assert.equal(peer.recv(100).toString(), 'héllo\n');
    t.close();
    // The caller may reuse its buffer after write(): the data was copied.
    const w = a.makefile('wb');
    const reused = Buffer.from('xyz');
    w.write(reused);
    reused.fill(0x21);
    w.close();
    assert.equal(peer.recv(100).toString(), 'xyz');
  });

  it('large writes are sent without flush()', () => {
    const [a, peer] = socketpair();
    track(a);
    track(peer);
    const f = a.makefile('wb');
    const big = Buffer.alloc(20000, 0x5a);
    assert.equal(f.write(big), 20000);
    assert.deepEqual(drain(peer), big);
    // A custom buffer size: 16 bytes.
    const g = a.makefile('wb', { buffering: 16 });
    g.write(Buffer.from('0123456789'));
    assert.equal(drain(peer).length, 0);
    g.write(Buffer.from('abcdefghijklmnopqrstuvwxyz'));
    assert.equal(drain(peer).toString(), '0123456789abcdefghijklmnopqrstuvwxyz');
    g.close();
    f.close();
  });

  it('buffering 0 (binary only): every write is sent at once; reads are single recv()s', () => {
    const [a, peer] = socketpair();
    track(a);
    track(peer);
    const f = a.makefile('rwb', { buffering: 0 });
    assert.equal(f.write(Buffer.from('now')), 3);
    assert.equal(drain(peer).toString(), 'now');
    peer.sendall('one');
    assert.deepEqual(f.read(100), Buffer.from('one'));
    f.close();
    // Nothing is read ahead, as CPython's SocketIO: read(n) is recv(n), and
    // readline() stops at the byte that ends the line.
    const g = a.makefile('rb', { buffering: 0 });
    peer.sendall('line1\nline2\nrest');
    assert.deepEqual(g.read(3), Buffer.from('lin'));
    assert.deepEqual(g.readline(), Buffer.from('e1\n'));
    assert.deepEqual(g.readline(2), Buffer.from('li'));
    assert.deepEqual(g.read(0), Buffer.alloc(0));
    a.settimeout(5);
    assert.equal(a.recv(100).toString(), 'ne2\nrest');
    g.close();
    throwsCode(() => a.makefile('w', { buffering: 0 }), TypeError, 'ERR_INVALID_ARG_VALUE', /buffering/);
    throwsCode(() => a.makefile('r', { buffering: 0 }), TypeError, 'ERR_INVALID_ARG_VALUE', /buffering/);
    throwsCode(() => a.makefile('rb', { buffering: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE');
  });

  it("modes as CPython's: '', 'rr' read text and 'b' reads bytes; a letter other than r, w, b is a TypeError", () => {
    const [a, peer] = socketpair();
    track(a);
    track(peer);
    // The types follow the mode: reads of a text file are strings, of a binary one Buffers.
    peer.sendall('text\n');
    const text = a.makefile('r');
    const line: string = text.readline();
    text.close();
    peer.sendall('bytes\n'); // only now: the text file would have read it ahead
    const binary = a.makefile('rb');
    const bytes: Buffer = binary.readline();
    binary.close();
    assert.deepEqual([line, bytes], ['text\n', Buffer.from('bytes\n')]);
    for (const [mode, got] of [['', 'one\n'], ['rr', 'two\n'], ['b', Buffer.from('three\n')]] as const) {
      peer.sendall(typeof got === 'string' ? got : got.toString());
      const f = a.makefile(mode);
      assert.deepEqual(f.readline(), got, mode);
      throwsCode(() => f.write('x'), TypeError, 'ERR_INVALID_ARG_VALUE', /not opened for writing/);
      f.close();
    }
  });

  it("bad modes ('x', 'rbx', 'R', 'rt') are TypeErrors; reading a write-only file (and the reverse) too", () => {
    const [a, peer] = socketpair();
    track(a);
    track(peer);
    for (const mode of ['x', 'rbx', 'R', 'rt']) {
      throwsCode(() => a.makefile(mode), TypeError, 'ERR_INVALID_ARG_VALUE', /'mode'/);
    }
    throwsCode(() => a.makefile(1 as unknown as string), TypeError, 'ERR_INVALID_ARG_VALUE');
    throwsCode(() => a.makefile('r', null as unknown as object), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => a.makefile('r', { newline: 'x' as '\n' }), TypeError, 'ERR_INVALID_ARG_VALUE', /newline/);
    throwsCode(() => a.makefile('r', { encoding: 'utf16le' as 'utf8' }), TypeError, 'ERR_INVALID_ARG_VALUE', /encoding/);
    const w = a.makefile('wb');
    throwsCode(() => w.read(), TypeError, 'ERR_INVALID_ARG_VALUE', /not opened for reading/);
    throwsCode(() => w.write('text' as unknown as Buffer), TypeError, 'ERR_INVALID_ARG_TYPE');
    w.close();
    const r = a.makefile('r');
    throwsCode(() => r.write('x'), TypeError, 'ERR_INVALID_ARG_VALUE', /not opened for writing/);
    r.close();
    throwsCode(() => r.read(), TypeError, 'ERR_INVALID_ARG_VALUE', /closed/);
    // After a failed makefile() the socket closes at once (no file was counted).
    const fd = a.fileno();
    a.close();
    assert.equal(fdIsOpen(fd), false);
  });
});

// ---- timeouts ------------------------------------------------------------------

describe('makefile: with a timeout', () => {
  const track = sockets();

  /** Expects `read` to fail as a read after a timeout does. */
  function refused(read: () => unknown, what: string): void {
    assert.throws(read, (err: unknown) => {
      assert.ok(err instanceof SocketError && !(err instanceof SocketTimeoutError), `${what}: ${String(err)}`);
      assert.equal(err.message, 'recv ETIMEDOUT: cannot read from timed out object', what);
      assert.equal(err.strerror, 'cannot read from timed out object', what);
      return true;
    });
  }

  const reads = (f: SocketFile): Array<[string, () => unknown]> => [
    ['read()', () => f.read()],
    ['readline()', () => f.readline()],
    ['read(1)', () => f.read(1)],
    ['readline(1)', () => f.readline(1)],
    ['readlines()', () => f.readlines()],
    ['iteration', () => [...f]],
  ];

  for (const mode of ['rb', 'r']) {
    it(`${mode}, no data: readline times out (SocketTimeoutError, not before 0.2 s), then every read is refused`, () => {
      const [a, peer] = socketpair();
      track(a);
      track(peer);
      a.settimeout(0.2);
      const f = a.makefile(mode);
      try {
        const t0 = performance.now();
        assert.throws(
          () => f.readline(),
          (err: unknown) => {
            assert.ok(err instanceof SocketTimeoutError, String(err));
            assert.deepEqual([err.code, err.errno, err.syscall, err.message], ['ETIMEDOUT', errno.ETIMEDOUT, 'recv', 'recv ETIMEDOUT: timed out']);
            return true;
          },
        );
        assert.ok(since(t0) >= 0.2 - 0.002, `timed out after ${since(t0)} s`);
        // Python's SocketIO: once timed out, the stream position is unknown,
        // even when data arrives later.
        peer.sendall('late\n');
        for (const [what, read] of reads(f)) refused(read, what);
      } finally {
        f.close();
      }
      // The socket itself still works.
      assert.equal(a.recv(100).toString(), 'late\n');
    });

    it(`${mode}, part of a line buffered before the timeout: every later read is refused, as CPython`, () => {
      // CPython drops what the timed-out readline had buffered, so read(1)
      // and readline(1) raise 'cannot read from timed out object' too; so
      // does bsdsock, rather than return 'p' from its buffer.
      const [a, peer] = socketpair();
      track(a);
      track(peer);
      a.settimeout(0.2);
      const f = a.makefile(mode);
      try {
        peer.sendall('partial line, no newline');
        assert.throws(() => f.readline(), SocketTimeoutError);
        peer.sendall('\nmore\n');
        for (const [what, read] of reads(f)) refused(read, what);
      } finally {
        f.close();
      }
      assert.equal(a.recv(100).toString(), '\nmore\n');
    });
  }

  it('CPython: the same message after a timeout, with or without buffered data', () => {
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import socket
for data in (b'', b'partial line, no newline'):
    a, b = socket.socketpair()
    a.settimeout(0.05)
    f = a.makefile('rb')
    b.sendall(data)
    try:
        f.readline()
    except TimeoutError as e:
        print('timeout:', e)
    b.sendall(b'\\nmore\\n')
    try:
        f.read(1)
    except OSError as e:
        print(type(e).__name__, e.errno, e)
    f.close(); a.close(); b.close()
`,
      ],
      { encoding: 'utf8', timeout: 20000 },
    );
    assert.equal(r.stdout, 'timeout: timed out\nOSError None cannot read from timed out object\n'.repeat(2), r.stderr);
  });

  it('data that arrives within the timeout is read normally', () => {
    const [a, peer] = socketpair();
    track(a);
    track(peer);
    a.settimeout(5);
    const f = a.makefile('r');
    peer.sendall('ready\n');
    assert.equal(f.readline(), 'ready\n');
    f.close();
  });
});

// ---- close ------------------------------------------------------------------

describe('makefile: closing the socket while a file is open', () => {
  it('is deferred until the file is closed (fileno stays, fd open), then the fd is closed', () => {
    const [a, peer] = socketpair();
    try {
      const fd = a.fileno();
      const f = a.makefile('rb');
      a.close();
      assert.equal(a.fileno(), fd);
      assert.equal(fdIsOpen(fd), true);
      // The file still reads.
      peer.sendall('still here\n');
      assert.deepEqual(f.readline(), Buffer.from('still here\n'));
      assert.equal(f.fileno(), fd);
      f.close();
      assert.equal(f.closed, true);
      assert.equal(a.fileno(), -1);
      assert.equal(fdIsOpen(fd), false);
      // The peer sees EOF.
      assert.deepEqual(peer.recv(10), Buffer.alloc(0));
      // Closing again is a no-op; makefile() on the closed socket is EBADF.
      f.close();
      a.close();
      throwsSocketError(() => a.makefile('r'), 'EBADF', 'makefile');
    } finally {
      a.close();
      peer.close();
    }
  });

  it('a file garbage-collected without close() releases the socket: the close() that waited happens', async () => {
    const [a, peer] = socketpair();
    try {
      (() => {
        a.makefile('rb');
      })();
      const fd = a.fileno();
      a.close();
      assert.equal(a.fileno(), fd); // deferred: the file is still there
      for (let i = 0; i < 50 && a.fileno() !== -1; i++) {
        global.gc!();
        await ticks(2);
      }
      assert.equal(a.fileno(), -1);
      peer.settimeout(5);
      assert.deepEqual(peer.recv(10), Buffer.alloc(0)); // EOF: really closed
    } finally {
      a.close();
      peer.close();
    }
  });

  it('with two files: the fd closes when the last one does; a write file flushes on close', () => {
    const [a, peer] = socketpair();
    try {
      const fd = a.fileno();
      const r = a.makefile('r');
      const w = a.makefile('w');
      w.write('bye\n');
      a.close();
      r.close();
      assert.equal(fdIsOpen(fd), true);
      assert.equal(a.fileno(), fd);
      w.close();
      assert.equal(fdIsOpen(fd), false);
      assert.equal(a.fileno(), -1);
      assert.equal(peer.recv(100).toString(), 'bye\n');
    } finally {
      a.close();
      peer.close();
    }
  });

  it('`using` closes the file; the socket stays open when it was not closed', () => {
    const [a, peer] = socketpair();
    try {
      let file: SocketFile | null = null;
      {
        using f = a.makefile('wb');
        file = f;
        f.write(Buffer.from('x'));
      }
      assert.equal(file.closed, true);
      assert.equal(peer.recv(10).toString(), 'x');
      assert.notEqual(a.fileno(), -1);
    } finally {
      a.close();
      peer.close();
    }
  });
});

// ---- data nobody flushed -------------------------------------------------------

describe('makefile: written data that nobody flushed', () => {
  const LIB = JSON.stringify(path.join(ROOT, 'lib'));

  /** Everything `peer` receives until EOF (at most 100 reads of 5 s each). */
  function readToEof(peer: Socket): Buffer {
    peer.settimeout(5);
    const parts: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const piece = peer.recv(1 << 16);
      if (piece.length === 0) return Buffer.concat(parts);
      parts.push(piece);
    }
    throw new Error(`no EOF after ${Buffer.concat(parts).length} bytes`);
  }

  /**
   * Flushes `f` until it succeeds, reading what `peer` has into `into`
   * after every failure, which must be an `expected` one (at most 1000
   * tries); then reads the rest. Returns the number of failures.
   */
  function flushReading(f: SocketFile<Buffer>, peer: Socket, into: Buffer[], expected: (err: unknown) => boolean): number {
    let failures = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        f.flush();
        break;
      } catch (err) {
        assert.ok(expected(err), String(err));
        failures++;
        drainPeer(peer, into);
      }
    }
    drainPeer(peer, into);
    return failures;
  }

  /** Runs `script` in a Node child that has `fd` as its fd 3 (at most 20 s). */
  function runScript(script: string, fd: number): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe', fd],
      encoding: 'utf8',
      timeout: 20000,
    });
  }

  /** Reads what `peer` has now, without waiting: bytes. */
  function drainPeer(peer: Socket, into: Buffer[]): void {
    const buf = Buffer.alloc(1 << 16);
    for (let i = 0; i < 1000; i++) {
      const n = peer.tryRecvInto(buf);
      if (n <= 0) return;
      into.push(Buffer.from(buf.subarray(0, n)));
    }
  }

  it('a failed flush keeps what it could not send, and the next flush sends it: nothing lost, in order (as CPython)', () => {
    const [a, peer] = socketpair();
    let f: SocketFile<Buffer> | null = null;
    try {
      const data = Buffer.alloc(2 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
      f = a.makefile('wb', { buffering: 4 << 20 });
      f.write(data);
      a.setblocking(false);
      const got: Buffer[] = [];
      const failures = flushReading(f, peer, got, (err) => err instanceof SocketError && err.code === 'EAGAIN');
      assert.ok(failures > 0); // the socket buffer is smaller than 2 MiB
      assert.equal(Buffer.compare(Buffer.concat(got), data), 0);
      // The same with a timeout: the flush that timed out sends the rest later.
      a.settimeout(0.05);
      f.write(data.subarray(0, 1 << 20));
      assert.throws(() => f!.flush(), SocketTimeoutError);
      const more: Buffer[] = [];
      flushReading(f, peer, more, (err) => err instanceof SocketTimeoutError);
      assert.equal(Buffer.compare(Buffer.concat(more), data.subarray(0, 1 << 20)), 0);
    } finally {
      try {
        f?.close(); // a flush left over from a failure may time out; close() still releases
      } catch {}
      a.close();
      peer.close();
    }
  });

  it('a write that fails (a timeout) buffers none of its data: the peer gets exactly the accepted writes (as CPython)', () => {
    const [a, peer] = socketpair();
    let f: SocketFile<Buffer> | null = null;
    try {
      a.settimeout(0.05);
      f = a.makefile('wb', { buffering: 8192 });
      const accepted: Buffer[] = [];
      let failures = 0;
      for (let i = 0; i < 1000 && failures < 3; i++) {
        const chunk = Buffer.alloc(4000, i & 0xff);
        try {
          f.write(chunk);
          accepted.push(chunk);
        } catch (err) {
          assert.ok(err instanceof SocketTimeoutError, String(err));
          failures++;
        }
      }
      assert.equal(failures, 3); // nobody read: the socket buffer filled
      const got: Buffer[] = [];
      flushReading(f, peer, got, (err) => err instanceof SocketTimeoutError);
      assert.equal(Buffer.compare(Buffer.concat(got), Buffer.concat(accepted)), 0);
    } finally {
      try {
        f?.close();
      } catch {}
      a.close();
      peer.close();
    }
  });

  it('text the encoding cannot represent is an ERR_INVALID_ARG_VALUE with nothing written (CPython: UnicodeEncodeError); ascii reads high bytes as U+FFFD', () => {
    const [a, peer] = socketpair();
    try {
      for (const [encoding, bad, good] of [
        ['ascii', 'café', 'cafe'],
        ['latin1', 'price €5', 'café'],
        ['utf8', 'x\ud800y', 'x\u{1f600}y'],
      ] as const) {
        const f = a.makefile('w', { encoding });
        throwsCode(() => f.write(bad), TypeError, 'ERR_INVALID_ARG_VALUE', new RegExp(`'${encoding}' encoding cannot represent`));
        assert.equal(f.write(good), [...good].length);
        f.close();
        assert.deepEqual(peer.recv(100), Buffer.from(good, encoding));
      }
      peer.sendall(Buffer.from('caf\xe9\n', 'latin1'));
      const r = a.makefile('r', { encoding: 'ascii' });
      assert.equal(r.readline(), 'caf\ufffd\n'); // Node's ascii decoder would give 'cafi'
      r.close();
    } finally {
      a.close();
      peer.close();
    }
  });

  it('flush() on a closed file throws, as CPython (ValueError)', () => {
    const [a, peer] = socketpair();
    try {
      const f = a.makefile('wb');
      f.close();
      throwsCode(() => f.flush(), TypeError, 'ERR_INVALID_ARG_VALUE', /closed file/);
      f.close(); // close() stays idempotent
    } finally {
      a.close();
      peer.close();
    }
  });

  it('on a datagram socket each write that does not fit sends the buffer first: one datagram per flush, as CPython', () => {
    const [a, peer] = socketpair(AF_UNIX, SOCK_DGRAM);
    try {
      const f = a.makefile('wb', { buffering: 10 });
      f.write(Buffer.from('12345678'));
      f.write(Buffer.from('abcdef')); // 14 > 10: '12345678' goes alone
      f.flush();
      assert.equal(peer.recv(100).toString(), '12345678');
      assert.equal(peer.recv(100).toString(), 'abcdef');
      // Too big for a datagram: EMSGSIZE, and the file still works.
      throwsSocketError(() => f.write(Buffer.alloc(300_000)), 'EMSGSIZE', 'send');
      f.write(Buffer.from('small'));
      f.flush();
      assert.equal(peer.recv(100).toString(), 'small');
      // Exactly full stays buffered until the next write or flush.
      f.write(Buffer.from('0123456789'));
      assert.equal(peer.tryRecvInto(Buffer.alloc(100)), -1);
      f.write(Buffer.from('z'));
      f.flush();
      assert.equal(peer.recv(100).toString(), '0123456789');
      assert.equal(peer.recv(100).toString(), 'z');
      f.close();
    } finally {
      a.close();
      peer.close();
    }
  });

  it('a file garbage-collected without close() drops what it held, with a ResourceWarning, and the close() that waited happens', async () => {
    const [a, peer] = socketpair();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      (() => {
        a.makefile('w').write('held\n');
      })();
      a.sendall('later\n'); // CPython would have flushed 'held' before this
      a.close(); // deferred: the file is still there
      for (let i = 0; i < 50 && a.fileno() !== -1; i++) {
        global.gc!();
        await ticks(2);
      }
      assert.equal(a.fileno(), -1);
      assert.equal(readToEof(peer).toString(), 'later\n');
      await ticks(2);
      const mine = warnings.filter((w) => /makefile\(\) file was garbage-collected with 5 bytes/.test(w.message));
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.name, 'ResourceWarning');
    } finally {
      process.off('warning', onWarning);
      a.close();
      peer.close();
    }
  });

  for (const [how, ending, status] of [
    ['the script ends', '', 0],
    ['process.exit(3)', 'process.exit(3);', 3],
    ['an uncaught exception', "throw new Error('boom');", 1],
  ] as const) {
    it(`what files hold is sent when the process exits (${how}), as CPython`, () => {
      const [a, peer] = socketpair();
      try {
        const script = `
          const { fromfd, AF_UNIX, SOCK_STREAM } = require(${LIB});
          const s = fromfd(3, AF_UNIX, SOCK_STREAM);
          // Held in globals, alive at exit: a file that was dropped may be
          // collected first, and then what it held is dropped.
          globalThis.t = s.makefile('w');
          t.write('text\\n');
          globalThis.f = s.makefile('wb');
          f.write(Buffer.from('flushed '));
          f.flush();
          f.write(Buffer.from('bytes'));
          ${ending}`;
        const r = runScript(script, a.fileno());
        assert.equal(r.status, status, r.stderr);
        a.close();
        assert.equal(readToEof(peer).toString(), 'flushed text\nbytes');
      } finally {
        a.close();
        peer.close();
      }
    });
  }

  it('a close() whose flush fails drops the rest: the exit hook does not send it after later data', async () => {
    const [a, peer] = socketpair();
    try {
      const script = `
        const { fromfd, AF_UNIX, SOCK_STREAM } = require(${LIB});
        const s = fromfd(3, AF_UNIX, SOCK_STREAM);
        const f = s.makefile('wb', { buffering: 8 << 20 });
        f.write(Buffer.alloc(4 << 20, 'A'));
        s.setblocking(false);
        let how = 'sent';
        try { f.close(); } catch (err) { if (err.code !== 'EAGAIN') throw err; how = err.code; }
        require('node:fs').writeSync(1, how + '\\n');
        s.setblocking(true);
        s.sendall('END');`;
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { stdio: ['ignore', 'pipe', 'pipe', a.fileno()] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      a.close();
      // Nothing is read until the child's close() is over: with 4 MiB to go
      // and no reader, its flush must stop at EAGAIN.
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      assert.equal(line.toString(), 'EAGAIN\n', stderr);
      const parts: Buffer[] = [];
      for (let i = 0; i < 10_000; i++) {
        const piece = await peer.recvAsync(1 << 16, { signal: AbortSignal.timeout(20_000) });
        if (piece.length === 0) break;
        parts.push(piece);
      }
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0, stderr);
      const got = Buffer.concat(parts);
      assert.ok(got.length > 3 && got.length < (4 << 20) + 3, String(got.length));
      assert.equal(got.subarray(-3).toString(), 'END'); // nothing after it
      assert.equal(got.subarray(0, -3).every((b) => b === 0x41), true);
    } finally {
      a.close();
      peer.close();
    }
  });

  it('at exit a file whose bytes stop short on a stream socket stops the files after it there; on a datagram socket the next one still sends', () => {
    // The exit hook, run by hand over files on scripted sockets: a real
    // reader could not free room between two files on cue.
    interface Fake extends FileSocket {
      sent: string[];
    }
    const fake = (type: number, takes: number[]): Fake => ({
      type,
      sent: [],
      trySend(data: ArrayBufferView): number {
        const n = takes.shift() ?? -1; // -1: would block
        if (n > 0) this.sent.push(Buffer.from(data.buffer, data.byteOffset, n).toString());
        return n;
      },
      send: () => assert.fail('send() at exit'),
      sendall: () => assert.fail('sendall() at exit'),
      recv: () => assert.fail('recv() at exit'),
      fileno: () => 99,
    });
    const stream = fake(SOCK_STREAM, [3, -1, 4]); // 'AAA' of 'AAAAAA', then full; room again for 'TAIL'
    const other = fake(SOCK_STREAM, [2]);
    const dgram = fake(SOCK_DGRAM, [-1, 4]);
    const files = [
      new FileClass(stream, 'wb', {}, () => {}),
      new FileClass(stream, 'wb', {}, () => {}),
      new FileClass(other, 'wb', {}, () => {}),
      new FileClass(dgram, 'wb', {}, () => {}),
      new FileClass(dgram, 'wb', {}, () => {}),
    ];
    files[0]!.write(Buffer.from('AAAAAA'));
    files[1]!.write(Buffer.from('TAIL'));
    files[2]!.write(Buffer.from('ok'));
    files[3]!.write(Buffer.from('lost'));
    files[4]!.write(Buffer.from('next'));
    try {
      flushAtExit();
      assert.deepEqual(stream.sent, ['AAA']); // no TAIL after the cut
      assert.deepEqual(other.sent, ['ok']);
      assert.deepEqual(dgram.sent, ['next']);
    } finally {
      for (const f of files) {
        try {
          f.close(); // what is left goes to send(): a fail, ignored
        } catch {}
      }
    }
  });

  it('at exit only what goes without blocking is sent: a peer that reads nothing does not hold the process', () => {
    const [a, peer] = socketpair();
    try {
      const script = `
        const { fromfd, AF_UNIX, SOCK_STREAM } = require(${LIB});
        globalThis.f = fromfd(3, AF_UNIX, SOCK_STREAM).makefile('wb', { buffering: 8 << 20 });
        const data = Buffer.alloc(4 << 20);
        for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
        f.write(data);`;
      const r = runScript(script, a.fileno());
      assert.equal(r.status, 0, `${r.error ?? ''} ${r.stderr}`);
      a.close();
      const got = readToEof(peer);
      assert.ok(got.length > 0 && got.length < 4 << 20, String(got.length));
      for (let i = 0; i < got.length; i++) if (got[i] !== ((i * 7) & 0xff)) assert.fail(`byte ${i}`);
    } finally {
      a.close();
      peer.close();
    }
  });

  it('what files hold is sent when a worker exits; a send that fails, or would block, is left', async () => {
    const [a, peer] = socketpair();
    const [c, gone] = socketpair();
    const [full, idle] = socketpair(); // nobody reads idle: the worker's exit must not wait
    gone.close(); // c's sends fail with EPIPE
    try {
      const code = `
        const { fromfd, AF_UNIX, SOCK_STREAM } = require(${LIB});
        const { workerData } = require('node:worker_threads');
        // Held in a global, alive at exit (a dropped file may be collected first).
        globalThis.files = [workerData.broken, workerData.full, workerData.fd].map((fd) =>
          fromfd(fd, AF_UNIX, SOCK_STREAM).makefile('wb', { buffering: 8 << 20 }));
        files[0].write(Buffer.from('lost\\n'));
        files[1].write(Buffer.alloc(4 << 20));
        files[2].write(Buffer.from('from the worker\\n'));`;
      const worker = new Worker(code, {
        eval: true,
        execArgv: ['--require', 'tsx/cjs'],
        workerData: { fd: a.fileno(), broken: c.fileno(), full: full.fileno() },
      });
      const [exitCode] = (await once(worker, 'exit')) as [number];
      assert.equal(exitCode, 0);
      a.close();
      assert.equal(readToEof(peer).toString(), 'from the worker\n');
    } finally {
      a.close();
      c.close();
      full.close();
      idle.close();
      peer.close();
    }
  });
});
