import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  adoptedOverheadWarning,
  buildRuntimeClassBody,
  GvisorRuntimeClass,
  GvisorRuntimeClassArgs,
  validateGvisorRuntimeClassArgs,
} from "../components/runtimeclass";
import { failureOf, promiseOf, Registered, setMocks } from "./helpers/mocks";

/**
 * Asserts `output` fails with `message`. The engine prefixes it with the input of each child it broke (one Error
 * object reaches every Output derived from the bad value, and pulumi amends its message in place), e.g. `error serializing property "handler": `.
 */
async function assertFailsWith(output: pulumi.Output<unknown>, message: string): Promise<void> {
  const err = await failureOf(output);
  assert.ok(err instanceof Error, `expected a failure with ${message}`);
  const prefix = /^(error serializing property "[^"]+": )*/.exec(err.message)?.[0] ?? "";
  assert.equal(err.message, `${prefix}${message}`);
}

/** Mocks where a read returns `clusterState` as what the cluster holds. */
function mockCluster(records: Registered[], clusterState: Record<string, unknown> = {}): void {
  setMocks(records, false, (args) =>
    args.id !== undefined && args.id !== ""
      ? { id: args.id, state: clusterState }
      : { id: `${args.name}-id`, state: args.inputs },
  );
}

const GKE_SCHEDULING = {
  nodeSelector: { "sandbox.gke.io/runtime": "gvisor" },
  tolerations: [{ key: "sandbox.gke.io/runtime", operator: "Equal", value: "gvisor", effect: "NoSchedule" }],
};

describe("runtimeclass: pure builder", () => {
  it("defaults to handler runsc, 250m/64Mi overhead and GKE Sandbox scheduling", () => {
    assert.deepEqual(buildRuntimeClassBody(), {
      handler: "runsc",
      overhead: { podFixed: { cpu: "250m", memory: "64Mi" } },
      scheduling: GKE_SCHEDULING,
    });
  });

  it("takes custom overhead and scheduling, and omits an empty scheduling block", () => {
    assert.deepEqual(
      buildRuntimeClassBody({
        overhead: { cpu: "100m", memory: "32Mi" },
        nodeSelector: { "runtime/gvisor": "true" },
        tolerations: [{ key: "gvisor", operator: "Exists", effect: "NoExecute" }],
      }),
      {
        handler: "runsc",
        overhead: { podFixed: { cpu: "100m", memory: "32Mi" } },
        scheduling: {
          nodeSelector: { "runtime/gvisor": "true" },
          tolerations: [{ key: "gvisor", operator: "Exists", effect: "NoExecute" }],
        },
      },
    );
    assert.deepEqual(buildRuntimeClassBody({ nodeSelector: {}, tolerations: [] }), {
      handler: "runsc",
      overhead: { podFixed: { cpu: "250m", memory: "64Mi" } },
    });
  });
});

describe("runtimeclass: validation (nothing registered)", () => {
  const records: Registered[] = [];
  beforeEach(() => {
    records.length = 0;
    mockCluster(records);
  });

  const cases: [string, GvisorRuntimeClassArgs, string][] = [
    [
      "bad name",
      { runtimeClassName: "gVisor" },
      'runtimeClassName: "gVisor" is not a DNS-1123 subdomain; use lowercase letters, digits, "-" and "."',
    ],
    ["bad handler", { handler: "run sc" }, 'handler: "run sc" is not a DNS-1123 label; use e.g. "runsc"'],
    [
      "bad overhead",
      { overhead: { cpu: "a lot", memory: "64Mi" } },
      'overhead.cpu: "a lot" is not a Kubernetes quantity; use e.g. "250m", "64Mi" or "1Gi"',
    ],
    [
      "Exists with a value",
      { tolerations: [{ key: "k", operator: "Exists", value: "v", effect: "NoSchedule" }] },
      'tolerations[0].value: must be empty when operator is "Exists"',
    ],
    [
      "empty overheadConfigKey",
      { existing: true, overheadConfigKey: "" },
      'overheadConfigKey: "" must be a non-empty string',
    ],
    [
      "nodeSelector with existing",
      { existing: true, nodeSelector: { pool: "sandbox" } },
      "nodeSelector: cannot be set with existing: true; the cluster's RuntimeClass is read, not changed",
    ],
  ];
  for (const [title, args, message] of cases) {
    it(`rejects ${title}`, async () => {
      assert.throws(() => validateGvisorRuntimeClassArgs(args), { message });
      assert.throws(() => new GvisorRuntimeClass("gvisor", args), { message });
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(records, []);
    });
  }
});

