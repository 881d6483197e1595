// Argument checks, run before the native layer is touched. The errors carry
// Node's own codes and message shapes (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE,
// ERR_SOCKET_BAD_PORT, ERR_INVALID_ARG_VALUE), naming the argument.

import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { isProxy, isTypedArray } from 'node:util/types';

type Coded<T extends Error> = T & { code: string };

function coded<T extends Error>(err: T, code: string): Coded<T> {
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  return err as Coded<T>;
}

// The messages below describe the value that was given, and describing a
// value may run code of the caller's (a Proxy's traps, a getter for
// `constructor` or `name`, a [util.inspect.custom] method) or fail (inspect
// on a detached DataView): an argument error must be thrown whatever the
// value, so each description falls back to a plainer one.

// util.inspect shows a Proxy's target without running a trap.
const SHOWN = { colors: false, depth: 0 } as const;
const PLAIN = { colors: false, depth: 0, customInspect: false } as const;

function safely(describe: () => string, fallback: () => string): string {
  try {
    return describe();
  } catch {
    try {
      return fallback();
    } catch {
      return 'a value that cannot be shown';
    }
  }
}

/** `inspect(value)`, or a plainer description when that throws. */
export function show(value: unknown): string {
  return safely(
    () => inspect(value, SHOWN),
    () => safely(
      () => inspect(value, PLAIN), // without the value's own [util.inspect.custom]
      () => (typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : typeof value),
    ),
  );
}

/** The class name a value's `constructor` gives, read without letting it throw; '' for none. */
function className(value: object): string {
  return safely(
    () => {
      if (isProxy(value)) return '';
      const ctor: unknown = (value as { constructor?: unknown }).constructor;
      const name: unknown = typeof ctor === 'function' ? ctor.name : undefined;
      return typeof name === 'string' ? name : '';
    },
    () => '',
  );
}

/** "Received ..." in Node's words. */
export function received(value: unknown): string {
  if (value === null || value === undefined) return `Received ${String(value)}`;
  if (typeof value === 'function') {
    const name = safely(
      () => (typeof value.name === 'string' ? value.name : ''),
      () => '',
    );
    return `Received function ${name || '<anonymous>'}`;
  }
  if (typeof value === 'object') {
    const name = className(value);
    return name ? `Received an instance of ${name}` : `Received ${show(value)}`;
  }
  let shown = show(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. ${received(value)}`), 'ERR_INVALID_ARG_TYPE');
}

/** Node's error for a method called on the wrong object: `Value of "this" must be of type Socket`. */
export function invalidThis(type: string): TypeError {
  return coded(new TypeError(`Value of "this" must be of type ${type}`), 'ERR_INVALID_THIS');
}

export function outOfRange(name: string, range: string, value: unknown): RangeError {
  const shown = typeof value === 'number' || typeof value === 'bigint' ? String(value) : show(value);
  return coded(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`),
    'ERR_OUT_OF_RANGE',
  );
}

export function invalidArgValue(name: string, reason: string, value: unknown): TypeError {
  return coded(new TypeError(`The argument '${name}' ${reason}. Received ${show(value)}`), 'ERR_INVALID_ARG_VALUE');
}

export function badPort(name: string, value: unknown): RangeError {
  return coded(
    new RangeError(`${name} should be >= 0 and < 65536. ${received(value)}.`),
    'ERR_SOCKET_BAD_PORT',
  );
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** An integer in C int range (flags, levels, option names, families). */
export function int32(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw outOfRange(name, `an integer >= ${INT32_MIN} and <= ${INT32_MAX}`, value);
  }
  return value;
}

/** A non-negative integer no larger than `max` (sizes, counts, fds). */
export function size(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw outOfRange(name, `an integer >= 0 and <= ${max}`, value);
  }
  return value;
}

/** A port number, 0-65535. */
export function port(value: unknown, name = 'port'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw badPort(name, value);
  }
  return value;
}

/** An ArrayBufferView to fill (Buffer, any TypedArray, DataView). */
export function writableView(value: unknown, name: string): ArrayBufferView {
  if (!ArrayBuffer.isView(value)) {
    throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value);
  }
  return value;
}

/**
 * Data to send: a string (sent as UTF-8) or any ArrayBufferView (only the
 * view's own bytes are sent).
 */
export function data(value: unknown, name = 'data'): ArrayBufferView {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (ArrayBuffer.isView(value)) return value;
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', value);
}

