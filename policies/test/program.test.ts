// The program's own resources (index.ts under Pulumi mocks, for staging and prod) produce zero violations at
// the `hardened` profile, through both ways the pack runs: the CrossGuard policies (in the policy-runtime
// harness, as `pulumi up` would run them) and the plain-manifest checker (on the same resources rendered to
// YAML, as `npm run policy:check -- --profile hardened` would see them). Both must agree on the program.
//
// Pack config per stack, as a stack's policy group would set it:
// - the `environment` stack tag is the stack name (digest pinning is mandatory in prod, advisory in staging);
// - imagePushRegistry allows only the stack's own registry (`<registry.server>/<registry.repositoryPrefix>`);
// - runtimeClassGvisor allows the stack's runtime class;
// - runtimeClassHandlerRunsc lists the adopted RuntimeClass in externalRuntimeClasses: staging and prod run on
//   GKE Sandbox, whose `gvisor` class is created by GKE and only read by the program (RuntimeClass.get), so no
//   declaration of it with handler runsc is in the stack. The program itself refuses to deploy when the class
//   it reads has another handler (GvisorRuntimeClass, existing: true), which is what makes listing it safe;
// - the PSS policies use the namespace's pinned Pod Security Standards version.
// Tests assert that the policies actually ran (and on what), so zero violations cannot come from skipping.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
  isUnknown,
  ofType,
  PROJECT_ROOT,
  runProgram,
  type ProgramRun,
  type RecordedResource,
} from "../../test/helpers/run-program";
import { checkPaths, type CheckSummary, type Violation } from "../cli/check";
import type { CheckOptions } from "../cli/options";
import { allPolicies, pssCheckPolicies } from "../crossguard/policies";
import { isPodCarryingKind, kindOfResourceType, POD_CARRYING_RESOURCE_TYPES } from "../lib/pods";
import { checksFor } from "../pss/registry";
import { BUILDKIT_IMAGE_KIND, IMAGE_RESOURCE_TYPES } from "../images/image";
import {
  type AnalyzeResult,
  type Diagnostic,
  type HarnessResource,
  PolicyHarness,
  type PolicyConfigEntry,
  UNKNOWN,
} from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const IMAGE = "docker-build:index:Image";
/** The program's BuildKitImage builds (dynamic resources marked by their `kind`). */
const DYNAMIC = IMAGE_RESOURCE_TYPES.dynamic;

/** The image builds a run registers, from either builder, with their Dockerfile text. */
function imageBuilds(run: ProgramRun): { name: string; dockerfile: unknown }[] {
  return [
    ...ofType(run, IMAGE).map((i) => ({
      name: i.name,
      dockerfile: (i.inputs.dockerfile as { inline?: unknown } | undefined)?.inline,
    })),
    ...ofType(run, DYNAMIC)
      .filter((i) => i.inputs.kind === BUILDKIT_IMAGE_KIND)
      .map((i) => ({ name: i.name, dockerfile: i.inputs.dockerfile })),
  ];
}
const PROJECT = "distroless-platform";

type Obj = Record<string, unknown>;

/** What the pack config is derived from: the stack's own settings, as the program was given them. */
interface StackFacts {
  readonly stack: string;
  readonly pssVersion: string;
  /** `<server>/<repositoryPrefix>`: where the stack pushes its images. */
  readonly pushRegistry: string;
  readonly runtimeClass: string;
  /** RuntimeClasses the stack adopts (reads) instead of declaring. */
  readonly adoptedRuntimeClasses: string[];
}

function factsOf(stack: string, run: ProgramRun): StackFacts {
  const get = (key: string) => run.config[`${PROJECT}:${key}`] as Obj;
  const namespace = get("namespace") as { pssVersion: string };
  const registry = get("registry") as { server: string; repositoryPrefix: string };
  const rc = get("runtimeClass") as { mode: string; name: string };
  return {
    stack,
    pssVersion: namespace.pssVersion,
    pushRegistry: `${registry.server}/${registry.repositoryPrefix}`,
    runtimeClass: rc.name,
    adoptedRuntimeClasses: rc.mode === "adopt" ? [rc.name] : [],
  };
}

