// The fuzzer's randomness and the values it calls bsdsock with.
//
// Everything random comes from one seeded generator (sfc32), and a value is
// drawn as a `Gen`: a label (what the report shows, enough to write the call
// again by hand) and a `make` that builds a fresh value at call time, since
// calls write into views and views get detached. The choice of values never
// depends on what earlier calls returned, so a seed gives the same calls
// every time.
//
// Network safety is part of the pools: no string is an IP literal other
// than a loopback one, no path leaves the fuzzer's temp dir, no abstract
// name is one a real service could use, and no port is a well-known one.
// The names that are not literals ('x', lone surrogates...) would go to DNS:
// fuzz/fence.ts keeps them off it when the run has no network namespace.

import { Buffer } from 'node:buffer';

/** sfc32, seeded through splitmix32: fast, and the same on every platform. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = split();
    this.#b = split();
    this.#c = split();
    this.#d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Thrown by the hostile values' own traps and getters: bsdsock may let it through. */
export class HostileError extends Error {
  constructor(where: string) {
    super(`hostile value: ${where}`);
    this.name = 'HostileError';
  }
}

/** What a value can reach while it is built or used by a call. */
export interface CallCtx {
  /** The fuzzer's temp dir (absolute): every path lies inside it. */
  dir: string;
  /** A name unique to this run, for abstract AF_UNIX names. */
  tag: string;
  /** Every view built for this call, so that they can be detached or resized mid-call or after it. */
  views: ArrayBufferView[];
  /** Detaches or shrinks every view of the call (a valueOf with a side effect calls it). */
  mutateViews(): void;
  /** Closes the call's `this` when it is a socket (a getter with a side effect calls it). */
  closeThis(): void;
  /** A pool object (socket, file, poll...) and its label, for arguments that name one. */
  poolObject(rng: Rng): Drawn;
  /** A valid address of a pool socket (a listener's, a bound datagram socket's), and its label. */
  poolAddress(rng: Rng): Drawn;
  /** An fd number of a pool socket, and its label. */
  poolFd(rng: Rng): Drawn;
  /** Whether the run has its own network namespace (wildcard and broadcast addresses are safe there). */
  netns: boolean;
  /** An fd of a regular file in the temp dir, open for reading (for sendfile). */
  fileFd: number;
}

/** A value and how the report shows it. */
export type Drawn = readonly [label: string, value: unknown];

/** A way to make a value: fresh at each draw, with a label that says what it is. */
export interface Gen {
  draw(ctx: CallCtx): Drawn;
}

const gen = (label: string, make: (ctx: CallCtx) => unknown): Gen => ({ draw: (c) => [label, make(c)] });
const constant = (label: string, value: unknown): Gen => gen(label, () => value);
/** A value made of other values, labelled after them. */
const composite = (draw: (ctx: CallCtx, nested: () => Drawn) => Drawn): Gen => ({ draw: (c) => draw(c, () => pickNested(c)) });

type Resizable = ArrayBuffer & { resize(n: number): void; readonly resizable: boolean };
const ResizableBuffer = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;

/** A view registered with the call, over a fresh buffer of its own (never Node's Buffer pool). */
function view<T extends ArrayBufferView>(ctx: CallCtx, v: T): T {
  ctx.views.push(v);
  return v;
}

function fresh(n: number, fill = 0): Buffer {
  return Buffer.from(new ArrayBuffer(n)).fill(fill);
}

/** Detaches `ab` by transferring it away. */
export function detach(ab: ArrayBuffer): void {
  structuredClone(ab, { transfer: [ab] });
}

/** Detaches or shrinks one view's buffer, if it is one that can be. */
export function mutateView(v: ArrayBufferView, rng: Rng): void {
  const ab = v.buffer as ArrayBuffer | SharedArrayBuffer;
  if (ab instanceof SharedArrayBuffer) return;
  const r = ab as Resizable;
  try {
    if (r.resizable && rng.chance(0.7)) r.resize(rng.int(Math.max(1, r.byteLength)));
    else if (ab.byteLength > 0 || !rng.chance(0.5)) detach(ab);
  } catch {
    // already detached, or not transferable: nothing to do
  }
}