/** A timeout in seconds: null (blocking) or a finite number >= 0. */
export function timeout(value: unknown, name = 'timeout'): number | null {
  if (value === null) return null;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number or null', value);
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw outOfRange(name, 'a finite number >= 0, or null', value);
  }
  return value;
}

/**
 * The items of an array or any other iterable (CPython takes any iterable),
 * not a string, each passed through `each` (which checks or converts it, and
 * throws for a bad one) as soon as it is read, into a fresh plain array:
 * never the caller's own array, whose `Symbol.species` would decide what its
 * `map` and `filter` return, and whose holes they would skip (here a hole is
 * `undefined`, given to `each` like any item, so a huge sparse array fails
 * at its first hole). A malformed iterable (no iterator, a `next` that is
 * not a function, a step that is not an object) is an ERR_INVALID_ARG_TYPE;
 * what the iteration itself throws passes through, as in CPython.
 */
export function items<T, U>(list: Iterable<T>, name: string, each: (item: T, index: number) => U): U[] {
  const out: U[] = [];
  // The length is read once, as Array.prototype.map does: an item (a getter,
  // a fileno() method) that appends to the list cannot make this loop endless.
  if (Array.isArray(list)) {
    const n = list.length;
    for (let i = 0; i < n; i++) out.push(each((list as T[])[i]!, i));
    return out;
  }
  // A TypedArray's iterator throws once its buffer is detached; its length
  // is 0 then, so it is an empty list.
  if (isTypedArray(list)) {
    const typed = list as unknown as ArrayLike<T>;
    const n = typedArrayLength.call(typed) as number;
    for (let i = 0; i < n; i++) out.push(each(typed[i]!, i));
    return out;
  }
  const bad = () => invalidArgType(name, 'an array or an iterable object', list);
  if (ArrayBuffer.isView(list)) throw bad(); // a DataView, whatever its prototype says
  const method: unknown = typeof list === 'object' && list !== null ? list[Symbol.iterator] : undefined;
  if (typeof method !== 'function') throw bad();
  const it: unknown = method.call(list);
  const next: unknown = typeof it === 'object' && it !== null ? (it as Partial<Iterator<T>>).next : undefined;
  if (typeof next !== 'function') throw bad();
  for (;;) {
    const step: unknown = next.call(it);
    if (typeof step !== 'object' || step === null) throw bad();
    if ((step as IteratorResult<T>).done) return out; // any truthy done, as for-of
    out.push(each((step as IteratorResult<T>).value, out.length));
  }
}

// The engine's own view getters, read once: a view's own `byteLength`,
// `byteOffset` or `buffer` property (or a changed prototype) must not decide
// what is measured, sent or copied. TypedArrays first: most views are.
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const viewGetters = [TypedArrayPrototype, DataView.prototype].map((proto) => {
  const get = (name: string) => Object.getOwnPropertyDescriptor(proto, name)!.get!;
  return { buffer: get('buffer'), byteOffset: get('byteOffset'), byteLength: get('byteLength') };
});
const typedArrayLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'length')!.get!;

/**
 * A view's memory as the engine knows it: `[buffer, byteOffset, byteLength]`,
 * or null when it has none to read: a DataView that is detached or out of
 * bounds (its getters throw), or not a view at all. A detached or
 * out-of-bounds TypedArray reports a byte length of 0.
 */
export function viewMemory(view: ArrayBufferView): [ArrayBufferLike, number, number] | null {
  for (const g of viewGetters) {
    try {
      return [g.buffer.call(view) as ArrayBufferLike, g.byteOffset.call(view) as number, g.byteLength.call(view) as number];
    } catch {
      // not this kind of view, or a DataView that cannot be read now
    }
  }
  return null;
}

/**
 * A view's byte length as the engine knows it (see {@link viewMemory}); 0
 * when it has none. Not viewMemory()[2]: the async sends call this on every
 * call, and it allocates nothing.
 */
export function byteLength(view: ArrayBufferView): number {
  for (const g of viewGetters) {
    try {
      return g.byteLength.call(view) as number;
    } catch {
      // not this kind of view, or a DataView that cannot be read now
    }
  }
  return 0;
}

/** A Buffer over a view's bytes, not a copy; empty when it has none. */
export function viewBuffer(view: ArrayBufferView): Buffer {
  const m = viewMemory(view);
  return m === null || m[2] === 0 ? Buffer.alloc(0) : Buffer.from(m[0], m[1], m[2]);
}