/** The pack config a stack's policy group gives (see the header); `externalRuntimeClasses` may be overridden. */
function packConfig(
  facts: StackFacts,
  externalRuntimeClasses: string[] = facts.adoptedRuntimeClasses,
): Record<string, PolicyConfigEntry> {
  return {
    ...Object.fromEntries(pssCheckPolicies.map((p) => [p.name, { pssVersion: facts.pssVersion }])),
    runtimeClassGvisor: { allowedRuntimeClasses: [facts.runtimeClass] },
    runtimeClassHandlerRunsc: { externalRuntimeClasses },
    imagePushRegistry: { allowedRegistries: [facts.pushRegistry] },
    // Relative Dockerfile and context paths resolve from the Pulumi project, where `pulumi up` runs.
    dockerfileDistroless: { projectDir: PROJECT_ROOT },
  };
}

function harnessFor(facts: StackFacts, externalRuntimeClasses?: string[]): PolicyHarness {
  return new PolicyHarness(allPolicies, {
    stack: facts.stack,
    stackTags: { environment: facts.stack },
    config: packConfig(facts, externalRuntimeClasses),
  });
}

/** Values unknown at preview, as the engine sends them to policies (the mocks record `{__pulumiUnknown}`). */
function engineProps(value: unknown): unknown {
  if (isUnknown(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map(engineProps);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, engineProps(v)]));
  }
  return value;
}

function toHarness(r: RecordedResource): HarnessResource {
  return { type: r.type, name: r.name, props: engineProps(r.inputs) as Obj };
}

/** Every registered resource (components and the read RuntimeClass too), each with every resource policy. */
async function analyzeAll(
  harness: PolicyHarness,
  resources: HarnessResource[],
): Promise<Map<HarnessResource, AnalyzeResult>> {
  const out = new Map<HarnessResource, AnalyzeResult>();
  for (const r of resources) out.set(r, await harness.analyze(r));
  return out;
}

function show(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${d.urn ?? "(stack)"}: ${d.policyName}: ${d.violation}`).join("\n");
}

function showViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.kind}/${v.name}: ${v.policy}: ${v.message}`).join("\n");
}

const RESOURCE_POLICY_NAMES: string[] = allPolicies
  .filter((p) => !("validateStack" in p) && p.enforcementLevel !== "disabled")
  .map((p) => p.name);

/** Resource policies that ran to a verdict on a resource: not disabled (no stack enables one), not notApplicable, not skipped. */
function ranOn(result: AnalyzeResult): string[] {
  const skipped = new Set([
    ...result.notApplicable.map((n) => n.policyName),
    ...result.previewSkips.map((d) => d.policyName),
  ]);
  return RESOURCE_POLICY_NAMES.filter((name) => !skipped.has(name));
}

/** PSS policies that do not run at restricted, each with the restricted check overriding it (as upstream). */
const OVERRIDDEN_AT_RESTRICTED: Readonly<Record<string, string>> = {
  "pss-capabilities_baseline": "pss-capabilities_restricted",
  "pss-hostPathVolumes": "pss-restrictedVolumes",
  "pss-procMount": "pss-procMount_restricted",
  "pss-seccompProfile_baseline": "pss-seccompProfile_restricted",
};

/** The pod rules' policies; digest pinning is the mandatory policy in prod and its advisory twin in staging. */
function podRulePolicies(stack: string): string[] {
  return [
    "readOnlyRootFilesystem",
    "runAsUserAbove10000",
    "runAsGroupAbove10000",
    "resourcesRequestsLimits",
    "imageTagNotLatest",
    stack === "prod" ? "imageDigestPinned" : "imageDigestPinnedAdvisory",
    "automountServiceAccountToken",
    "probesPresent",
    "noExecProbesOrHooks",
    "noContainerRuntimeSocket",
    "noSecretLiteralsInEnv",
    "runtimeClassGvisor",
    "ephemeralContainerImages",
  ];
}