// ---- primitives -----------------------------------------------------------------

const NUMBERS: readonly number[] = [
  0, -0, 1, -1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 31, 32, 63, 64, 100, 127, 128, 255, 256, 1023, 1024, 1025, 4096,
  65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53),
  2 ** 64, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 0.5, 1.5, -0.5, 1e-9, 0.001, 0.01, NaN, Infinity, -Infinity,
];

/** Strings: no IP literal but loopback ones, no path outside the temp dir, no well-known service. */
function strings(ctx: CallCtx): Gen[] {
  const out: Gen[] = [
    constant("''", ''),
    constant("'x'", 'x'),
    constant("'hello'", 'hello'),
    constant("'\\0'", '\0'),
    constant("'a\\0b'", 'a\0b'),
    constant("'\\uD800' (lone high surrogate)", '\uD800'),
    constant("'a\\uDFFFb' (lone low surrogate)", 'a\uDFFFb'),
    constant("'\\uDC00\\uD800' (reversed pair)", '\uDC00\uD800'),
    constant("'é日本'", 'é日本'),
    constant("'a' x 107", 'a'.repeat(107)),
    constant("'a' x 108", 'a'.repeat(108)),
    constant("'a' x 300", 'a'.repeat(300)),
    constant("'a' x 70000", 'a'.repeat(70000)),
    constant("'d/' x 3000 (a path longer than PATH_MAX)", 'd/'.repeat(3000)),
    gen('<dir>/s (a socket path)', (c) => `${c.dir}/s${c.tag}`),
    gen("<dir>/'p' x 200", (c) => `${c.dir}/${'p'.repeat(200)}`),
    gen("'\\0bsdsock-fuzz-<tag>' (abstract)", (c) => `\0bsdsock-fuzz-${c.tag}`),
    constant("'\\0' + 'a' x 107 (abstract, full)", `\0${'a'.repeat(107)}`),
    constant("'\\0' + 'a' x 200 (abstract, too long)", `\0${'a'.repeat(200)}`),
    constant("'localhost'", 'localhost'),
    constant("'127.0.0.1'", '127.0.0.1'),
    constant("'127.1' (lax IPv4)", '127.1'),
    constant("'::1'", '::1'),
    constant("'::ffff:127.0.0.1'", '::ffff:127.0.0.1'),
    constant("'::1%lo'", '::1%lo'),
    constant("'::1%4294967296'", '::1%4294967296'),
    constant("'::1%'", '::1%'),
    constant("'tcp'", 'tcp'),
    constant("'udp'", 'udp'),
    constant("'lo'", 'lo'),
    constant("'rwb'", 'rwb'),
    constant("'rw'", 'rw'),
    constant("'r'", 'r'),
    constant("'wb'", 'wb'),
    constant("'rbw+'", 'rbw+'),
    constant("'utf8'", 'utf8'),
    constant("'latin1'", 'latin1'),
    constant("'utf-16'", 'utf-16'),
    constant("'\\r\\n'", '\r\n'),
    constant("'\\n'", '\n'),
    constant("'0x41'", '0x41'),
    constant("'-1'", '-1'),
    constant("'65536'", '65536'),
  ];
  if (ctx.netns) out.push(constant("'<broadcast>'", '<broadcast>'), constant("'0.0.0.0'", '0.0.0.0'), constant("'::'", '::'));
  return out;
}

// ---- views ------------------------------------------------------------------------

