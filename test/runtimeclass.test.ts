import * as assert from "node:assert/strict";
import {
  buildRuntimeClassBody,
  GvisorRuntimeClass,
  GvisorRuntimeClassArgs,
  validateGvisorRuntimeClassArgs,
} from "../components/runtimeclass";
import { failureOf, promiseOf, Registered, setMocks } from "./helpers/mocks";

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
      "overhead with existing",
      { existing: true, overhead: { cpu: "1", memory: "1Gi" } },
      "overhead: cannot be set with existing: true; the cluster's RuntimeClass is read, not changed",
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
