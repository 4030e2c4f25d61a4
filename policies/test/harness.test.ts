// The CrossGuard side of the pack, run through a harness that behaves like @pulumi/policy's runtime:
// config and defaults, enforcement levels, not-applicable, exemptions, per-environment digest pinning,
// unknown values at preview, remediation followed by validation, stack policies.
import * as assert from "assert";
import { Secret, unknownCheckingProxy, type ResourceValidationPolicy } from "@pulumi/policy";
import { secretsPreservingProxy } from "@pulumi/policy/secret";
import type { PodSpec } from "../lib/k8s";
import { allPolicies, hardenedPolicies, pssCheckPolicies, stackPolicies } from "../crossguard/policies";
import { resolveRuleConfig } from "../crossguard/adapter";
import { withPodSpec } from "../lib/pods";
import { PSS_CHECKS } from "../pss/registry";
import { PolicyHarness, UNKNOWN, unproxy, type HarnessResource } from "./harness";
import {
  hardenedPodSpec,
  IMAGE,
  podCarrier,
  POD_TYPES,
  restrictedNamespace,
  runtimeClass,
} from "./hardenedFixtures";

const PROD = { stackTags: { environment: "prod" } };

function deployment(
  spec: PodSpec = hardenedPodSpec(),
  name = "web",
  namespace: string | undefined = "apps",
): HarnessResource {
  return { type: POD_TYPES.Deployment, name, props: podCarrier("Deployment", spec, name, namespace) };
}

function mutate(edit: (s: PodSpec) => void): PodSpec {
  const s = structuredClone(hardenedPodSpec());
  edit(s);
  return s;
}

const byName = (name: string): ResourceValidationPolicy => {
  const p = allPolicies.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p as ResourceValidationPolicy;
};

/** [policyName, violation, enforcementLevel] of each violation. */
const triples = (r: { violations: { policyName: string; violation: string; enforcementLevel: string }[] }) =>
  r.violations.map((v) => [v.policyName, v.violation, v.enforcementLevel]);