describe("runtimeclass: GvisorRuntimeClass (mocks)", () => {
  const records: Registered[] = [];

  it("creates RuntimeClass gvisor with handler, overhead and scheduling", async () => {
    records.length = 0;
    mockCluster(records);
    const rc = new GvisorRuntimeClass("sandbox");
    assert.equal(await promiseOf(rc.name), "gvisor");
    assert.equal(await promiseOf(rc.handler), "runsc");
    assert.equal(await promiseOf(rc.existing), false);
    assert.deepEqual(
      records.map((r) => [r.type, r.name, r.readId]),
      [
        ["distroless:runtime:GvisorRuntimeClass", "sandbox", undefined],
        ["kubernetes:node.k8s.io/v1:RuntimeClass", "sandbox-runtimeclass", undefined],
      ],
    );
    assert.deepEqual(records[1].inputs, {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: {
        name: "gvisor",
        labels: {
          "app.kubernetes.io/managed-by": "pulumi",
          "app.kubernetes.io/part-of": "distroless-platform",
        },
      },
      handler: "runsc",
      overhead: { podFixed: { cpu: "250m", memory: "64Mi" } },
      scheduling: GKE_SCHEDULING,
    });
  });

  it("reads an existing RuntimeClass instead of creating one (no AlreadyExists)", async () => {
    records.length = 0;
    mockCluster(records, { metadata: { name: "gvisor" }, handler: "runsc" });
    const rc = new GvisorRuntimeClass("sandbox", { existing: true });
    assert.equal(await promiseOf(rc.name), "gvisor");
    assert.equal(await promiseOf(rc.handler), "runsc");
    assert.equal(await promiseOf(rc.existing), true);
    const read = records.find((r) => r.type === "kubernetes:node.k8s.io/v1:RuntimeClass");
    assert.ok(read);
    assert.equal(read.readId, "gvisor");
    assert.equal(read.name, "sandbox-runtimeclass");
    // A read registers no desired state: nothing for Pulumi to create, update or delete.
    assert.equal(read.inputs.handler, undefined);
    assert.equal(read.inputs.overhead, undefined);
  });

  it("fails when the existing RuntimeClass runs another handler", async () => {
    records.length = 0;
    mockCluster(records, { metadata: { name: "gvisor" }, handler: "runc" });
    const rc = new GvisorRuntimeClass("sandbox", { existing: true });
    const err = await failureOf(rc.handler);
    assert.ok(err instanceof Error);
    assert.equal(
      err.message,
      'runtimeClassName: existing RuntimeClass "gvisor" uses handler "runc", not "runsc"; pods would not run sandboxed',
    );
  });
});

describe("runtimeclass: Output-valued arguments", () => {
  const records: Registered[] = [];

  it("registers the resolved values when every argument is an Output", async () => {
    records.length = 0;
    mockCluster(records);
    const rc = new GvisorRuntimeClass("sandbox", {
      runtimeClassName: pulumi.output("gvisor-lab"),
      handler: pulumi.output("runsc"),
      overhead: pulumi.output({ cpu: "100m", memory: "32Mi" }),
      nodeSelector: pulumi.output({}),
      tolerations: Promise.resolve([]),
    });
    assert.equal(await promiseOf(rc.name), "gvisor-lab");
    assert.deepEqual(await promiseOf(rc.overhead), { cpu: "100m", memory: "32Mi" });
    assert.deepEqual(records[1].inputs, {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: {
        name: "gvisor-lab",
        labels: {
          "app.kubernetes.io/managed-by": "pulumi",
          "app.kubernetes.io/part-of": "distroless-platform",
        },
      },
      handler: "runsc",
      overhead: { podFixed: { cpu: "100m", memory: "32Mi" } },
    });
  });

  it("validates an Output once it resolves: the error fails the RuntimeClass's registration", async () => {
    records.length = 0;
    mockCluster(records);
    // Nothing to check before super(): the bad value is only known once the Output resolves.
    const rc = new GvisorRuntimeClass("sandbox", {
      overhead: pulumi.output({ cpu: "a lot", memory: "64Mi" }),
    });
    await assertFailsWith(
      rc.overhead,
      'overhead.cpu: "a lot" is not a Kubernetes quantity; use e.g. "250m", "64Mi" or "1Gi"',
    );
  });

  it("rejects a bad Output name once it resolves", async () => {
    records.length = 0;
    mockCluster(records);
    const rc = new GvisorRuntimeClass("sandbox", { runtimeClassName: pulumi.output("gVisor") });
    await assertFailsWith(
      rc.overhead,
      'runtimeClassName: "gVisor" is not a DNS-1123 subdomain; use lowercase letters, digits, "-" and "."',
    );
  });
});