const VIEWS: readonly Gen[] = [
  gen('Buffer(0)', (c) => view(c, fresh(0))),
  gen('Buffer(1)', (c) => view(c, fresh(1, 0x41))),
  gen("Buffer('hello')", (c) => view(c, Buffer.from(fresh(5).buffer).fill('hello'))),
  gen('Buffer(4096)', (c) => view(c, fresh(4096, 0x42))),
  gen('Buffer(70000)', (c) => view(c, fresh(70000, 0x43))),
  gen('Uint8Array(16)', (c) => view(c, new Uint8Array(16))),
  gen('Uint8Array(ab, 3, 5) (odd offset)', (c) => view(c, new Uint8Array(new ArrayBuffer(16), 3, 5).fill(0x44))),
  gen('Uint16Array(3)', (c) => view(c, new Uint16Array(3))),
  gen('Int32Array([0, 1, 2])', (c) => view(c, new Int32Array([0, 1, 2]))),
  gen('Int32Array([-1, 2**31-1])', (c) => view(c, new Int32Array([-1, 2 ** 31 - 1]))),
  gen('Float64Array([1.5, NaN])', (c) => view(c, new Float64Array([1.5, NaN]))),
  gen('BigInt64Array(2)', (c) => view(c, new BigInt64Array(2))),
  gen('DataView(ab, 1, 7)', (c) => view(c, new DataView(new ArrayBuffer(12), 1, 7))),
  gen('Int16Array(SharedArrayBuffer(8))', (c) => view(c, new Int16Array(new SharedArrayBuffer(8)))),
  gen('detached Uint8Array', (c) => {
    const ab = new ArrayBuffer(8);
    const v = new Uint8Array(ab, 2, 4);
    detach(ab);
    return view(c, v);
  }),
  gen('detached DataView', (c) => {
    const ab = new ArrayBuffer(8);
    const v = new DataView(ab, 1, 4);
    detach(ab);
    return view(c, v);
  }),
  gen('out-of-bounds Uint8Array (resizable buffer shrunk)', (c) => {
    const rab = new ResizableBuffer(16, { maxByteLength: 64 });
    const v = new Uint8Array(rab, 8, 8);
    rab.resize(4);
    return view(c, v);
  }),
  gen('length-tracking Uint8Array (resizable buffer)', (c) => view(c, new Uint8Array(new ResizableBuffer(16, { maxByteLength: 64 })))),
  gen('ArrayBuffer(8) (not a view)', () => new ArrayBuffer(8)),
  gen('sockaddr_in 127.0.0.1:9 (raw)', (c) => {
    const b = fresh(16);
    b.writeUInt16LE(2, 0);
    b.writeUInt16BE(9, 2);
    b.set([127, 0, 0, 1], 4);
    return view(c, b);
  }),
  gen('sockaddr_nl pid 0 (raw)', (c) => {
    const b = fresh(12);
    b.writeUInt16LE(16, 0);
    return view(c, b);
  }),
];

// ---- hostile objects ----------------------------------------------------------------

const TRAPS = ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'deleteProperty', 'apply', 'construct', 'isExtensible', 'preventExtensions', 'setPrototypeOf'] as const;

function throwingHandler(label: string): ProxyHandler<object> {
  const h: Record<string, () => never> = {};
  for (const t of TRAPS) {
    h[t] = () => {
      throw new HostileError(`${label} ${t} trap`);
    };
  }
  return h as ProxyHandler<object>;
}

/** Keys that bsdsock's functions read from their options and file-likes. */
const OPTION_KEYS = ['signal', 'allErrors', 'sourceAddress', 'family', 'backlog', 'reusePort', 'dualstackIpv6', 'buffering', 'encoding', 'newline', 'errors', 'fileno', 'length', '0', '1', 'then', 'byteLength', 'buffer'];

function throwingGetters(label: string): object {
  const o: Record<PropertyKey, unknown> = {};
  for (const k of [...OPTION_KEYS, Symbol.iterator, Symbol.toPrimitive]) {
    Object.defineProperty(o, k, {
      enumerable: true,
      get() {
        throw new HostileError(`${label} getter ${String(k)}`);
      },
    });
  }
  return o;
}

