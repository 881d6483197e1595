// The receive views a recvmmsgInto() list gave its last call, remembered
// so that the next call with the same views skips finding their memory.
//
// Finding a view's memory costs native code about 290 instructions
// (napi_get_buffer_info and the V8 calls under it, callgrind), and a
// receive loop gives the same views call after call. A ViewCache keeps, per
// message index, the view last looked up there and its length; native code
// keeps the memory found (native/mmsg.cc ViewCache, out of JavaScript's
// reach), under a tag that both sides must agree on.
//
// A view is still the one looked up when it is the same object and its
// length, read with %TypedArray%.prototype's own getter (a property the
// caller defined cannot stand in for it), has not changed: V8 reports 0
// for a view whose ArrayBuffer was detached (transferred, or a
// WebAssembly memory that grew) or left out of bounds by a resize, the
// only ways a view's memory can go away while the view lives; and
// finding the memory once moves a typed array kept on V8's heap off it for
// good, so the garbage collector no longer moves it. The cache holds the
// views themselves, so their memory lives as long as it does. A DataView
// has no such getter: it is looked up on every call. The check costs about
// 140 instructions a view (callgrind), 8 ns in a loop here, against 290
// instructions for the lookup.

import { types } from 'node:util';
import { native } from './binding';

/** %TypedArray%.prototype's length getter, taken before any caller code runs. */
const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length')!.get as (
  this: ArrayBufferView,
) => number;

/** The most tags handed out before they start again from 1. */
const TAG_MAX = 0x7fffffff;

export class ViewCache {
  /** The native side: an External (native/mmsg.cc viewCache). */
  readonly handle: unknown;
  readonly #views: Array<ArrayBufferView | null>;
  /** The length each view had when it was looked up; -1: never kept (a DataView). */
  readonly #lengths: Int32Array;
  readonly #tags: Int32Array;
  #tag = 0;

  constructor(cap: number) {
    this.handle = native.viewCache(cap);
    this.#views = new Array<ArrayBufferView | null>(cap).fill(null);
    this.#lengths = new Int32Array(cap).fill(-1);
    this.#tags = new Int32Array(cap);
  }

  /**
   * Marks messages [from, to) of `views` in `marks` (native/mmsg.cc
   * CachedViews): a slot's tag when it holds the same view at the same
   * length, else minus a new tag (look it up and keep it), or 0 for a
   * DataView (look it up). Returns how many need a lookup.
   */
  mark(views: ArrayBufferView[], from: number, to: number, marks: Int32Array): number {
    // Most of a view's cost is the getter's call, which V8 (Node 20) does
    // not inline when made through a saved reference.
    const kept = this.#views;
    const lengths = this.#lengths;
    const tags = this.#tags;
    let lookups = 0;
    for (let i = from; i < to; i++) {
      const view = views[i]!;
      const length = lengths[i]!;
      if (view === kept[i] && length >= 0 && typedArrayLength.call(view) === length) {
        marks[i] = tags[i]!;
      } else {
        marks[i] = this.#keep(i, view);
        lookups++;
      }
    }
    return lookups;
  }

  /** Keeps `view` in slot i, to be looked up: its mark. */
  #keep(i: number, view: ArrayBufferView): number {
    this.#views[i] = view;
    if (!types.isTypedArray(view)) {
      this.#lengths[i] = -1;
      return 0;
    }
    this.#tag = this.#tag >= TAG_MAX ? 1 : this.#tag + 1;
    this.#lengths[i] = typedArrayLength.call(view);
    this.#tags[i] = this.#tag;
    return -this.#tag;
  }

  /** Forgets every view (after native code found a mark it does not hold). */
  clear(): void {
    this.#views.fill(null);
    this.#lengths.fill(-1);
  }
}
