import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  buildAllowFromNamespacesSpec,
  buildAllowSameNamespaceSpec,
  buildDefaultDenyIngressSpec,
  buildLimitRangeSpec,
  buildPodSecurityLabels,
  buildResourceQuotaSpec,
  RestrictedNamespace,
  RestrictedNamespaceArgs,
  validateRestrictedNamespaceArgs,
} from "../components/namespace";
import { failureOf, named, promiseOf, recordResources } from "./helpers/mocks";

async function settle(ns: RestrictedNamespace): Promise<void> {
  const children = [
    ns.namespace,
    ns.defaultDenyIngress,
    ns.defaultDenyEgress,
    ns.allowSameNamespace,
    ns.allowFromNamespaces,
    ns.resourceQuota,
    ns.limitRange,
  ].filter((c): c is NonNullable<typeof c> => c !== undefined);
  await Promise.all(children.map((c) => promiseOf(c.urn)));
}

const PSS_LABELS = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "v1.37",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "v1.37",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "v1.37",
};
const BASE_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "distroless-platform",
};

describe("namespace: pure builders", () => {
  it("labels restricted in enforce, audit and warn, each pinned", () => {
    assert.deepEqual(buildPodSecurityLabels(), PSS_LABELS);
    assert.equal(buildPodSecurityLabels("v1.33")["pod-security.kubernetes.io/enforce-version"], "v1.33");
  });

  it("builds the network policies", () => {
    assert.deepEqual(buildDefaultDenyIngressSpec(), { podSelector: {}, policyTypes: ["Ingress"] });
    assert.deepEqual(buildAllowSameNamespaceSpec(), {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }],
    });
    assert.deepEqual(buildAllowFromNamespacesSpec(["gateway-system", "monitoring"]), {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gateway-system" } },
              podSelector: { matchLabels: {} },
            },
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
              podSelector: { matchLabels: {} },
            },
          ],
        },
      ],
    });
  });

  it("builds the quota and limit range with defaults and overrides", () => {
    assert.deepEqual(buildResourceQuotaSpec(), {
      hard: {
        pods: "50",
        "requests.cpu": "4",
        "requests.memory": "8Gi",
        "limits.cpu": "8",
        "limits.memory": "16Gi",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
      },
    });
    assert.equal(buildResourceQuotaSpec({ pods: 120, limitsCpu: "64" }).hard["limits.cpu"], "64");
    assert.equal(buildResourceQuotaSpec({ pods: 120 }).hard.pods, "120");
    assert.deepEqual(buildLimitRangeSpec(), {
      limits: [
        {
          type: "Container",
          default: { cpu: "500m", memory: "256Mi" },
          defaultRequest: { cpu: "100m", memory: "128Mi" },
          max: { cpu: "4", memory: "8Gi" },
        },
      ],
    });
  });
});

describe("namespace: validation (nothing registered)", () => {
  const records = recordResources();

  const cases: [string, RestrictedNamespaceArgs, string][] = [
    [
      "latest",
      { podSecurityVersion: "latest" },
      'podSecurityVersion: "latest" is not pinned and would change with every cluster upgrade; use e.g. "v1.37"',
    ],
    [
      "malformed version",
      { podSecurityVersion: "1.37" },
      'podSecurityVersion: "1.37" is not allowed; use a pinned version matching v1.<minor>, e.g. "v1.37"',
    ],
    [
      "bad namespace name",
      { namespaceName: "Apps" },
      'namespaceName: "Apps" is not a namespace name; use at most 63 lowercase letters, digits and "-"',
    ],
    [
      "bad allowed namespace",
      { allowFromNamespaces: ["ok", "no_pe"] },
      'allowFromNamespaces[1]: "no_pe" is not a namespace name; use at most 63 lowercase letters, digits and "-"',
    ],
    ["zero pods quota", { quota: { pods: 0 } }, "quota.pods: 0 is not allowed; use an integer >= 1"],
    [
      "bad quota quantity",
      { quota: { requestsMemory: "16 GB" } },
      'quota.requestsMemory: "16 GB" is not a Kubernetes quantity; use e.g. "250m", "64Mi" or "1Gi"',
    ],
    [
      "default request above default limit",
      { limitRange: { defaultRequest: { cpu: "1", memory: "128Mi" } } },
      'limitRange.defaultRequest.cpu: "1" exceeds limitRange.defaultLimit.cpu "500m"',
    ],
    [
      "default limit above max",
      { limitRange: { max: { cpu: "4", memory: "128Mi" } } },
      'limitRange.defaultLimit.memory: "256Mi" exceeds limitRange.max.memory "128Mi"',
    ],
  ];
  for (const [title, args, message] of cases) {
    it(`rejects ${title}`, async () => {
      assert.throws(() => validateRestrictedNamespaceArgs("apps", args), { message });
      assert.throws(() => new RestrictedNamespace("apps", args), { message });
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(records, []);
    });
  }
});