/** Exactly the resource policies that must run on a resource of `type`; none for any other type. */
function expectedPolicies(type: string, stack: string): string[] {
  const pss = pssCheckPolicies.map((p) => p.name).filter((n) => !(n in OVERRIDDEN_AT_RESTRICTED));
  switch (type) {
    case DEPLOYMENT:
      return [...pss, ...podRulePolicies(stack)];
    case NAMESPACE:
      return ["namespacePodSecurityLabels"];
    case SERVICE_ACCOUNT:
      return ["serviceAccountNoTokenByDefault"];
    case IMAGE:
      return ["dockerfileDistroless", "imagePlatforms", "imagePushRegistry"];
    case DYNAMIC:
      // BuildKit builds and vulnerability scans share the dynamic type; each policy looks at its own kind.
      return ["dockerfileDistroless", "imagePlatforms", "imagePushRegistry", "imageVulnerabilities"];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The plain-manifest path: the program's Kubernetes resources as one multi-document YAML file.

/** `kubernetes:apps/v1:Deployment` → `apps/v1`; the core group is written without a group (`v1`). */
function apiVersionOf(type: string): string {
  const m = /^kubernetes:([^:]+):[A-Za-z]+$/.exec(type);
  if (!m) throw new Error(`${type} is not a Kubernetes resource type`);
  return m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1];
}

/** The manifest of a declared Kubernetes resource: apiVersion and kind from the type token, the rest from inputs. */
function manifestOf(r: RecordedResource): Obj {
  const kind = kindOfResourceType(r.type);
  if (kind === undefined) throw new Error(`${r.type} has no kind`);
  const apiVersion = apiVersionOf(r.type);
  // The SDK sends apiVersion and kind as inputs too; they must agree with the type token.
  if (r.inputs.apiVersion !== undefined)
    assert.equal(r.inputs.apiVersion, apiVersion, `${r.name} apiVersion`);
  if (r.inputs.kind !== undefined) assert.equal(r.inputs.kind, kind, `${r.name} kind`);
  const { apiVersion: _a, kind: _k, ...rest } = r.inputs;
  return { apiVersion, kind, ...rest };
}

/** Kubernetes objects the program declares (read resources are the cluster's, not the program's). */
function declaredKubernetes(run: ProgramRun): RecordedResource[] {
  return run.resources.filter((r) => r.custom && r.readId === undefined && r.type.startsWith("kubernetes:"));
}

interface Rendered {
  dir: string;
  yamlFile: string;
  manifests: Obj[];
  dockerfiles: string[];
}

/** Writes the manifests to `<dir>/program.yaml` and each image's inline Dockerfile to `<dir>/<image>.Dockerfile`. */
function render(run: ProgramRun, mutate: (manifests: Obj[]) => void = () => undefined): Rendered {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "program-policies-"));
  const manifests = declaredKubernetes(run).map(manifestOf);
  mutate(manifests);
  const yamlFile = path.join(dir, "program.yaml");
  fs.writeFileSync(yamlFile, manifests.map((m) => stringify(m)).join("---\n"));
  const dockerfiles: string[] = [];
  for (const image of imageBuilds(run)) {
    assert.equal(typeof image.dockerfile, "string", `${image.name} builds from an inline Dockerfile`);
    const file = path.join(dir, `${image.name}.Dockerfile`);
    fs.writeFileSync(file, image.dockerfile as string);
    dockerfiles.push(file);
  }
  return { dir, yamlFile, manifests, dockerfiles };
}

function cliOptions(facts: StackFacts, externalRuntimeClasses = facts.adoptedRuntimeClasses): CheckOptions {
  return {
    profile: "hardened",
    pssVersion: facts.pssVersion,
    environment: facts.stack,
    allowedRuntimeClasses: [facts.runtimeClass],
    externalRuntimeClasses,
  };
}

function checkRendered(rendered: Rendered, options: CheckOptions): CheckSummary {
  return checkPaths([rendered.yamlFile, ...rendered.dockerfiles], options);
}

function deploymentContainer(manifest: Obj): Obj {
  const spec = (manifest.spec as Obj).template as Obj;
  return ((spec.spec as Obj).containers as Obj[])[0];
}

/** A deep copy of the resource with `privileged: true` in its first container's securityContext. */
function privileged(r: HarnessResource): HarnessResource {
  const props = structuredClone(r.props);
  const sc = deploymentContainer(props).securityContext as Obj;
  sc.privileged = true;
  return { ...r, props };
}

// ---------------------------------------------------------------------------------------------------------------

const EXPECTED_DEPLOYMENTS = ["go-service-stable", "node-service-canary", "node-service-stable"];
/**
 * Deployments whose image is built this run, so unknown at preview. node-service's stable track runs the
 * digest-pinned services[].stableImage from the stack config while its canary runs: known, checked at preview.
 */
const BUILT_IMAGE_DEPLOYMENTS = ["go-service-stable", "node-service-canary"];