describe("policy pack through the runtime harness", () => {
  describe("the pack", () => {
    it("has one policy per PSS check, unique names, and no enforcementLevel in any configSchema", () => {
      assert.strictEqual(pssCheckPolicies.length, PSS_CHECKS.length);
      assert.deepStrictEqual(
        pssCheckPolicies.map((p) => p.name),
        PSS_CHECKS.map((c) => `pss-${c.id}`),
      );
      const names = allPolicies.map((p) => p.name);
      assert.strictEqual(new Set(names).size, names.length);
      // The harness constructor refuses what the runtime refuses to serve.
      assert.doesNotThrow(() => new PolicyHarness(allPolicies));
    });

    it("lists the hardened and stack policies by name, with their default enforcement", () => {
      assert.deepStrictEqual(
        [...hardenedPolicies, ...stackPolicies].map((p) => [p.name, p.enforcementLevel]),
        [
          ["readOnlyRootFilesystem", "mandatory"],
          ["runAsUserAbove10000", "mandatory"],
          ["runAsGroupAbove10000", "mandatory"],
          ["resourcesRequestsLimits", "mandatory"],
          ["imageTagNotLatest", "mandatory"],
          ["imageDigestPinned", "mandatory"],
          ["imageDigestPinnedAdvisory", "advisory"],
          ["automountServiceAccountToken", "mandatory"],
          ["probesPresent", "advisory"],
          ["noExecProbesOrHooks", "mandatory"],
          ["noContainerRuntimeSocket", "mandatory"],
          ["noSecretLiteralsInEnv", "mandatory"],
          ["runtimeClassGvisor", "mandatory"],
          ["ephemeralContainerImages", "mandatory"],
          ["serviceAccountNoTokenByDefault", "advisory"],
          ["namespacePodSecurityLabels", "mandatory"],
          ["helmReleaseContents", "advisory"],
          ["workloadsInRestrictedNamespace", "mandatory"],
          ["runtimeClassHandlerRunsc", "mandatory"],
        ],
      );
    });

    it("passes the hardened pod in every pod-carrying kind, in prod and staging", async () => {
      for (const stackTags of [{ environment: "prod" }, { environment: "staging" }]) {
        const h = new PolicyHarness(allPolicies, { stackTags });
        for (const [kind, type] of Object.entries(POD_TYPES)) {
          const r = await h.analyze({ type, name: "web", props: podCarrier(kind, hardenedPodSpec()) });
          assert.deepStrictEqual(r.diagnostics, [], `${kind} ${stackTags.environment}`);
        }
      }
    });

    it("catches a broken pod in every pod-carrying kind", async () => {
      const h = new PolicyHarness(hardenedPolicies, PROD);
      const spec = mutate((s) => (s.containers![0].securityContext!.readOnlyRootFilesystem = false));
      for (const [kind, type] of Object.entries(POD_TYPES)) {
        const r = await h.analyze({ type, name: "web", props: podCarrier(kind, spec) });
        assert.deepStrictEqual(
          triples(r),
          [
            [
              "readOnlyRootFilesystem",
              'container "web" must set securityContext.readOnlyRootFilesystem=true',
              "mandatory",
            ],
          ],
          kind,
        );
      }
    });
  });

  describe("runtime behaviour", () => {
    it("reports description and violation as the runtime formats them, with the resource URN", async () => {
      const h = new PolicyHarness([byName("automountServiceAccountToken")], { stack: "prod" });
      const r = await h.analyze(deployment(mutate((s) => delete s.automountServiceAccountToken)));
      assert.deepStrictEqual(r.violations, [
        {
          policyName: "automountServiceAccountToken",
          kind: "violation",
          violation: "pod must set automountServiceAccountToken=false",
          message:
            "The pod must set automountServiceAccountToken=false.\npod must set automountServiceAccountToken=false",
          enforcementLevel: "mandatory",
          urn: "urn:pulumi:prod::distroless-platform::kubernetes:apps/v1:Deployment::web",
        },
      ]);
    });

    it("records notApplicable for resources a policy does not target", async () => {
      const h = new PolicyHarness([
        byName("readOnlyRootFilesystem"),
        byName("pss-privileged"),
        byName("namespacePodSecurityLabels"),
      ]);
      const r = await h.analyze({ type: "kubernetes:core/v1:ConfigMap", name: "cm", props: { data: {} } });
      assert.deepStrictEqual(r.diagnostics, []);
      assert.deepStrictEqual(r.notApplicable, [
        { policyName: "readOnlyRootFilesystem", reason: "applies to pod-carrying Kubernetes resources only" },
        { policyName: "pss-privileged", reason: "applies to pod-carrying Kubernetes resources only" },
        { policyName: "namespacePodSecurityLabels", reason: "applies to kubernetes:core/v1:Namespace only" },
      ]);
    });

    it("honours enforcement levels from config: disabled skips, advisory downgrades, remediate reports mandatory", async () => {
      const spec = mutate((s) => {
        delete s.automountServiceAccountToken;
        delete s.containers![0].securityContext!.readOnlyRootFilesystem;
        s.runtimeClassName = "runc";
      });
      const h = new PolicyHarness(hardenedPolicies, {
        ...PROD,
        config: {
          automountServiceAccountToken: "disabled",
          readOnlyRootFilesystem: { enforcementLevel: "advisory" },
          runtimeClassGvisor: "remediate",
        },
      });
      assert.deepStrictEqual(triples(await h.analyze(deployment(spec))), [
        [
          "readOnlyRootFilesystem",
          'container "web" must set securityContext.readOnlyRootFilesystem=true',
          "advisory",
        ],
        ["runtimeClassGvisor", 'pod runtimeClassName "runc" is not allowed (allowed: gvisor)', "mandatory"],
      ]);
    });

    it("getConfig returns the schema defaults merged with the policy's config, without enforcementLevel", () => {
      const p = byName("runtimeClassGvisor");
      const h = new PolicyHarness([p], {
        config: { runtimeClassGvisor: { enforcementLevel: "advisory", allowedRuntimeClasses: ["x"] } },
      });
      assert.deepStrictEqual(h.getConfig(p), {
        environment: "prod",
        exemptions: [],
        allowedRuntimeClasses: ["x"],
      });
      assert.deepStrictEqual(Object.keys(p.configSchema!.properties), [
        "environment",
        "exemptions",
        "allowedRuntimeClasses",
      ]);
    });

    it("applies allowedRuntimeClasses from config", async () => {
      const spec = mutate((s) => (s.runtimeClassName = "gvisor-gpu"));
      const h = new PolicyHarness([byName("runtimeClassGvisor")], {
        config: { runtimeClassGvisor: { allowedRuntimeClasses: ["gvisor-gpu"] } },
      });
      assert.deepStrictEqual((await h.analyze(deployment(spec))).diagnostics, []);
      assert.deepStrictEqual(triples(await h.analyze(deployment())), [
        [
          "runtimeClassGvisor",
          'pod runtimeClassName "gvisor" is not allowed (allowed: gvisor-gpu)',
          "mandatory",
        ],
      ]);
    });

    it("wraps remediation props like the runtime, whose double proxy breaks array methods", () => {
      // Why crossguard/adapter.ts copies props before remediating: this is @pulumi/policy 1.21's own behaviour.
      const props = unknownCheckingProxy(secretsPreservingProxy({ a: [1, 2] })) as { a: number[] };
      assert.throws(() => props.a.map((x) => x), TypeError);
      assert.deepStrictEqual(
        (unknownCheckingProxy({ a: [1, 2] }) as { a: number[] }).a.map((x) => x * 2),
        [2, 4],
      );
    });

    it("strips proxies from remediation results the way serializeProperties does", () => {
      const proxied = unknownCheckingProxy({ a: { b: [1, { c: "x" }] }, s: new Secret("pw") });
      const out = unproxy(proxied) as { a: unknown; s: Secret };
      assert.deepStrictEqual(out.a, { b: [1, { c: "x" }] });
      assert.ok(out.s instanceof Secret);
      assert.strictEqual(out.s.value, "pw");
    });
  });

  describe("per-environment digest pinning", () => {
    const tagOnly = () => deployment(mutate((s) => (s.containers![0].image = "gcr.io/acme/web:1.2.3")));
    const msg = 'container "web" image "gcr.io/acme/web:1.2.3" is not pinned by digest (name@sha256:...)';
    const digestPolicies = [byName("imageDigestPinned"), byName("imageDigestPinnedAdvisory")];

    it("is mandatory in prod (stack tag)", async () => {
      const r = await new PolicyHarness(digestPolicies, PROD).analyze(tagOnly());
      assert.deepStrictEqual(triples(r), [["imageDigestPinned", msg, "mandatory"]]);
      assert.deepStrictEqual(r.notApplicable, [
        {
          policyName: "imageDigestPinnedAdvisory",
          reason: 'imageDigestPinned is mandatory in environment "prod"; imageDigestPinned reports it',
        },
      ]);
    });

    it("is advisory in staging", async () => {
      const r = await new PolicyHarness(digestPolicies, { stackTags: { environment: "staging" } }).analyze(
        tagOnly(),
      );
      assert.deepStrictEqual(triples(r), [["imageDigestPinnedAdvisory", msg, "advisory"]]);
    });

    it("treats an untagged stack as prod, and takes the environment from config when there is no tag", async () => {
      assert.deepStrictEqual(triples(await new PolicyHarness(digestPolicies).analyze(tagOnly())), [
        ["imageDigestPinned", msg, "mandatory"],
      ]);
      const config = {
        imageDigestPinned: { environment: "staging" },
        imageDigestPinnedAdvisory: { environment: "staging" },
      };
      assert.deepStrictEqual(
        triples(await new PolicyHarness(digestPolicies, { config }).analyze(tagOnly())),
        [["imageDigestPinnedAdvisory", msg, "advisory"]],
      );
      // The stack tag wins over the config.
      const tagged = new PolicyHarness(digestPolicies, { config, ...PROD });
      assert.deepStrictEqual(triples(await tagged.analyze(tagOnly())), [
        ["imageDigestPinned", msg, "mandatory"],
      ]);
    });

    it("follows requireDigest from config, including disabled", async () => {
      const requireDigest = { prod: "mandatory", dev: "disabled" };
      const config = { imageDigestPinned: { requireDigest }, imageDigestPinnedAdvisory: { requireDigest } };
      const r = await new PolicyHarness(digestPolicies, {
        config,
        stackTags: { environment: "dev" },
      }).analyze(tagOnly());
      assert.deepStrictEqual(r.diagnostics, []);
      assert.deepStrictEqual(
        r.notApplicable.map((n) => n.reason),
        [
          'imageDigestPinned is disabled in environment "dev"',
          'imageDigestPinned is disabled in environment "dev"',
        ],
      );
    });
  });

  describe("digest pinning configuration (one requireDigest, given to both policies)", () => {
    const tagOnly = () => deployment(mutate((s) => (s.containers![0].image = "gcr.io/acme/web:1.2.3")));
    const msg = 'container "web" image "gcr.io/acme/web:1.2.3" is not pinned by digest (name@sha256:...)';
    const digestPolicies = [byName("imageDigestPinned"), byName("imageDigestPinnedAdvisory")];
    const both = (entry: Record<string, unknown>) => ({
      imageDigestPinned: entry,
      imageDigestPinnedAdvisory: entry,
    });
    const at = async (environment: string, config: ReturnType<typeof both>) =>
      triples(
        await new PolicyHarness(digestPolicies, { config, stackTags: { environment } }).analyze(tagOnly()),
      );

    it("merges requireDigest entries over the defaults (prod mandatory, staging advisory)", () => {
      assert.deepStrictEqual(
        resolveRuleConfig({ requireDigest: { dev: "disabled" } }, new Map()).requireDigest,
        {
          prod: "mandatory",
          staging: "advisory",
          dev: "disabled",
        },
      );
      assert.deepStrictEqual(
        resolveRuleConfig({ requireDigest: { prod: "advisory" } }, new Map()).requireDigest,
        {
          prod: "advisory",
          staging: "advisory",
        },
      );
      assert.deepStrictEqual(resolveRuleConfig({}, new Map()).requireDigest, {
        prod: "mandatory",
        staging: "advisory",
      });
    });

    it("the README's config: prod stays mandatory, staging becomes mandatory, dev advisory, others off", async () => {
      const config = both({
        requireDigest: { staging: "mandatory", dev: "advisory" },
        requireDigestDefault: "disabled",
      });
      assert.deepStrictEqual(await at("prod", config), [["imageDigestPinned", msg, "mandatory"]]);
      assert.deepStrictEqual(await at("staging", config), [["imageDigestPinned", msg, "mandatory"]]);
      assert.deepStrictEqual(await at("dev", config), [["imageDigestPinnedAdvisory", msg, "advisory"]]);
      assert.deepStrictEqual(await at("qa", config), []);
    });

    it("prod advisory: reported once, by the advisory policy", async () => {
      const config = both({ requireDigest: { prod: "advisory" } });
      assert.deepStrictEqual(await at("prod", config), [["imageDigestPinnedAdvisory", msg, "advisory"]]);
      assert.deepStrictEqual(await at("staging", config), [["imageDigestPinnedAdvisory", msg, "advisory"]]);
    });

    it("a requireDigest given to one policy only: the not-applicable reasons name different reporters", async () => {
      // Each policy sees only its own config (a limit of the policy runtime), hence "give both the same".
      const r = await new PolicyHarness(digestPolicies, {
        config: { imageDigestPinned: { requireDigest: { prod: "advisory" } } },
        ...PROD,
      }).analyze(tagOnly());
      assert.deepStrictEqual(r.diagnostics, []);
      assert.deepStrictEqual(r.notApplicable, [
        {
          policyName: "imageDigestPinned",
          reason: 'imageDigestPinned is advisory in environment "prod"; imageDigestPinnedAdvisory reports it',
        },
        {
          policyName: "imageDigestPinnedAdvisory",
          reason: 'imageDigestPinned is mandatory in environment "prod"; imageDigestPinned reports it',
        },
      ]);
    });
  });

  describe("resource types: any API version, server-side apply patches, Helm releases", () => {
    const privileged = mutate((s) => (s.containers![0].securityContext!.privileged = true));
    const privMsg = 'privileged (container "web" must not set securityContext.privileged=true)';
    const OLD_TYPES: [string, string][] = [
      ["Deployment", "kubernetes:apps/v1beta1:Deployment"],
      ["Deployment", "kubernetes:apps/v1beta2:Deployment"],
      ["StatefulSet", "kubernetes:apps/v1beta2:StatefulSet"],
      ["DaemonSet", "kubernetes:extensions/v1beta1:DaemonSet"],
      ["ReplicaSet", "kubernetes:extensions/v1beta1:ReplicaSet"],
      ["Deployment", "kubernetes:extensions/v1beta1:Deployment"],
      ["CronJob", "kubernetes:batch/v1beta1:CronJob"],
    ];

    it("checks pod-carrying kinds at every version of their group, like the GA ones", async () => {
      for (const [kind, type] of OLD_TYPES) {
        const ok = await new PolicyHarness(allPolicies, PROD).analyze({
          type,
          name: "web",
          props: podCarrier(kind, hardenedPodSpec()),
        });
        assert.deepStrictEqual(ok.diagnostics, [], type);
        const bad = await new PolicyHarness(allPolicies, PROD).analyze({
          type,
          name: "web",
          props: podCarrier(kind, privileged),
        });
        assert.deepStrictEqual(triples(bad), [["pss-privileged", privMsg, "mandatory"]], type);
      }
    });

    it("goes by kind, as the stack rules and the checker: a custom StatefulSet of the same shape too", async () => {
      const kruise = await new PolicyHarness([byName("pss-privileged")]).analyze({
        type: "kubernetes:apps.kruise.io/v1beta1:StatefulSet",
        name: "web",
        props: podCarrier("StatefulSet", privileged),
      });
      assert.deepStrictEqual(triples(kruise), [["pss-privileged", privMsg, "mandatory"]]);
      const other = await new PolicyHarness([byName("pss-privileged")]).analyze({
        type: "kubernetes:batch.volcano.sh/v1alpha1:Queue",
        name: "q",
        props: { spec: { weight: 1 } },
      });
      assert.deepStrictEqual(other.notApplicable, [
        { policyName: "pss-privileged", reason: "applies to pod-carrying Kubernetes resources only" },
      ]);
    });

    const patch = (
      props: Record<string, unknown>,
      type = "kubernetes:apps/v1:DeploymentPatch",
    ): HarnessResource => ({
      type,
      name: "web-patch",
      props: { metadata: { name: "web", namespace: "apps" }, ...props },
    });
    const podPatch = (spec: Record<string, unknown>) => patch({ spec: { template: { spec } } });

    it("a patch that sets nothing forbidden passes every policy: absent fields keep their live value", async () => {
      const r = await new PolicyHarness(allPolicies, PROD).analyze(patch({ spec: { replicas: 3 } }));
      assert.deepStrictEqual(r.diagnostics, []);
      const c = await new PolicyHarness(allPolicies, PROD).analyze(
        podPatch({ containers: [{ name: "web", env: [{ name: "LOG_LEVEL", value: "debug" }] }] }),
      );
      assert.deepStrictEqual(c.diagnostics, []);
    });

    it("a patch that sets a forbidden value is reported by exactly the policies that forbid it", async () => {
      const r = await new PolicyHarness(allPolicies, PROD).analyze(
        podPatch({ containers: [{ name: "web", securityContext: { privileged: true } }] }),
      );
      assert.deepStrictEqual(triples(r), [["pss-privileged", privMsg, "mandatory"]]);
      const pod = await new PolicyHarness(allPolicies, PROD).analyze(
        patch(
          { spec: { hostNetwork: true, containers: [{ name: "web", image: "gcr.io/acme/web:latest" }] } },
          "kubernetes:core/v1:PodPatch",
        ),
      );
      assert.deepStrictEqual(triples(pod), [
        ["pss-hostNamespaces", "host namespaces (hostNetwork=true)", "mandatory"],
        [
          "imageTagNotLatest",
          'container "web" image "gcr.io/acme/web:latest" uses the "latest" tag; use a version tag or a digest',
          "mandatory",
        ],
        [
          "imageDigestPinned",
          'container "web" image "gcr.io/acme/web:latest" is not pinned by digest (name@sha256:...)',
          "mandatory",
        ],
      ]);
      const cron = await new PolicyHarness(allPolicies, PROD).analyze(
        patch(
          { spec: { jobTemplate: { spec: { template: { spec: { securityContext: { runAsUser: 0 } } } } } } },
          "kubernetes:batch/v1:CronJobPatch",
        ),
      );
      assert.deepStrictEqual(
        cron.violations.map((v) => v.policyName),
        ["pss-runAsUser"],
      );
    });

    it("does not remediate a patch (it would take ownership of fields it does not set)", async () => {
      const h = new PolicyHarness([byName("pss-privileged")], { config: { "pss-privileged": "remediate" } });
      const r = await h.run(
        podPatch({ containers: [{ name: "web", securityContext: { privileged: true } }] }),
      );
      assert.deepStrictEqual(r.remediation.remediations, []);
      assert.deepStrictEqual(triples(r), [["pss-privileged", privMsg, "mandatory"]]);
    });

    it("an unknown value in a patch skips only the policies that read it, at its own path", async () => {
      const r = await new PolicyHarness(allPolicies, PROD).analyze(
        podPatch({ containers: [{ name: "web", image: UNKNOWN }] }),
      );
      assert.deepStrictEqual(r.violations, []);
      assert.deepStrictEqual(
        r.previewSkips.map((d) => [d.policyName, d.violation.replace(/^.* during preview: /, "")]),
        ["imageTagNotLatest", "imageDigestPinned"].map((n) => [
          n,
          "string value at .spec.template.spec.containers.0.image can't be known during preview",
        ]),
      );
    });

    it("Namespace and ServiceAccount patches: the labels and fields they set", async () => {
      const h = new PolicyHarness(allPolicies, PROD);
      const ns = (labels: Record<string, string>) =>
        h.analyze({
          type: "kubernetes:core/v1:NamespacePatch",
          name: "apps",
          props: { metadata: { name: "apps", labels } },
        });
      assert.deepStrictEqual((await ns({ team: "web" })).diagnostics, []);
      assert.deepStrictEqual(triples(await ns({ "pod-security.kubernetes.io/enforce": "privileged" })), [
        [
          "namespacePodSecurityLabels",
          'Namespace "apps" has label pod-security.kubernetes.io/enforce="privileged"; it must be "restricted"',
          "mandatory",
        ],
      ]);
      const sa = (props: Record<string, unknown>) =>
        h.analyze({
          type: "kubernetes:core/v1:ServiceAccountPatch",
          name: "web",
          props: { metadata: { name: "web" }, ...props },
        });
      assert.deepStrictEqual((await sa({})).diagnostics, []);
      assert.deepStrictEqual(triples(await sa({ automountServiceAccountToken: true })), [
        [
          "serviceAccountNoTokenByDefault",
          'ServiceAccount "web" must set automountServiceAccountToken=false',
          "advisory",
        ],
      ]);
    });

    it("a Helm Release gets an advisory notice; a v4 Chart's objects are resources, checked as such", async () => {
      const h = new PolicyHarness([byName("helmReleaseContents")]);
      const release = await h.analyze({
        type: "kubernetes:helm.sh/v3:Release",
        name: "ingress",
        props: { chart: "ingress-nginx", namespace: "edge" },
      });
      assert.deepStrictEqual(triples(release), [
        [
          "helmReleaseContents",
          'Release "ingress": its rendered objects are not checked; render the chart with the same values (helm template ... > rendered.yaml) and run npm run policy:check -- --profile hardened rendered.yaml, or deploy it with kubernetes:helm.sh/v4:Chart, whose objects are checked',
          "advisory",
        ],
      ]);
      const exempt = await h
        .with({
          config: {
            helmReleaseContents: {
              exemptions: [{ namespace: "edge", reason: "rendered and checked in CI" }],
            },
          },
        })
        .analyze({ type: "kubernetes:helm.sh/v3:Release", name: "ingress", props: { namespace: "edge" } });
      assert.deepStrictEqual(exempt.diagnostics, []);
      const chart = await h.analyze({ type: "kubernetes:helm.sh/v4:Chart", name: "ingress", props: {} });
      assert.deepStrictEqual(chart.notApplicable, [
        {
          policyName: "helmReleaseContents",
          reason: "its objects are registered as resources of the stack, which the pack checks",
        },
      ]);
      const dep = await h.analyze(deployment());
      assert.deepStrictEqual(dep.notApplicable, [
        { policyName: "helmReleaseContents", reason: "applies to kubernetes:helm.sh/v3:Release only" },
      ]);
    });
  });

  describe("exemptions", () => {
    const broken = () => deployment(mutate((s) => delete s.automountServiceAccountToken));
    const run = (exemptions: unknown[], r = broken()) =>
      new PolicyHarness([byName("automountServiceAccountToken")], {
        config: { automountServiceAccountToken: { exemptions } },
      }).analyze(r);

    it("an exemption with a reason skips the policy for the matching object only", async () => {
      const byNs = await run([{ namespace: "apps", reason: "legacy app, tracked in JIRA-1" }]);
      assert.deepStrictEqual(byNs.diagnostics, []);
      const byName = await run([{ name: "web", reason: "needs the API" }]);
      assert.deepStrictEqual(byName.diagnostics, []);
      const other = await run([{ namespace: "apps", name: "api", reason: "needs the API" }]);
      assert.deepStrictEqual(triples(other), [
        ["automountServiceAccountToken", "pod must set automountServiceAccountToken=false", "mandatory"],
      ]);
    });

    it("matches the Pulumi resource name as well as metadata.name", async () => {
      const r: HarnessResource = { ...broken(), name: "web-deployment" };
      assert.deepStrictEqual((await run([{ name: "web-deployment", reason: "r" }], r)).diagnostics, []);
    });

    it("an exemption without a reason does not exempt and is itself a violation", async () => {
      const r = await run([{ namespace: "apps" }, { name: "web", reason: "   " }]);
      assert.deepStrictEqual(triples(r), [
        [
          "automountServiceAccountToken",
          'exemption {namespace: "apps"} has no reason; every exemption must state why it is needed',
          "mandatory",
        ],
        [
          "automountServiceAccountToken",
          'exemption {name: "web"} has no reason; every exemption must state why it is needed',
          "mandatory",
        ],
        ["automountServiceAccountToken", "pod must set automountServiceAccountToken=false", "mandatory"],
      ]);
    });

    it("PSS and stack policies honour exemptions too", async () => {
      const priv = deployment(mutate((s) => (s.containers![0].securityContext!.privileged = true)));
      const pss = new PolicyHarness([byName("pss-privileged")], {
        config: { "pss-privileged": { exemptions: [{ name: "web", reason: "CNI agent" }] } },
      });
      assert.deepStrictEqual((await pss.analyze(priv)).diagnostics, []);
      const stack = new PolicyHarness(stackPolicies, {
        config: {
          workloadsInRestrictedNamespace: {
            exemptions: [{ namespace: "kube-system", reason: "node agent" }],
          },
        },
      });
      const r = await stack.analyzeStack([
        { type: "kubernetes:node.k8s.io/v1:RuntimeClass", name: "gvisor", props: runtimeClass() },
        deployment(hardenedPodSpec(), "agent", "kube-system"),
      ]);
      assert.deepStrictEqual(r.diagnostics, []);
      const byResourceName = new PolicyHarness(stackPolicies, {
        config: { runtimeClassHandlerRunsc: { exemptions: [{ name: "kata-res", reason: "GPU node pool" }] } },
      });
      const kata = {
        ...deployment(
          mutate((s) => (s.runtimeClassName = "kata")),
          "kata",
        ),
        name: "kata-res",
      };
      const nsOk = { type: "kubernetes:core/v1:Namespace", name: "apps", props: restrictedNamespace() };
      assert.deepStrictEqual((await byResourceName.analyzeStack([nsOk, kata])).diagnostics, []);
      const unexempted = await new PolicyHarness(stackPolicies).analyzeStack([nsOk, kata]);
      assert.deepStrictEqual(
        unexempted.violations.map((v) => v.policyName),
        ["runtimeClassHandlerRunsc"],
      );
    });
  });

  describe("unknown values at preview", () => {
    it("a policy that reads an unknown is skipped with the runtime's advisory note; the others still run", async () => {
      const spec = mutate((s) => {
        s.containers![0].image = UNKNOWN;
        delete s.containers![0].securityContext!.readOnlyRootFilesystem;
      });
      const h = new PolicyHarness(
        [byName("imageDigestPinned"), byName("imageTagNotLatest"), byName("readOnlyRootFilesystem")],
        PROD,
      );
      const r = await h.analyze(deployment(spec));
      const note = (p: string) =>
        `can't run policy '${p}' from policy pack 'distroless-guardrails@v0.1.0' during preview: ` +
        "string value at .spec.template.spec.containers.0.image can't be known during preview";
      assert.deepStrictEqual(
        r.previewSkips.map((d) => [d.policyName, d.message, d.enforcementLevel]),
        [
          ["imageDigestPinned", note("imageDigestPinned"), "advisory"],
          ["imageTagNotLatest", note("imageTagNotLatest"), "advisory"],
        ],
      );
      assert.deepStrictEqual(triples(r), [
        [
          "readOnlyRootFilesystem",
          'container "web" must set securityContext.readOnlyRootFilesystem=true',
          "mandatory",
        ],
      ]);
    });

    it("an unknown the rule does not read does not skip it", async () => {
      const spec = mutate((s) => (s.containers![0].env = [{ name: "HOST", value: UNKNOWN }]));
      const r = await new PolicyHarness(hardenedPolicies, PROD).analyze(deployment(spec));
      assert.deepStrictEqual(r.diagnostics, []);
      // The same unknown under a secret-like name is read, so that one rule is skipped.
      const secret = mutate((s) => (s.containers![0].env = [{ name: "DB_PASSWORD", value: UNKNOWN }]));
      const r2 = await new PolicyHarness(hardenedPolicies, PROD).analyze(deployment(secret));
      assert.deepStrictEqual(
        r2.previewSkips.map((d) => d.policyName),
        ["noSecretLiteralsInEnv"],
      );
      assert.deepStrictEqual(r2.violations, []);
    });

    it("an unknown pod template skips every pod policy, and a known value later is enforced", async () => {
      const props = { metadata: { name: "web", namespace: "apps" }, spec: { template: UNKNOWN } };
      const r = await new PolicyHarness([byName("pss-privileged"), byName("runtimeClassGvisor")]).analyze({
        type: POD_TYPES.Deployment,
        name: "web",
        props,
      });
      assert.deepStrictEqual(
        r.previewSkips.map((d) => d.violation.replace(/^.* during preview: /, "")),
        [
          "string value at .spec.template can't be known during preview",
          "string value at .spec.template can't be known during preview",
        ],
      );
      const later = await new PolicyHarness([byName("runtimeClassGvisor")]).analyze(
        deployment(mutate((s) => delete s.runtimeClassName)),
      );
      assert.deepStrictEqual(triples(later), [
        ["runtimeClassGvisor", "pod must set runtimeClassName (allowed: gvisor)", "mandatory"],
      ]);
    });

    it("a stack policy reading an unknown is skipped with a note", async () => {
      const r = await new PolicyHarness([stackPolicies[0]]).analyzeStack([
        { type: "kubernetes:core/v1:Namespace", name: "apps", props: { metadata: { name: UNKNOWN } } },
        deployment(),
      ]);
      assert.deepStrictEqual(
        r.previewSkips.map((d) => d.violation),
        [
          "can't run policy 'workloadsInRestrictedNamespace' from policy pack 'distroless-guardrails@v0.1.0' during preview: string value at .metadata.name can't be known during preview",
        ],
      );
    });

    it("a remediation reading an unknown leaves props unchanged and records the runtime's diagnostic", async () => {
      const spec = mutate((s) => (s.containers = UNKNOWN as unknown as PodSpec["containers"]));
      const res = deployment(spec);
      const h = new PolicyHarness([byName("readOnlyRootFilesystem")], {
        config: { readOnlyRootFilesystem: "remediate" },
      });
      const r = await h.remediate(res);
      assert.deepStrictEqual(r.props, res.props);
      assert.deepStrictEqual(r.remediations, [
        {
          policyName: "readOnlyRootFilesystem",
          properties: undefined,
          diagnostic:
            "can't run remediation 'readOnlyRootFilesystem' from policy pack 'distroless-guardrails@v0.1.0' during preview: string value at .spec.template.spec.containers can't be known during preview",
        },
      ]);
    });
  });

  describe("remediation", () => {
    const REMEDIABLE = [
      "readOnlyRootFilesystem",
      "automountServiceAccountToken",
      "pss-privileged",
      "pss-procMount",
      "pss-procMount_restricted",
      "pss-allowPrivilegeEscalation",
      "pss-runAsNonRoot",
      "pss-capabilities_restricted",
      "pss-seccompProfile_restricted",
      "pss-seccompProfile_baseline",
    ];
    const config = Object.fromEntries(REMEDIABLE.map((n) => [n, "remediate" as const]));
    const insecure = (): PodSpec =>
      mutate((s) => {
        delete s.automountServiceAccountToken;
        s.securityContext = { runAsUser: 65532, runAsGroup: 65532 };
        // privileged=true first: allowPrivilegeEscalation=false is only accepted once it is lifted.
        s.containers![0].securityContext = {
          allowPrivilegeEscalation: true,
          privileged: true,
          procMount: "Unmasked",
        };
        s.containers![0].env = [
          { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } },
        ];
      });

    it("exactly the remediable policies implement remediateResource", () => {
      assert.deepStrictEqual(
        allPolicies
          .filter((p) => (p as ResourceValidationPolicy).remediateResource)
          .map((p) => p.name)
          .sort(),
        // A renamed policy's old name remediates too, for configs that still set it to remediate.
        [...REMEDIABLE, "serviceAccountNoTokenByDefault", "serviceAccountAutomountToken"].sort(),
      );
    });

    it("fixes the safe fields in every pod-carrying kind, then the engine's validation passes", async () => {
      const h = new PolicyHarness(allPolicies, { ...PROD, config });
      for (const [kind, type] of Object.entries(POD_TYPES)) {
        const before = await new PolicyHarness(allPolicies, PROD).analyze({
          type,
          name: "web",
          props: podCarrier(kind, insecure()),
        });
        assert.deepStrictEqual(
          before.violations.map((v) => v.policyName),
          [
            "pss-privileged",
            "pss-allowPrivilegeEscalation",
            "pss-runAsNonRoot",
            "pss-seccompProfile_restricted",
            "pss-capabilities_restricted",
            "pss-procMount_restricted",
            "readOnlyRootFilesystem",
            "automountServiceAccountToken",
          ],
          kind,
        );
        const r = await h.run({ type, name: "web", props: podCarrier(kind, insecure()) });
        assert.deepStrictEqual(r.diagnostics, [], kind);
        const expected = mutate((s) => {
          s.securityContext = {
            runAsUser: 65532,
            runAsGroup: 65532,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          };
          s.containers![0].securityContext = {
            allowPrivilegeEscalation: false,
            privileged: false,
            procMount: "Default",
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
          };
          s.containers![0].env = [
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } },
          ];
        });
        assert.deepStrictEqual(r.remediation.props, podCarrier(kind, expected), kind);
        assert.deepStrictEqual(
          r.remediation.remediations.map((x) => x.policyName),
          [
            "pss-privileged",
            "pss-allowPrivilegeEscalation",
            "pss-runAsNonRoot",
            "pss-seccompProfile_restricted",
            "pss-capabilities_restricted",
            "pss-procMount_restricted",
            "readOnlyRootFilesystem",
            "automountServiceAccountToken",
          ],
        );
      }
    });

    it("leaves compliant resources untouched (no remediation recorded)", async () => {
      const r = await new PolicyHarness(allPolicies, { ...PROD, config }).run(deployment());
      assert.deepStrictEqual(r.remediation.remediations, []);
      assert.deepStrictEqual(r.diagnostics, []);
    });

    it("keeps secrets secret in untouched parts of the props", async () => {
      const res = deployment(insecure());
      const spec = (res.props.spec as { template: { spec: PodSpec } }).template.spec;
      (spec.containers![0].env as unknown[]) = [{ name: "GREETING", value: new Secret("hello") }];
      const r = await new PolicyHarness([byName("readOnlyRootFilesystem")], { config }).remediate(res);
      const env = (r.props.spec as { template: { spec: { containers: { env: { value: unknown }[] }[] } } })
        .template.spec.containers[0].env;
      assert.ok(env[0].value instanceof Secret);
      assert.strictEqual((env[0].value as Secret).value, "hello");
    });

    it("does not remediate what is unsafe to change: a forbidden capability stays and is still reported", async () => {
      const spec = mutate((s) => (s.containers![0].securityContext!.capabilities = { add: ["SYS_ADMIN"] }));
      const r = await new PolicyHarness([byName("pss-capabilities_restricted")], { config }).run(
        deployment(spec),
      );
      assert.deepStrictEqual(
        (r.remediation.props.spec as { template: { spec: PodSpec } }).template.spec.containers![0]
          .securityContext!.capabilities,
        { add: ["SYS_ADMIN"], drop: ["ALL"] },
      );
      assert.deepStrictEqual(triples(r), [
        [
          "pss-capabilities_restricted",
          'unrestricted capabilities (container "web" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
          "mandatory",
        ],
      ]);
    });

    it("remediates a ServiceAccount", async () => {
      const h = new PolicyHarness([byName("serviceAccountNoTokenByDefault")], {
        config: { serviceAccountNoTokenByDefault: "remediate" },
      });
      const r = await h.run({
        type: "kubernetes:core/v1:ServiceAccount",
        name: "web",
        props: { metadata: { name: "web" } },
      });
      assert.deepStrictEqual(r.remediation.props, {
        metadata: { name: "web" },
        automountServiceAccountToken: false,
      });
      assert.deepStrictEqual(r.diagnostics, []);
    });

    it("keeps a renamed policy's old name working for configs that still use it, and off otherwise", async () => {
      const sa = {
        type: "kubernetes:core/v1:ServiceAccount",
        name: "web",
        props: { metadata: { name: "web" } },
      };
      const byDefault = await new PolicyHarness(allPolicies, PROD).run(sa);
      assert.deepStrictEqual(
        byDefault.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
        [["serviceAccountNoTokenByDefault", "advisory"]],
      );
      const oldConfig = await new PolicyHarness(allPolicies, {
        ...PROD,
        config: { serviceAccountAutomountToken: "mandatory" },
      }).run(sa);
      assert.deepStrictEqual(
        oldConfig.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.message]),
        [
          [
            "serviceAccountNoTokenByDefault",
            "advisory",
            'ServiceAccounts must set automountServiceAccountToken=false.\nServiceAccount "web" must set automountServiceAccountToken=false',
          ],
          [
            "serviceAccountAutomountToken",
            "mandatory",
            "Renamed serviceAccountNoTokenByDefault: this name keeps configs that still use it working; set them on serviceAccountNoTokenByDefault.\n" +
              'ServiceAccount "web" must set automountServiceAccountToken=false',
          ],
        ],
      );
    });

    it("withPodSpec replaces only the pod spec of each kind", () => {
      for (const kind of Object.keys(POD_TYPES)) {
        const replaced = withPodSpec(kind, podCarrier(kind, hardenedPodSpec()), { containers: [] });
        assert.deepStrictEqual(replaced, podCarrier(kind, { containers: [] }), kind);
      }
    });
  });

  describe("PSS policies", () => {
    const priv = () => deployment(mutate((s) => (s.containers![0].securityContext!.privileged = true)));

    it("report the check's reason and detail", async () => {
      const r = await new PolicyHarness(pssCheckPolicies).analyze(priv());
      assert.deepStrictEqual(triples(r), [
        [
          "pss-privileged",
          'privileged (container "web" must not set securityContext.privileged=true)',
          "mandatory",
        ],
      ]);
    });

    it("at pssLevel baseline, restricted checks are not applicable and baseline ones are not overridden", async () => {
      const config = Object.fromEntries(pssCheckPolicies.map((p) => [p.name, { pssLevel: "baseline" }]));
      const spec = mutate((s) => {
        s.containers![0].securityContext!.allowPrivilegeEscalation = true;
        s.securityContext!.seccompProfile = { type: "Unconfined" };
      });
      const r = await new PolicyHarness(pssCheckPolicies, { config }).analyze(deployment(spec));
      assert.deepStrictEqual(
        r.violations.map((v) => v.policyName),
        ["pss-seccompProfile_baseline"],
      );
      assert.ok(r.notApplicable.some((n) => n.policyName === "pss-allowPrivilegeEscalation"));
    });

    it("follow pssVersion: a check newer than the version is not applicable", async () => {
      const config = Object.fromEntries(pssCheckPolicies.map((p) => [p.name, { pssVersion: "v1.22" }]));
      const r = await new PolicyHarness(pssCheckPolicies, { config }).analyze(deployment());
      assert.deepStrictEqual(
        r.notApplicable.find((n) => n.policyName === "pss-procMount_restricted"),
        {
          policyName: "pss-procMount_restricted",
          reason: "pss-procMount_restricted does not exist at Pod Security Standards v1.22",
        },
      );
      assert.deepStrictEqual(r.diagnostics, []);
    });

    it("report an invalid pssVersion", async () => {
      const r = await new PolicyHarness([byName("pss-privileged")], {
        config: { "pss-privileged": { pssVersion: "1.30" } },
      }).analyze(priv());
      assert.deepStrictEqual(triples(r), [
        ["pss-privileged", 'invalid pssVersion "1.30"; expected v1.N or latest', "mandatory"],
      ]);
    });
  });

  describe("object and stack policies", () => {
    it("namespacePodSecurityLabels on a Namespace resource", async () => {
      const h = new PolicyHarness([byName("namespacePodSecurityLabels")]);
      const ok = await h.analyze({
        type: "kubernetes:core/v1:Namespace",
        name: "apps",
        props: restrictedNamespace(),
      });
      assert.deepStrictEqual(ok.diagnostics, []);
      const ns = restrictedNamespace("apps", "latest");
      const bad = await h.analyze({ type: "kubernetes:core/v1:Namespace", name: "apps", props: ns });
      assert.deepStrictEqual(
        bad.violations.map((v) => v.violation),
        ["enforce", "audit", "warn"].map(
          (m) =>
            `Namespace "apps" has label pod-security.kubernetes.io/${m}-version="latest"; it must be pinned to a version v1.N`,
        ),
      );
    });

    const stack = (extra: HarnessResource[] = []): HarnessResource[] => [
      { type: "kubernetes:core/v1:Namespace", name: "apps", props: restrictedNamespace("apps") },
      { type: "kubernetes:node.k8s.io/v1:RuntimeClass", name: "gvisor", props: runtimeClass() },
      { type: "docker-build:index:Image", name: "img", props: { ref: UNKNOWN } },
      deployment(),
      ...extra,
    ];

    it("pass a stack with a restricted Namespace, a runsc RuntimeClass and an unrelated unknown", async () => {
      const r = await new PolicyHarness(stackPolicies).analyzeStack(stack());
      assert.deepStrictEqual(r.diagnostics, []);
    });

    it("attribute violations to the offending resource's URN", async () => {
      const rogue = deployment(
        mutate((s) => (s.runtimeClassName = "kata")),
        "rogue",
        "default",
      );
      const r = await new PolicyHarness(stackPolicies).analyzeStack(stack([rogue]));
      assert.deepStrictEqual(
        r.violations.map((v) => [v.policyName, v.violation, v.urn]),
        [
          [
            "workloadsInRestrictedNamespace",
            'Deployment "rogue" is in namespace "default", which is neither a Namespace of the stack nor listed in externalRestrictedNamespaces',
            "urn:pulumi:test::distroless-platform::kubernetes:apps/v1:Deployment::rogue",
          ],
          [
            "runtimeClassHandlerRunsc",
            'Deployment "rogue" uses RuntimeClass "kata", which is neither a RuntimeClass of the stack nor listed in externalRuntimeClasses',
            "urn:pulumi:test::distroless-platform::kubernetes:apps/v1:Deployment::rogue",
          ],
        ],
      );
    });

    it("accept configured external namespaces and runtime classes", async () => {
      const h = new PolicyHarness(stackPolicies, {
        config: {
          workloadsInRestrictedNamespace: { externalRestrictedNamespaces: ["platform"] },
          runtimeClassHandlerRunsc: { externalRuntimeClasses: ["gvisor"] },
        },
      });
      const r = await h.analyzeStack([
        deployment(hardenedPodSpec(), "web", "platform"),
        { ...deployment(), name: "web2" },
      ]);
      assert.deepStrictEqual(
        r.violations.map((v) => v.violation),
        [
          'Deployment "web" is in namespace "apps", which is neither a Namespace of the stack nor listed in externalRestrictedNamespaces',
        ],
      );
    });

    it("see the image digest as the hardened pod uses it", () => {
      assert.ok(IMAGE.includes("@sha256:"));
    });
  });
});