function hostiles(): Gen[] {
  return [
    gen('Proxy({}) whose every trap throws', () => new Proxy({}, throwingHandler('Proxy({})'))),
    gen('Proxy([]) whose every trap throws', () => new Proxy([], throwingHandler('Proxy([])'))),
    gen('Proxy(Uint8Array(8)) whose every trap throws', () => new Proxy(new Uint8Array(8), throwingHandler('Proxy(Uint8Array)'))),
    gen('Proxy(function) whose every trap throws', () => new Proxy(() => {}, throwingHandler('Proxy(function)'))),
    composite((c) => {
      const [label, o] = c.poolObject(nestedRng);
      if (typeof o !== 'object' || o === null) return [label, o];
      return [`Proxy(${label}) whose every trap throws`, new Proxy(o, throwingHandler(`Proxy(${label})`))];
    }),
    gen('object whose getters all throw', () => throwingGetters('object')),
    gen('{ valueOf() { throw } }', () => ({
      valueOf() {
        throw new HostileError('valueOf');
      },
    })),
    gen('{ [Symbol.toPrimitive]() { throw } }', () => ({
      [Symbol.toPrimitive]() {
        throw new HostileError('Symbol.toPrimitive');
      },
    })),
    gen('{ toString() { throw } }', () => ({
      toString() {
        throw new HostileError('toString');
      },
    })),
    constant('{ valueOf: () => ({}) } (no primitive)', { valueOf: () => ({}), toString: () => ({}) }),
    gen('{ valueOf() detaches the call\'s views; 1 }', (c) => ({
      valueOf() {
        c.mutateViews();
        return 1;
      },
    })),
    gen("{ [Symbol.toPrimitive]() closes this; 'x' }", (c) => ({
      [Symbol.toPrimitive]() {
        c.closeThis();
        return 'x';
      },
    })),
    gen('{ get signal() detaches the call\'s views }', (c) => ({
      get signal() {
        c.mutateViews();
        return undefined;
      },
    })),
    gen('{ fileno() closes this; 0 }', (c) => ({
      fileno() {
        c.closeThis();
        return 0;
      },
    })),
    gen('{ [Symbol.iterator]() { throw } }', () => ({
      [Symbol.iterator]() {
        throw new HostileError('Symbol.iterator');
      },
    })),
    gen('iterator whose next() throws', () => ({
      [Symbol.iterator]: () => ({
        next() {
          throw new HostileError('next');
        },
      }),
    })),
    constant('iterator whose next() returns null', { [Symbol.iterator]: () => ({ next: () => null }) }),
    gen('iterable that detaches the call\'s views as it goes', (c) => ({
      *[Symbol.iterator]() {
        yield fresh(4, 0x45);
        c.mutateViews();
        yield fresh(4, 0x46);
      },
    })),
    gen('{ then() { throw } } (a thenable)', () => ({
      then() {
        throw new HostileError('then');
      },
    })),
    gen('function that throws', () => () => {
      throw new HostileError('called');
    }),
    constant('class {}', class {}),
    constant('Symbol()', Symbol('fuzz')),
    constant('Symbol.iterator', Symbol.iterator),
    constant('0n', 0n),
    constant('-1n', -1n),
    constant('2n ** 64n', 2n ** 64n),
    constant('{ length: 2 ** 32 } (array-like)', { length: 2 ** 32 }),
    constant('{ length: -1, 0: 1 }', { length: -1, 0: 1 }),
    constant('sparse [ , 1]', [, 1]),
    gen('AbortSignal aborted with a non-Error', () => AbortSignal.abort('not an Error')),
    constant('Object.create(AbortSignal.prototype)', Object.create(AbortSignal.prototype) as object),
  ];
}

// ---- the value of an argument -----------------------------------------------------------

/**
 * All generators, by weight: plausible values (pool objects, addresses,
 * constants, small numbers) often enough that calls get past their first
 * checks, hostile ones often enough to matter.
 */