describe("namespace: RestrictedNamespace (mocks)", () => {
  const records = recordResources();

  it("registers the Namespace with pinned restricted labels; user labels cannot override them", async () => {
    const ns = new RestrictedNamespace("apps", {
      labels: { team: "platform", "pod-security.kubernetes.io/enforce": "privileged" },
    });
    await settle(ns);
    assert.deepEqual(named(records, "apps-ns"), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "apps", labels: { team: "platform", ...BASE_LABELS, ...PSS_LABELS } },
    });
    assert.equal(await promiseOf(ns.name), "apps");
    assert.equal(await promiseOf(ns.podSecurityVersion), "v1.37");
  });

  it("registers default-deny ingress, same-namespace and gateway allowances, quota and limits", async () => {
    const ns = new RestrictedNamespace("apps", {
      namespaceName: "shop",
      podSecurityVersion: "v1.35",
      allowFromNamespaces: ["gateway-system"],
    });
    await settle(ns);
    assert.deepEqual(
      records.map((r) => [r.type, r.name]).sort(),
      [
        ["distroless:namespace:RestrictedNamespace", "apps"],
        ["kubernetes:core/v1:Namespace", "apps-ns"],
        ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "apps-default-deny-ingress"],
        ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "apps-allow-same-namespace"],
        ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "apps-allow-from-namespaces"],
        ["kubernetes:core/v1:ResourceQuota", "apps-quota"],
        ["kubernetes:core/v1:LimitRange", "apps-limits"],
      ].sort(),
    );
    const nsLabels = (named(records, "apps-ns").metadata as { labels: Record<string, string> }).labels;
    assert.equal(nsLabels["pod-security.kubernetes.io/enforce-version"], "v1.35");
    assert.equal(nsLabels["pod-security.kubernetes.io/audit-version"], "v1.35");
    assert.equal(nsLabels["pod-security.kubernetes.io/warn-version"], "v1.35");
    const meta = (name: string) => ({ name, namespace: "shop", labels: BASE_LABELS });
    assert.deepEqual(named(records, "apps-default-deny-ingress"), {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("default-deny-ingress"),
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    assert.deepEqual(named(records, "apps-allow-same-namespace"), {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-same-namespace"),
      spec: buildAllowSameNamespaceSpec(),
    });
    assert.deepEqual(named(records, "apps-allow-from-namespaces"), {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("allow-from-namespaces"),
      spec: buildAllowFromNamespacesSpec(["gateway-system"]),
    });
    assert.deepEqual(named(records, "apps-quota"), {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta("quota"),
      spec: buildResourceQuotaSpec(),
    });
    assert.deepEqual(named(records, "apps-limits"), {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta("limits"),
      spec: buildLimitRangeSpec(),
    });
  });

  it("adds default-deny egress only when asked and drops the same-namespace allowance when disabled", async () => {
    const ns = new RestrictedNamespace("locked", { denyEgress: true, allowSameNamespace: false });
    await settle(ns);
    assert.deepEqual(named(records, "locked-default-deny-egress").spec, {
      podSelector: {},
      policyTypes: ["Egress"],
    });
    assert.equal(
      records.some((r) => r.name === "locked-allow-same-namespace"),
      false,
    );
    assert.equal(
      records.some((r) => r.name === "locked-allow-from-namespaces"),
      false,
    );
    assert.equal(ns.allowSameNamespace, undefined);
  });
});

describe("namespace: preview (unknown outputs)", () => {
  const records = recordResources(true);

  it("registers the policies with an unknown namespace while the Namespace does not exist yet", async () => {
    const ns = new RestrictedNamespace("apps");
    await settle(ns);
    const policy = named(records, "apps-default-deny-ingress") as {
      metadata: { namespace: unknown; name: string };
    };
    assert.equal(pulumi.isUnknown(policy.metadata.namespace), true);
    assert.equal(policy.metadata.name, "default-deny-ingress");
    assert.deepEqual((named(records, "apps-ns").metadata as { labels: unknown }).labels, {
      ...BASE_LABELS,
      ...PSS_LABELS,
    });
  });
});

/**
 * Asserts `output` fails with `message`. The engine prefixes it with the input of each child it broke (one Error
 * object reaches every Output derived from the bad value, and pulumi amends its message in place).
 */