describe("runtimeclass: adopted overhead", () => {
  const records: Registered[] = [];
  const warnings: string[] = [];
  const original = console.warn;
  beforeEach(() => {
    records.length = 0;
    warnings.length = 0;
    console.warn = (...parts: unknown[]) => warnings.push(parts.map(String).join(" "));
  });
  afterEach(() => {
    console.warn = original;
  });

  it("warns, naming both values, when the cluster's class declares another overhead", async () => {
    mockCluster(records, {
      metadata: { name: "gvisor" },
      handler: "runsc",
      overhead: { podFixed: { cpu: "500m", memory: "128Mi" } },
    });
    const rc = new GvisorRuntimeClass("sandbox", {
      existing: true,
      overhead: { cpu: "250m", memory: "64Mi" },
    });
    // The cluster's values win: they are the component's output, and deploying does not fail.
    assert.deepEqual(await promiseOf(rc.overhead), { cpu: "500m", memory: "128Mi" });
    const message =
      'overhead: existing RuntimeClass "gvisor" declares overhead.podFixed cpu "500m", memory "128Mi", but overhead is ' +
      'cpu "250m", memory "64Mi"; the namespace quota is sized with the declared overhead, so set overhead to the cluster\'s values';
    assert.deepEqual(warnings, [`warning: [runtime] ${message}`]);
    assert.equal(await promiseOf(rc.handler), "runsc");
    // A read still registers no desired state, the declared overhead included.
    const read = records.find((r) => r.type === "kubernetes:node.k8s.io/v1:RuntimeClass");
    assert.ok(read);
    assert.equal(read.inputs.overhead, undefined);
  });

  it("does not warn when the overheads are equal in value", async () => {
    mockCluster(records, {
      metadata: { name: "gvisor" },
      handler: "runsc",
      overhead: { podFixed: { cpu: "0.25", memory: "64Mi" } },
    });
    const rc = new GvisorRuntimeClass("sandbox", {
      existing: true,
      overhead: { cpu: "250m", memory: "64Mi" },
    });
    assert.deepEqual(await promiseOf(rc.overhead), { cpu: "0.25", memory: "64Mi" });
    assert.deepEqual(warnings, []);
  });

  it("compares only a declared overhead", async () => {
    mockCluster(records, { metadata: { name: "gvisor" }, handler: "runsc" });
    const rc = new GvisorRuntimeClass("sandbox", { existing: true });
    assert.equal(await promiseOf(rc.overhead), undefined);
    assert.deepEqual(warnings, []);
  });

  it("names the caller's config key in the warning", async () => {
    mockCluster(records, {
      metadata: { name: "gvisor" },
      handler: "runsc",
      overhead: { podFixed: { cpu: "500m", memory: "128Mi" } },
    });
    const rc = new GvisorRuntimeClass("sandbox", {
      existing: true,
      overhead: { cpu: "250m", memory: "64Mi" },
      overheadConfigKey: "runtimeClass.overhead",
    });
    assert.deepEqual(await promiseOf(rc.overhead), { cpu: "500m", memory: "128Mi" });
    const message =
      'runtimeClass.overhead: existing RuntimeClass "gvisor" declares overhead.podFixed cpu "500m", memory ' +
      '"128Mi", but runtimeClass.overhead is cpu "250m", memory "64Mi"; the namespace quota is sized with the ' +
      "declared overhead, so set runtimeClass.overhead to the cluster's values";
    assert.deepEqual(warnings, [`warning: [runtime] ${message}`]);
  });

  it("names a missing overhead in the warning", () => {
    assert.equal(
      adoptedOverheadWarning("gvisor", undefined, { cpu: "250m", memory: "64Mi" }),
      'overhead: existing RuntimeClass "gvisor" declares no overhead.podFixed, but overhead is cpu "250m", memory "64Mi"; ' +
        "the namespace quota is sized with the declared overhead, so set overhead to the cluster's values",
    );
  });
});

describe("runtimeclass: registerOutputs", () => {
  const records: Registered[] = [];

  it("registers every public output and the RuntimeClass child", async () => {
    records.length = 0;
    mockCluster(records);
    let registered: unknown;
    class Probe extends GvisorRuntimeClass {
      protected override registerOutputs(
        outputs?: pulumi.Inputs | Promise<pulumi.Inputs> | pulumi.Output<pulumi.Inputs>,
      ): void {
        // Pulumi calls it once more, without outputs, after its async initialize(); keep the component's call.
        if (outputs !== undefined) registered = outputs;
        super.registerOutputs(outputs);
      }
    }
    const rc = new Probe("sandbox");
    await promiseOf(rc.name);
    assert.ok(typeof registered === "object" && registered !== null);
    const outputs = registered as Record<string, unknown>;
    assert.deepEqual(Object.keys(outputs).sort(), [
      "existing",
      "handler",
      "name",
      "overhead",
      "runtimeClass",
    ]);
    assert.equal(outputs.runtimeClass, rc.runtimeClass);
    // Every public property of the component (besides Pulumi's own) is registered.
    const own = Object.keys(rc).filter((k) => !k.startsWith("__") && k !== "urn");
    assert.deepEqual(own.sort(), Object.keys(outputs).sort());
  });
});