export function valueGens(ctx: CallCtx, constants: Readonly<Record<string, number | undefined>>): Array<[number, Gen]> {
  const constantGens = defined(constants).map(([k, v]) => constant(k, v));
  const options: Gen[] = [
    constant('{}', {}),
    constant('Object.create(null)', Object.create(null) as object),
    gen('{ signal: AbortSignal.timeout(5) }', () => ({ signal: AbortSignal.timeout(5) })),
    gen("{ signal: AbortSignal.abort('reason') }", () => ({ signal: AbortSignal.abort(new Error('fuzz abort')) })),
    gen('{ signal: new AbortController().signal }', () => ({ signal: new AbortController().signal })),
  ];
  const tuple = (prefix: string, parts: Array<Drawn | null>): Drawn => {
    const labels = parts.map((p) => (p === null ? '' : p[0]));
    return [`[${prefix}${labels.join(', ')}]`, parts.map((p) => (p === null ? undefined : p[1]))];
  };
  const composites: Gen[] = [
    constant('[]', []),
    composite((_, n) => tuple('', [n(), n()])),
    composite((_, n) => tuple('', [n(), n(), n(), n()])),
    composite((_, n) => {
      const key = nestedRng.pick(OPTION_KEYS);
      const [l, v] = n();
      return [`{ ${key}: ${l} }`, { [key]: v }];
    }),
    composite((_, n) => {
      const [l, v] = n();
      return [`['127.0.0.1', ${l}]`, ['127.0.0.1', v]];
    }),
    composite((_, n) => {
      const [l1, v1] = n();
      const [l2, v2] = n();
      return [`['::1', 0, ${l1}, ${l2}]`, ['::1', 0, v1, v2]];
    }),
    composite((_, n) => {
      const [l, v] = n();
      return [`[${l}, 0]`, [v, 0]];
    }),
    composite((c) => {
      const [l, fd] = c.poolFd(nestedRng);
      return [`[[SOL_SOCKET, SCM_RIGHTS, Int32Array([${l}])]]`, [[1, 1, view(c, new Int32Array([fd as number]))]]];
    }),
    composite((_, n) => {
      const parts = [n(), n(), n()];
      return [`[[${parts.map((p) => p[0]).join(', ')}]]`, [parts.map((p) => p[1])]];
    }),
    composite((c) => {
      const a = c.poolObject(nestedRng);
      const b = c.poolObject(nestedRng);
      return [`[${a[0]}, ${b[0]}]`, [a[1], b[1]]];
    }),
    gen("['x', Buffer(4096)]", (c) => ['x', view(c, fresh(4096, 0x47))]),
  ];
  const pool: Gen[] = [
    { draw: (c) => c.poolObject(nestedRng) },
    { draw: (c) => c.poolAddress(nestedRng) },
    { draw: (c) => c.poolFd(nestedRng) },
  ];
  const weighted: Array<[number, Gen[]]> = [
    [4, [constant('undefined', undefined), constant('null', null), constant('true', true), constant('false', false)]],
    [6, NUMBERS.map((n) => constant(Object.is(n, -0) ? '-0' : String(n), n))],
    [4, constantGens],
    [6, strings(ctx)],
    [6, [...VIEWS]],
    [5, hostiles()],
    [3, options],
    [4, composites],
    [8, pool],
  ];
  const out: Array<[number, Gen]> = [];
  for (const [w, gens] of weighted) for (const g of gens) out.push([w / gens.length, g]);
  return out;
}

// Nested values (inside tuples and lists) come from a generator of their own,
// seeded from the main one per call, so that the main sequence of calls does
// not depend on how deep a value happened to go.
let nestedRng = new Rng(0);
let nestedGens: Gen[] = [];

/** Reseeds the nested generator for one call and sets the values it draws from. */
export function setNested(seed: number, gens: Gen[]): void {
  nestedRng = new Rng(seed);
  nestedGens = gens;
}

let depth = 0;
function pickNested(ctx: CallCtx): Drawn {
  if (depth > 2) return ['0', 0];
  depth++;
  try {
    return nestedRng.pick(nestedGens).draw(ctx);
  } finally {
    depth--;
  }
}

/** Draws one generator by weight. */
export function pickWeighted(rng: Rng, gens: ReadonlyArray<readonly [number, Gen]>, total: number): Gen {
  let x = (rng.u32() / 4294967296) * total;
  for (const [w, g] of gens) {
    x -= w;
    if (x < 0) return g;
  }
  return gens[gens.length - 1]![1];
}

// ---- hints from parameter names ---------------------------------------------------------

/**
 * The parameter names of a function, method or class constructor, read
 * from its source: `socket(family, type, proto, fileno)` gives those four.
 * A destructured parameter is 'options'; a rest parameter keeps its name.
 */
