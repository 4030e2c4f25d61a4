// Pulumi mock monitor shared by the component tests: records every registered resource so tests can assert on
// the exact inputs a component passes to its children.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

/** One resource registered with the mock monitor. */
export interface Registered {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment` or `distroless:workload:HardenedWorkload`. */
  type: string;
  /** Logical name. */
  name: string;
  /** True for provider-managed resources, false for components. */
  custom: boolean;
  /** Inputs as registered (Outputs resolved). */
  inputs: Record<string, unknown>;
  /** Set for a read (`Resource.get`): the id that was read. */
  readId?: string;
}

/** Answers the mock monitor gives for a new or read resource. */
export type NewResource = (
  args: pulumi.runtime.MockResourceArgs,
) => pulumi.runtime.MockResourceResult | Promise<pulumi.runtime.MockResourceResult>;

/** Echoes inputs as state; in preview returns no id and no state, so every output of a child is unknown. */
export function echoInputs(preview: boolean): NewResource {
  return (args) => (preview ? { id: undefined, state: {} } : { id: `${args.name}-id`, state: args.inputs });
}

/**
 * Installs mocks that push every registered resource onto `records`. Must run before constructing resources.
 * `newResource` decides the id and state returned (default: {@link echoInputs}).
 */
export function setMocks(records: Registered[], preview = false, newResource = echoInputs(preview)): void {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        records.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
          readId: args.id || undefined,
        });
        return newResource(args);
      },
      call: (args) => args.inputs,
    },
    "distroless-platform",
    "staging",
    preview,
  );
}

/**
 * Call inside a `describe`: before each of its tests, empties the returned list and installs {@link setMocks}
 * recording into it.
 */
export function recordResources(preview = false): Registered[] {
  const records: Registered[] = [];
  beforeEach(() => {
    records.length = 0;
    setMocks(records, preview);
  });
  return records;
}

/** Resolves to an Output's value (never resolves for an unknown value). */
export function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Whether an Output's value is known (false at preview for values the engine computes). */
export function isKnown<T>(output: pulumi.Output<T>): Promise<boolean> {
  // isKnown is internal to Output but stable across pulumi 3.x.
  return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}

/** Resolves to the error an Output fails with (an exception thrown inside apply), or undefined. */
export function failureOf(o: pulumi.Output<unknown>): Promise<unknown> {
  return (o as unknown as { promise: () => Promise<unknown> }).promise().then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** Every recorded resource of a type. */
export function byType(records: Registered[], type: string): Registered[] {
  return records.filter((r) => r.type === type);
}

/** The single recorded resource of a type; fails unless there is exactly one. */
export function one(records: Registered[], type: string): Registered {
  const found = byType(records, type);
  assert.equal(found.length, 1, `expected exactly one ${type}, got ${found.length}`);
  return found[0];
}

/** Inputs of the recorded resource with a logical name; fails when there is none. */
export function named(records: Registered[], name: string): Record<string, unknown> {
  const r = records.find((x) => x.name === name);
  assert.ok(r, `no resource named ${name}`);
  return r.inputs;
}
