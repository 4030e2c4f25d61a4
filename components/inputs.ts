// Inputs: components accept pulumi.Input everywhere a value does not decide which children exist. A plain value is
// checked before the component registers anything; an Output is checked inside apply, once it is known.
import * as pulumi from "@pulumi/pulumi";

/** A value that is plain now, or an Output of it. */
export type Lifted<T> = T | pulumi.Output<T>;

/** True unless `value` is an Output or a Promise, i.e. it can be checked before anything is registered. */
export function isPlainInput<T>(value: pulumi.Input<T> | undefined): value is T | undefined {
  return !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/**
 * Calls `fn` with `values` now when every field is plain (its checks then fail preview before anything is
 * registered), else once every field is known (its checks then fail inside apply). `R` is the plain shape.
 * Nested Inputs of plain fields (e.g. `pod.image`) are passed through untouched on the plain path.
 */
export function liftInputs<R, U>(
  values: { readonly [K in keyof R]: unknown },
  fn: (resolved: R) => U,
): Lifted<U> {
  if (Object.values(values).every((v) => isPlainInput(v))) return fn(values as R);
  return pulumi.output(values).apply((resolved) => fn(resolved as R));
}

/**
 * The values validated once: the caller has checked every plain value before registering anything; when some
 * value is an Output, `validateResolved` checks them all once they are known, before `fn` builds from them.
 */
export function liftValidated<R, U>(
  values: { readonly [K in keyof R]: unknown },
  validateResolved: (resolved: R) => void,
  fn: (resolved: R) => U,
): Lifted<U> {
  if (Object.values(values).every((v) => isPlainInput(v))) return fn(values as R);
  return pulumi.output(values).apply((resolved) => {
    validateResolved(resolved as R);
    return fn(resolved as R);
  });
}

/** Maps a lifted value: plain in, plain out; Output in, Output out. */
export function mapLifted<T, U>(value: Lifted<T>, fn: (t: T) => U): Lifted<U> {
  return pulumi.Output.isInstance(value) ? value.apply(fn) : fn(value);
}

/** Combines two lifted values: plain when both are plain. */
export function mapLifted2<A, B, U>(a: Lifted<A>, b: Lifted<B>, fn: (a: A, b: B) => U): Lifted<U> {
  if (!pulumi.Output.isInstance(a) && !pulumi.Output.isInstance(b)) return fn(a, b);
  return pulumi.all([a, b]).apply(([x, y]) => fn(x as A, y as B));
}