export function paramNames(fn: unknown, isClass: boolean): string[] {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return [];
  }
  let at = isClass ? src.search(/\bconstructor\s*\(/) : src.indexOf('(');
  if (at < 0) return [];
  at = src.indexOf('(', at);
  const params: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = '';
  for (let i = at + 1; i < src.length; i++) {
    const ch = src[i]!;
    if (quote !== '') {
      if (ch === quote && src[i - 1] !== '\\') quote = '';
      cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) {
        params.push(cur);
        break;
      }
      depth--;
    }
    if (ch === ',' && depth === 0) {
      params.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  return params
    .map((p) => p.trim().replace(/^\.\.\./, ''))
    .filter((p) => p !== '')
    .map((p) => (p.startsWith('{') ? 'options' : p.startsWith('[') ? 'tuple' : (/^[\w$]+/.exec(p)?.[0] ?? '')));
}

/** Values that suit a parameter of this name; empty when the name says nothing. */
/** The constants this platform has, as [name, value] (its `constants` object lists no others, but is typed as if it might). */
function defined(constants: Readonly<Record<string, number | undefined>>): Array<[string, number]> {
  return Object.entries(constants).filter((e): e is [string, number] => e[1] !== undefined);
}

export function hintGens(name: string, constants: Readonly<Record<string, number | undefined>>): Gen[] {
  const n = name.toLowerCase();
  const named = (...prefixes: string[]): Array<[string, number]> => defined(constants).filter(([k]) => prefixes.some((p) => k.startsWith(p)));
  const byPrefix = (...prefixes: string[]): Gen[] => named(...prefixes).map(([k, v]) => constant(k, v));
  const ints = (...xs: number[]): Gen[] => xs.map((x) => constant(String(x), x));
  // Pairs of flags ORed together, as code passes them.
  const flagCombos = (prefixes: string[]): Gen[] => {
    const base = named(...prefixes);
    const out: Gen[] = [constant('0', 0)];
    for (let i = 0; i + 1 < base.length; i += 2) {
      const [la, a] = base[i]!;
      const [lb, b] = base[i + 1]!;
      out.push(constant(`${la} | ${lb}`, a | b));
    }
    return out;
  };
  const addresses: Gen[] = [
    { draw: (c) => c.poolAddress(nestedRng) },
    { draw: (c) => c.poolAddress(nestedRng) },
    constant("['127.0.0.1', 0]", ['127.0.0.1', 0]),
    constant("['127.0.0.1', 1]", ['127.0.0.1', 1]),
    constant("['localhost', 0]", ['localhost', 0]),
    constant("['::1', 0, 0, 0]", ['::1', 0, 0, 0]),
    constant("['::1', 0, 1048576, 0]", ['::1', 0, 1048576, 0]),
    constant("['127.0.0.1', 65536]", ['127.0.0.1', 65536]),
    constant("['127.0.0.1', -1]", ['127.0.0.1', -1]),
    gen('<dir>/u (a path with no socket)', (c) => `${c.dir}/u`),
    gen("'\\0bsdsock-fuzz-<tag>'", (c) => `\0bsdsock-fuzz-${c.tag}`),
    constant("''", ''),
  ];
  const sizes = ints(0, 1, 2, 4, 16, 100, 4096, 65536, 1048576, -1, 2 ** 31 - 1, 2 ** 31, 1.5, NaN);
  const data: Gen[] = [...VIEWS, constant("'x'", 'x'), constant("'hello\\n'", 'hello\n'), constant("''", ''), constant("'\\uD800'", '\uD800')];
  if (/^family$/.test(n)) return byPrefix('AF_');
  if (/^type$/.test(n)) return [...byPrefix('SOCK_'), ...flagCombos(['SOCK_'])];
  if (/^proto(col)?$/.test(n)) return [...byPrefix('IPPROTO_', 'NETLINK_'), ...ints(0, -1, 256)];
  if (/^level$/.test(n)) return byPrefix('SOL_', 'IPPROTO_');
  if (/^optname$/.test(n)) return byPrefix('SO_', 'TCP_', 'IP_', 'IPV6_', 'UDP_');
  if (/flags/.test(n)) return [...flagCombos(['MSG_']), ...flagCombos(['AI_', 'NI_']), ...byPrefix('EPOLL')];
  if (/address|addr$|sockaddr|source/.test(n)) return addresses;
  if (/^(host|hostname|name|ipstring|ipaddress)$/.test(n)) {
    return [constant("'localhost'", 'localhost'), constant("'127.0.0.1'", '127.0.0.1'), constant("'::1'", '::1'), constant("''", ''), constant("'x'", 'x'), constant("'\\uD800'", '\uD800'), constant("'a' x 300", 'a'.repeat(300)), constant('null', null)];
  }
  if (/servicename|protocolname/.test(n)) return [constant("'tcp'", 'tcp'), constant("'udp'", 'udp'), constant("'echo'", 'echo'), constant("'x'", 'x'), constant("''", ''), constant('null', null)];
  if (/^ifname$/.test(n)) return [constant("'lo'", 'lo'), constant("'x'", 'x'), constant("''", '')];
  if (/^port$/.test(n)) return ints(0, 1, 7, 65535, 65536, -1, 1.5);
  if (/^(buffers|items|list)$/.test(n)) return [gen("['x', Buffer(1)]", (c) => ['x', view(c, fresh(1))]), gen('[Uint8Array(16)]', (c) => [view(c, new Uint8Array(16))]), constant('[]', []), constant("'x' (a string, not a list)", 'x')];
  if (/data|buf$|buffer|view|packed|target/.test(n)) return data;
  if (/size|nbytes|count|len|length|^n$|maxfds/.test(n)) return sizes;
  if (/timeout/.test(n)) return [...ints(0, 0.001, 0.005, -1, 1e300, NaN, Infinity), constant('null', null)];
  if (/^how$/.test(n)) return [...byPrefix('SHUT_'), ...ints(3, -1)];
  if (/backlog/.test(n)) return ints(0, 1, 128, -1, 2 ** 31);
  if (/^fds$/.test(n)) return [{ draw: (c) => { const [l, fd] = c.poolFd(nestedRng); return [`[${l}]`, [fd]]; } }, constant('[]', []), constant('[-1]', [-1]), constant('[0, 1, 2]', [0, 1, 2])];
  if (/^(fd|fileno|file|infd|outfd)$/.test(n)) return [{ draw: (c) => c.poolFd(nestedRng) }, { draw: (c) => c.poolObject(nestedRng) }, gen('a regular file fd', (c) => c.fileFd), ...ints(0, -1, 2 ** 31 - 1)];
  if (/^sock$/.test(n)) return [{ draw: (c) => c.poolObject(nestedRng) }];
  if (/^(rlist|wlist|xlist)$/.test(n)) return [{ draw: (c) => { const [l, o] = c.poolObject(nestedRng); return [`[${l}]`, [o]]; } }, constant('[]', [])];
  if (/options|opts/.test(n)) return [constant('{}', {}), gen('{ signal: AbortSignal.timeout(5) }', () => ({ signal: AbortSignal.timeout(5) }))];
  if (/^mode$/.test(n)) return ['r', 'w', 'b', 'rb', 'wb', 'rwb', 'rw', 'x', 'rr'].map((m) => constant(`'${m}'`, m));
  if (/eventmask|events|mask/.test(n)) return [...byPrefix('POLL', 'EPOLL'), ...ints(0, -1, 2 ** 32)];
  if (/index/.test(n)) return ints(0, 1, 2, 2 ** 32, -1);
  if (/^x$/.test(n)) return ints(0, 1, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1);
  if (/errno/.test(n)) return ints(1, 11, 94, 111, 133, 134, 0, -2);
  if (/^code$/.test(n)) return ['ECONNREFUSED', 'EAI_NONAME', 'UNKNOWN', ''].map((x) => constant(`'${x}'`, x));
  if (/syscall/.test(n)) return ['connect', 'getaddrinfo', ''].map((x) => constant(`'${x}'`, x));
  if (/offset/.test(n)) return ints(0, 1, -1, 2 ** 53, 1.5);
  if (/inheritable|^flag$|^on$|blocking/.test(n)) return [constant('true', true), constant('false', false), constant('0', 0), constant("'yes'", 'yes')];
  if (/^value$/.test(n)) return [...ints(0, 1, -1, 2 ** 31), constant('true', true), constant('null', null), ...VIEWS.slice(0, 8)];
  return [];
}