async function assertFailsWith(output: pulumi.Output<unknown>, message: string): Promise<void> {
  const err = await failureOf(output);
  assert.ok(err instanceof Error, `expected a failure with ${message}`);
  const prefix = /^(error serializing property "[^"]+": )*/.exec(err.message)?.[0] ?? "";
  assert.equal(err.message, `${prefix}${message}`);
}

describe("namespace: Output-valued arguments", () => {
  const records = recordResources();

  it("registers the resolved name, version, quota and limits", async () => {
    const ns = new RestrictedNamespace("apps", {
      namespaceName: pulumi.output("shop"),
      podSecurityVersion: pulumi.output("v1.35"),
      quota: pulumi.output({ pods: 120 }),
      limitRange: Promise.resolve({ max: { cpu: "2", memory: "4Gi" } }),
    });
    await settle(ns);
    const pinned = (v: string) =>
      Object.fromEntries(Object.entries(PSS_LABELS).map(([k, x]) => [k, x === "v1.37" ? v : x]));
    assert.deepEqual(named(records, "apps-ns"), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "shop", labels: { ...BASE_LABELS, ...pinned("v1.35") } },
    });
    const meta = (name: string) => ({ name, namespace: "shop", labels: BASE_LABELS });
    assert.deepEqual(named(records, "apps-quota"), {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta("quota"),
      spec: buildResourceQuotaSpec({ pods: 120 }),
    });
    assert.deepEqual(named(records, "apps-limits"), {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta("limits"),
      spec: buildLimitRangeSpec({ max: { cpu: "2", memory: "4Gi" } }),
    });
    assert.equal(await promiseOf(ns.podSecurityVersion), "v1.35");
    assert.equal(await promiseOf(ns.name), "shop");
    assert.deepEqual(await promiseOf(ns.quota), buildResourceQuotaSpec({ pods: 120 }).hard);
  });

  it("validates an Output version once it resolves: the error surfaces through the namespace's outputs", async () => {
    const ns = new RestrictedNamespace("apps", { podSecurityVersion: pulumi.output("latest") });
    await assertFailsWith(
      ns.podSecurityVersion,
      'podSecurityVersion: "latest" is not pinned and would change with every cluster upgrade; use e.g. "v1.37"',
    );
    await assertFailsWith(
      ns.labels,
      'podSecurityVersion: "latest" is not pinned and would change with every cluster upgrade; use e.g. "v1.37"',
    );
  });

  it("validates an Output quota once it resolves", async () => {
    const ns = new RestrictedNamespace("apps", { quota: pulumi.output({ pods: 0 }) });
    await assertFailsWith(ns.quota, "quota.pods: 0 is not allowed; use an integer >= 1");
  });

  it("still validates the plain arguments before anything is registered", async () => {
    assert.throws(
      () =>
        new RestrictedNamespace("apps", { quota: pulumi.output({ pods: 3 }), podSecurityVersion: "1.37" }),
      {
        message:
          'podSecurityVersion: "1.37" is not allowed; use a pinned version matching v1.<minor>, e.g. "v1.37"',
      },
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(records, []);
  });
});

describe("namespace: registerOutputs", () => {
  recordResources();

  it("registers every public output and child resource", async () => {
    let registered: unknown;
    class Probe extends RestrictedNamespace {
      protected override registerOutputs(
        outputs?: pulumi.Inputs | Promise<pulumi.Inputs> | pulumi.Output<pulumi.Inputs>,
      ): void {
        // Pulumi calls it once more, without outputs, after its async initialize(); keep the component's call.
        if (outputs !== undefined) registered = outputs;
        super.registerOutputs(outputs);
      }
    }
    const ns = new Probe("apps", { denyEgress: true, allowFromNamespaces: ["gateway-system"] });
    await settle(ns);
    assert.ok(typeof registered === "object" && registered !== null);
    const outputs = registered as Record<string, unknown>;
    assert.equal(outputs.namespace, ns.namespace);
    assert.equal(outputs.resourceQuota, ns.resourceQuota);
    assert.equal(outputs.limitRange, ns.limitRange);
    assert.equal(outputs.defaultDenyIngress, ns.defaultDenyIngress);
    assert.equal(outputs.defaultDenyEgress, ns.defaultDenyEgress);
    assert.equal(outputs.allowSameNamespace, ns.allowSameNamespace);
    assert.equal(outputs.allowFromNamespaces, ns.allowFromNamespaces);
    assert.ok(ns.defaultDenyEgress && ns.allowSameNamespace && ns.allowFromNamespaces);
    // Every public property of the component (besides Pulumi's own) is registered, and nothing else.
    const own = Object.keys(ns).filter((k) => !k.startsWith("__") && k !== "urn");
    assert.deepEqual(Object.keys(outputs).sort(), own.sort());
    assert.equal(own.length, 11);
  });
});
