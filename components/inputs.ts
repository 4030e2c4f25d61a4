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
 * The values validated once, then built from: when every field is plain, the caller has checked them before
 * registering anything and `fn` runs now; when some field is an Output, `validateResolved` checks them all once
 * they are known (failing inside apply), then `fn` runs. `R` is the plain shape. Nested Inputs of plain fields
 * (e.g. `pod.image`) are passed through untouched on the plain path.
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