for (const stack of ["staging", "prod"] as const) {
  describe(`the program's ${stack} stack at the hardened profile`, () => {
    let run: ProgramRun;
    let facts: StackFacts;
    let resources: HarnessResource[];
    let results: Map<HarnessResource, AnalyzeResult>;
    let stackResult: AnalyzeResult;

    before(async () => {
      run = await runProgram(stack);
      facts = factsOf(stack, run);
      resources = run.resources.map(toHarness);
      const harness = harnessFor(facts);
      results = await analyzeAll(harness, resources);
      stackResult = await harness.analyzeStack(resources);
    });

    it("derives the pack config from the stack: its registry, its pinned PSS version, the adopted gvisor class", () => {
      assert.deepEqual(facts, {
        stack,
        pssVersion: "v1.37",
        pushRegistry: "ghcr.io/acme/distroless-platform",
        runtimeClass: "gvisor",
        adoptedRuntimeClasses: ["gvisor"],
      });
      // The adopted class is read, never declared: nothing in the stack states its handler.
      const read = run.resources.filter((r) => r.readId !== undefined);
      assert.deepEqual(
        read.map((r) => [r.type, r.readId]),
        [["kubernetes:node.k8s.io/v1:RuntimeClass", "gvisor"]],
      );
    });

    it("CrossGuard: every resource passes every resource policy (zero diagnostics)", () => {
      const diagnostics = [...results.values()].flatMap((r) => r.diagnostics);
      assert.deepEqual(diagnostics, [], `unexpected diagnostics:\n${show(diagnostics)}`);
    });

    it("CrossGuard: the stack policies pass and both ran", () => {
      assert.deepEqual(
        stackResult.diagnostics,
        [],
        `unexpected diagnostics:\n${show(stackResult.diagnostics)}`,
      );
      assert.deepEqual(stackResult.notApplicable, []);
    });

    it("CrossGuard: checks every Deployment the program registered, and only those carry pods", () => {
      const podCarrying = resources.filter((r) => POD_CARRYING_RESOURCE_TYPES.includes(r.type));
      const deployments = ofType(run, DEPLOYMENT);
      assert.ok(podCarrying.length > 0, "no pod-carrying resource was checked");
      assert.equal(podCarrying.length, deployments.length);
      assert.deepEqual(podCarrying.map((r) => r.name).sort(), EXPECTED_DEPLOYMENTS);
    });

    it("CrossGuard: exactly the expected policies ran to a verdict on each resource", () => {
      const ran = Object.fromEntries(resources.map((r) => [`${r.type} ${r.name}`, ranOn(results.get(r)!)]));
      const expected = Object.fromEntries(
        resources.map((r) => [`${r.type} ${r.name}`, expectedPolicies(r.type, stack)]),
      );
      assert.deepEqual(ran, expected);
      // 15 PSS checks at restricted v1.37 (the registry's own count) and 12 pod rules on each Deployment.
      const pssRan = expectedPolicies(DEPLOYMENT, stack).filter((n) => n.startsWith("pss-"));
      assert.deepEqual(
        pssRan.slice().sort(),
        checksFor("restricted", facts.pssVersion)
          .map(({ check }) => `pss-${check.id}`)
          .sort(),
      );
      assert.equal(pssRan.length, 15);
    });

    it("CrossGuard: the PSS checks not run on a Deployment are exactly those overridden at restricted", () => {
      for (const r of resources.filter((x) => x.type === DEPLOYMENT)) {
        const na = results.get(r)!.notApplicable.filter((n) => n.policyName.startsWith("pss-"));
        assert.deepEqual(
          na,
          Object.entries(OVERRIDDEN_AT_RESTRICTED).map(([policyName, by]) => ({
            policyName,
            reason: `${policyName} is overridden by ${by} at restricted`,
          })),
          r.name,
        );
      }
    });

    it("CrossGuard: a privileged container in one Deployment is reported by pss-privileged alone", async () => {
      const target = resources.find((r) => r.type === DEPLOYMENT && r.name === "node-service-stable")!;
      const harness = harnessFor(facts);
      const result = await harness.analyze(privileged(target));
      assert.deepEqual(
        result.diagnostics.map((d) => [d.policyName, d.kind, d.violation, d.enforcementLevel]),
        [
          [
            "pss-privileged",
            "violation",
            'privileged (container "node-service" must not set securityContext.privileged=true)',
            "mandatory",
          ],
        ],
      );
      // The original resource is untouched and still passes.
      assert.deepEqual((await harness.analyze(target)).diagnostics, []);
    });

    it("CrossGuard: without the adopted class in externalRuntimeClasses every Deployment is reported", async () => {
      const result = await harnessFor(facts, []).analyzeStack(resources);
      assert.deepEqual(
        result.violations.map((d) => [d.policyName, d.violation]).sort(),
        EXPECTED_DEPLOYMENTS.map((name) => [
          "runtimeClassHandlerRunsc",
          `Deployment "${name}" uses RuntimeClass "gvisor", which is neither a RuntimeClass of the stack nor listed in externalRuntimeClasses`,
        ]),
      );
    });

    it("CrossGuard at preview: no violation; only the image rules of built images wait for their digests", async () => {
      const preview = await runProgram(stack, { preview: true });
      const previewResources = preview.resources.map(toHarness);
      const harness = harnessFor(facts);
      const perResource = await analyzeAll(harness, previewResources);
      const violations = [...perResource.values()].flatMap((r) => r.violations);
      assert.deepEqual(violations, [], `unexpected violations:\n${show(violations)}`);
      const skips = [...perResource.entries()].flatMap(([r, res]) =>
        res.previewSkips.map((d) => `${r.name} ${d.policyName}`),
      );
      const digestPolicy = stack === "prod" ? "imageDigestPinned" : "imageDigestPinnedAdvisory";
      assert.deepEqual(
        skips.sort(),
        BUILT_IMAGE_DEPLOYMENTS.flatMap((name) => [
          `${name} ${digestPolicy}`,
          `${name} imageTagNotLatest`,
        ]).sort(),
      );
      const stackPreview = await harness.analyzeStack(previewResources);
      assert.deepEqual(stackPreview.diagnostics, [], show(stackPreview.diagnostics));
    });

    describe("plain-manifest checker on the same resources", () => {
      let rendered: Rendered;
      let summary: CheckSummary;

      before(() => {
        rendered = render(run);
        summary = checkRendered(rendered, cliOptions(facts));
      });
      after(() => fs.rmSync(rendered.dir, { recursive: true, force: true }));

      it("renders every declared Kubernetes resource with apiVersion and kind from its type token", () => {
        assert.deepEqual(
          rendered.manifests.map((m) => `${m.apiVersion as string} ${m.kind as string}`).sort(),
          [
            "apps/v1 Deployment",
            "apps/v1 Deployment",
            "apps/v1 Deployment",
            "networking.k8s.io/v1 NetworkPolicy",
            "networking.k8s.io/v1 NetworkPolicy",
            "networking.k8s.io/v1 NetworkPolicy",
            "networking.k8s.io/v1 NetworkPolicy",
            "policy/v1 PodDisruptionBudget",
            "policy/v1 PodDisruptionBudget",
            "policy/v1 PodDisruptionBudget",
            "v1 LimitRange",
            "v1 Namespace",
            "v1 ResourceQuota",
            "v1 Service",
            "v1 Service",
            "v1 ServiceAccount",
            "v1 ServiceAccount",
          ],
        );
      });

      it("finds zero violations and no input errors", () => {
        assert.deepEqual(
          summary.violations,
          [],
          `unexpected violations:\n${showViolations(summary.violations)}`,
        );
        assert.deepEqual(summary.errors, []);
        assert.equal(summary.pssVersion, facts.pssVersion);
      });

      it("checked every object, every Deployment's pod and every image's Dockerfile", () => {
        assert.equal(summary.objects, rendered.manifests.length);
        const podCarrying = rendered.manifests.filter((m) => isPodCarryingKind(m.kind as string));
        assert.ok(podCarrying.length > 0, "no pod-carrying object was checked");
        assert.equal(podCarrying.length, ofType(run, DEPLOYMENT).length);
        assert.equal(summary.dockerfiles, imageBuilds(run).length);
        // One image per service: only the working tree's version is built.
        assert.equal(summary.dockerfiles, 2);
      });

      it("agrees with CrossGuard on a privileged container: pss-privileged alone, on that Deployment", () => {
        const mutated = render(run, (manifests) => {
          const d = manifests.find(
            (m) => m.kind === "Deployment" && (m.metadata as Obj).name === "node-service-stable",
          )!;
          (deploymentContainer(d).securityContext as Obj).privileged = true;
        });
        try {
          const result = checkRendered(mutated, cliOptions(facts));
          assert.deepEqual(
            result.violations.map((v) => [v.kind, v.name, v.policy, v.message, v.enforcement]),
            [
              [
                "Deployment",
                "node-service-stable",
                "pss-privileged",
                'privileged (container "node-service" must not set securityContext.privileged=true)',
                "mandatory",
              ],
            ],
          );
        } finally {
          fs.rmSync(mutated.dir, { recursive: true, force: true });
        }
      });

      it("agrees with CrossGuard without the external class: runtimeClassHandlerRunsc on every Deployment", () => {
        const result = checkRendered(rendered, cliOptions(facts, []));
        assert.deepEqual(
          result.violations.map((v) => [v.name, v.policy]).sort(),
          EXPECTED_DEPLOYMENTS.map((name) => [name, "runtimeClassHandlerRunsc"]),
        );
      });
    });
  });
}
