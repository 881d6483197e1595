// Type assertions for the type tests in this directory: `tsc --noEmit`
// (npm run typecheck) fails if one does not hold, and a `// @ts-expect-error`
// line whose next line compiles fails it too (TS2578).

/** True when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only if `value`'s type is exactly `T`: `exactly<InetSocketAddress>()(s.getsockname())`. */
export function exactly<T>(): <V>(value: V & (Equal<V, T> extends true ? unknown : never)) => void {
  return () => {};
}

/** Compiles only if the condition type is `true`. */
export function check<C extends true>(..._: C extends true ? [] : [never]): void {}
