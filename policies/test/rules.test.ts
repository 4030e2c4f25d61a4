// Each rule of sections 2–3 as a pure function: a failing case per way to fail (exact message) and a
// passing case; remediations return a fixed copy that passes and leave their input untouched.
import * as assert from "assert";
import type { Container, PodSpec } from "../lib/k8s";
import {
  currentPolicyName,
  RENAMED_POLICIES,
  ruleConfig,
  type PodRule,
  type PodRuleContext,
  type RuleConfig,
  type StackObject,
} from "../lib/rule";
import { automountServiceAccountToken } from "../rules/automountServiceAccountToken";
import { parseImageRef } from "../lib/image-ref";
import { digestEnforcement, imageDigestPinned } from "../rules/imageDigestPinned";
import { imageTagNotLatest } from "../rules/imageTagNotLatest";
import { OBJECT_RULES, POD_RULES, STACK_RULES } from "../rules";
import { namespacePodSecurityLabels } from "../rules/namespacePodSecurityLabels";
import { exposedSocket, noContainerRuntimeSocket } from "../rules/noContainerRuntimeSocket";
import { noExecProbesOrHooks } from "../rules/noExecProbesOrHooks";
import { isSecretName, noSecretLiteralsInEnv } from "../rules/noSecretLiteralsInEnv";
import { probesPresent } from "../rules/probesPresent";
import { PSS_REMEDIATIONS } from "../rules/pssRemediations";
import { readOnlyRootFilesystem } from "../rules/readOnlyRootFilesystem";
import { resourcesRequestsLimits } from "../rules/resourcesRequestsLimits";
import { runAsGroupAbove10000 } from "../rules/runAsGroupAbove10000";
import { runAsUserAbove10000 } from "../rules/runAsUserAbove10000";
import { runtimeClassGvisor } from "../rules/runtimeClassGvisor";
import { ephemeralContainerImages } from "../rules/ephemeralContainerImages";
import { runtimeClassHandlerRunsc } from "../rules/runtimeClassHandlerRunsc";
import { serviceAccountNoTokenByDefault } from "../rules/serviceAccountNoTokenByDefault";
import { workloadsInRestrictedNamespace } from "../rules/workloadsInRestrictedNamespace";
import { PSS_CHECKS_BY_ID } from "../pss/registry";
import { hardenedPodSpec, podCarrier, restrictedNamespace, runtimeClass } from "./hardenedFixtures";

function ctx(spec: PodSpec, kind = "Deployment", config: Partial<RuleConfig> = {}): PodRuleContext {
  return { kind, name: "web", namespace: "apps", metadata: {}, spec, config: ruleConfig(config) };
}

/** The hardened spec with `edit` applied to a deep copy. */
function mutate(edit: (s: PodSpec) => void): PodSpec {
  const s = structuredClone(hardenedPodSpec());
  edit(s);
  return s;
}

function web(s: PodSpec): Container {
  return s.containers![0];
}

const check = (rule: PodRule, spec: PodSpec, kind?: string, config?: Partial<RuleConfig>) =>
  rule.check(ctx(spec, kind, config));

describe("rule modules", () => {
  it("the hardened pod passes every pod rule, in every pod-carrying kind", () => {
    for (const kind of [
      "Pod",
      "PodTemplate",
      "ReplicationController",
      "ReplicaSet",
      "Deployment",
      "DaemonSet",
    ]) {
      for (const rule of POD_RULES)
        assert.deepStrictEqual(check(rule, hardenedPodSpec(), kind), [], rule.name);
    }
  });

  it("lists 13 pod rules, 2 object rules and 2 stack rules with unique names", () => {
    const names = [...POD_RULES, ...OBJECT_RULES, ...STACK_RULES].map((r) => r.name);
    assert.strictEqual(POD_RULES.length, 13);
    assert.strictEqual(OBJECT_RULES.length, 2);
    assert.strictEqual(STACK_RULES.length, 2);
    assert.strictEqual(new Set(names).size, names.length);
  });

  it("maps each renamed policy's old name to a current policy that no current policy's old name shadows", () => {
    const names = new Set([...POD_RULES, ...OBJECT_RULES, ...STACK_RULES].map((r) => r.name));
    assert.ok(Object.keys(RENAMED_POLICIES).length > 0);
    for (const [old, current] of Object.entries(RENAMED_POLICIES)) {
      assert.ok(names.has(current), `${old} → ${current}, which is no policy`);
      assert.ok(!names.has(old), `${old} is still a policy's name`);
      assert.equal(currentPolicyName(old), current);
      assert.equal(currentPolicyName(current), current);
    }
    assert.equal(currentPolicyName("readOnlyRootFilesystem"), "readOnlyRootFilesystem");
  });

  describe("readOnlyRootFilesystem", () => {
    it("fails when unset, false, or missing on an init or ephemeral container", () => {
      assert.deepStrictEqual(
        check(
          readOnlyRootFilesystem,
          mutate((s) => {
            delete web(s).securityContext!.readOnlyRootFilesystem;
            s.initContainers = [{ name: "init", securityContext: { readOnlyRootFilesystem: false } }];
            s.ephemeralContainers = [{ name: "debug" }];
          }),
        ),
        [
          'container "web" must set securityContext.readOnlyRootFilesystem=true',
          'initContainer "init" must set securityContext.readOnlyRootFilesystem=true',
          'ephemeralContainer "debug" must set securityContext.readOnlyRootFilesystem=true',
        ],
      );
    });
    it("names unnamed containers by index", () => {
      assert.deepStrictEqual(check(readOnlyRootFilesystem, { containers: [{}] }), [
        "container #0 must set securityContext.readOnlyRootFilesystem=true",
      ]);
    });
    it("remediates every container without mutating the input", () => {
      const input: PodSpec = {
        containers: [{ name: "a" }],
        initContainers: [{ name: "b", securityContext: { runAsUser: 1 } }],
      };
      const before = structuredClone(input);
      const fixed = readOnlyRootFilesystem.remediate!(input);
      assert.deepStrictEqual(input, before);
      assert.deepStrictEqual(fixed, {
        containers: [{ name: "a", securityContext: { readOnlyRootFilesystem: true } }],
        initContainers: [{ name: "b", securityContext: { runAsUser: 1, readOnlyRootFilesystem: true } }],
      });
      assert.deepStrictEqual(check(readOnlyRootFilesystem, fixed), []);
    });
  });

  describe("runAsUserAbove10000 / runAsGroupAbove10000", () => {
    it("65532 passes, from the pod or the container", () => {
      assert.deepStrictEqual(check(runAsUserAbove10000, hardenedPodSpec()), []);
      const own = mutate((s) => {
        delete s.securityContext!.runAsUser;
        web(s).securityContext!.runAsUser = 65532;
      });
      assert.deepStrictEqual(check(runAsUserAbove10000, own), []);
      assert.deepStrictEqual(
        check(
          runAsUserAbove10000,
          mutate((s) => (s.securityContext!.runAsUser = 10001)),
        ),
        [],
      );
    });
    it("fails when unset anywhere", () => {
      assert.deepStrictEqual(
        check(
          runAsUserAbove10000,
          mutate((s) => delete s.securityContext!.runAsUser),
        ),
        ['container "web" must set runAsUser > 10000 (in the container or pod securityContext)'],
      );
      assert.deepStrictEqual(
        check(
          runAsGroupAbove10000,
          mutate((s) => delete s.securityContext!.runAsGroup),
        ),
        ['container "web" must set runAsGroup > 10000 (in the container or pod securityContext)'],
      );
    });
    it("fails at 10000 or below, naming where the value comes from", () => {
      assert.deepStrictEqual(
        check(
          runAsUserAbove10000,
          mutate((s) => (s.securityContext!.runAsUser = 10000)),
        ),
        ['container "web" has runAsUser=10000 (from pod securityContext); it must be > 10000'],
      );
      assert.deepStrictEqual(
        check(
          runAsGroupAbove10000,
          mutate((s) => (web(s).securityContext!.runAsGroup = 0)),
        ),
        ['container "web" has runAsGroup=0 (from container securityContext); it must be > 10000'],
      );
    });
    it("checks init containers, where the container value overrides the pod", () => {
      const s = mutate((x) => (x.initContainers = [{ name: "init", securityContext: { runAsUser: 1000 } }]));
      assert.deepStrictEqual(check(runAsUserAbove10000, s), [
        'initContainer "init" has runAsUser=1000 (from container securityContext); it must be > 10000',
      ]);
    });
  });

  describe("resourcesRequestsLimits", () => {
    it("fails listing every missing field, for containers and init containers", () => {
      const s = mutate((x) => {
        delete web(x).resources!.limits!.memory;
        x.initContainers = [{ name: "init", resources: { requests: { cpu: "10m" } } }];
      });
      assert.deepStrictEqual(check(resourcesRequestsLimits, s), [
        'container "web" must set resources.limits.memory',
        'initContainer "init" must set resources.requests.memory, resources.limits.cpu, resources.limits.memory',
      ]);
    });
    it("fails on empty values and passes numbers", () => {
      const s = mutate(
        (x) => (web(x).resources = { requests: { cpu: "", memory: 1024 }, limits: { cpu: 1, memory: 2048 } }),
      );
      assert.deepStrictEqual(check(resourcesRequestsLimits, s), [
        'container "web" must set resources.requests.cpu',
      ]);
    });
    it("does not check ephemeral containers (the API forbids resources there)", () => {
      assert.deepStrictEqual(
        check(
          resourcesRequestsLimits,
          mutate((x) => (x.ephemeralContainers = [{ name: "d" }])),
        ),
        [],
      );
    });
  });

  describe("imageTagNotLatest", () => {
    it("passes a version tag, a digest without a tag, a registry port", () => {
      for (const image of [
        "app:1.0",
        `app@sha256:${"b".repeat(64)}`,
        "localhost:5000/app:2",
        "gcr.io/x/y:v1",
      ]) {
        assert.deepStrictEqual(
          check(
            imageTagNotLatest,
            mutate((s) => (web(s).image = image)),
          ),
          [],
          image,
        );
      }
    });
    it("fails latest, no tag, and no image", () => {
      assert.deepStrictEqual(
        check(
          imageTagNotLatest,
          mutate((s) => (web(s).image = "nginx:latest")),
        ),
        ['container "web" image "nginx:latest" uses the "latest" tag; use a version tag or a digest'],
      );
      assert.deepStrictEqual(
        check(
          imageTagNotLatest,
          mutate((s) => (web(s).image = "localhost:5000/nginx")),
        ),
        ['container "web" image "localhost:5000/nginx" has no tag; use a version tag or a digest'],
      );
      assert.deepStrictEqual(
        check(
          imageTagNotLatest,
          mutate((s) => delete web(s).image),
        ),
        ['container "web" must set an image'],
      );
    });
    it("parses references", () => {
      assert.deepStrictEqual(parseImageRef("localhost:5000/a/b:1@sha256:x"), {
        repository: "localhost:5000/a/b",
        tag: "1",
        digest: "sha256:x",
      });
      assert.deepStrictEqual(parseImageRef("localhost:5000/a"), { repository: "localhost:5000/a" });
    });
  });

  describe("imageDigestPinned", () => {
    it("fails a tag-only image, a malformed digest and a missing image", () => {
      assert.deepStrictEqual(
        check(
          imageDigestPinned,
          mutate((s) => (web(s).image = "gcr.io/acme/web:1.2.3")),
        ),
        ['container "web" image "gcr.io/acme/web:1.2.3" is not pinned by digest (name@sha256:...)'],
      );
      assert.deepStrictEqual(
        check(
          imageDigestPinned,
          mutate((s) => (web(s).image = "web@sha256:abc")),
        ),
        ['container "web" image "web@sha256:abc" has a malformed digest; expected sha256: and 64 hex digits'],
      );
      assert.deepStrictEqual(
        check(
          imageDigestPinned,
          mutate((s) => (web(s).image = "")),
        ),
        ['container "web" must set an image pinned by digest'],
      );
    });
    it("enforcement follows the environment: mandatory in prod, advisory in staging, default elsewhere", () => {
      assert.strictEqual(digestEnforcement(ruleConfig({ environment: "prod" })), "mandatory");
      assert.strictEqual(digestEnforcement(ruleConfig({ environment: "staging" })), "advisory");
      assert.strictEqual(digestEnforcement(ruleConfig({ environment: "dev" })), "advisory");
      assert.strictEqual(
        digestEnforcement(ruleConfig({ environment: "dev", requireDigestDefault: "disabled" })),
        "disabled",
      );
    });
    it("reports nothing where the environment disables it", () => {
      const s = mutate((x) => (web(x).image = "app:1"));
      assert.deepStrictEqual(
        check(imageDigestPinned, s, "Deployment", { environment: "dev", requireDigest: { dev: "disabled" } }),
        [],
      );
    });
  });

  describe("automountServiceAccountToken", () => {
    it("fails unset or true; remediates to false", () => {
      const msg = ["pod must set automountServiceAccountToken=false"];
      assert.deepStrictEqual(
        check(
          automountServiceAccountToken,
          mutate((s) => delete s.automountServiceAccountToken),
        ),
        msg,
      );
      const on = mutate((s) => (s.automountServiceAccountToken = true));
      assert.deepStrictEqual(check(automountServiceAccountToken, on), msg);
      const fixed = automountServiceAccountToken.remediate!(on);
      assert.strictEqual(fixed.automountServiceAccountToken, false);
      assert.strictEqual(on.automountServiceAccountToken, true);
    });
    it("ServiceAccount rule: fails unset, passes false, remediates", () => {
      const c = (obj: Record<string, unknown>) =>
        serviceAccountNoTokenByDefault.check({
          kind: "ServiceAccount",
          name: "web",
          obj,
          config: ruleConfig(),
        });
      assert.deepStrictEqual(c({ metadata: { name: "web" } }), [
        'ServiceAccount "web" must set automountServiceAccountToken=false',
      ]);
      assert.deepStrictEqual(c({ automountServiceAccountToken: false }), []);
      assert.deepStrictEqual(serviceAccountNoTokenByDefault.remediate!({ metadata: { name: "web" } }), {
        metadata: { name: "web" },
        automountServiceAccountToken: false,
      });
    });
  });

  describe("probesPresent", () => {
    it("fails each missing probe of regular containers", () => {
      const s = mutate((x) => {
        delete web(x).livenessProbe;
        x.containers!.push({ name: "side", livenessProbe: { tcpSocket: { port: 1 } } });
        x.initContainers = [{ name: "init" }];
      });
      assert.deepStrictEqual(check(probesPresent, s), [
        'container "web" must define a livenessProbe',
        'container "side" must define a readinessProbe',
      ]);
    });
    it("does not apply to Jobs and CronJobs", () => {
      const s = mutate((x) => delete web(x).readinessProbe);
      assert.deepStrictEqual(check(probesPresent, s, "Job"), []);
      assert.deepStrictEqual(check(probesPresent, s, "CronJob"), []);
      assert.deepStrictEqual(check(probesPresent, s, "StatefulSet"), [
        'container "web" must define a readinessProbe',
      ]);
    });
  });

  describe("noExecProbesOrHooks", () => {
    it("fails exec in each probe and hook, in any container list", () => {
      const exec = { exec: { command: ["/bin/sh", "-c", "true"] } };
      const s = mutate((x) => {
        web(x).livenessProbe = exec;
        web(x).startupProbe = exec;
        web(x).lifecycle = { preStop: exec, postStart: { httpGet: { path: "/", port: 1 } } };
        x.initContainers = [{ name: "side", readinessProbe: exec, lifecycle: { postStart: exec } }];
      });
      assert.deepStrictEqual(check(noExecProbesOrHooks, s), [
        'container "web" livenessProbe uses exec; a distroless image has no shell: use httpGet, grpc or tcpSocket',
        'container "web" startupProbe uses exec; a distroless image has no shell: use httpGet, grpc or tcpSocket',
        'container "web" lifecycle.preStop uses exec; a distroless image has no shell: use httpGet or sleep',
        'initContainer "side" readinessProbe uses exec; a distroless image has no shell: use httpGet, grpc or tcpSocket',
        'initContainer "side" lifecycle.postStart uses exec; a distroless image has no shell: use httpGet or sleep',
      ]);
    });
    it("passes httpGet, grpc, tcpSocket probes and a sleep hook", () => {
      const s = mutate((x) => {
        web(x).startupProbe = { tcpSocket: { port: 8080 } };
        web(x).lifecycle = { preStop: { sleep: { seconds: 5 } } };
      });
      assert.deepStrictEqual(check(noExecProbesOrHooks, s), []);
    });
  });

  describe("noContainerRuntimeSocket", () => {
    it("fails each runtime socket and any directory above one", () => {
      const paths = [
        "/var/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/var/run/",
        "/",
      ];
      const s = mutate((x) => {
        x.volumes = paths.map((path, i) => ({ name: `v${i}`, hostPath: { path } }));
        x.volumes.push({ hostPath: { path: "/run/docker.sock", type: "Socket" } });
      });
      assert.deepStrictEqual(check(noContainerRuntimeSocket, s), [
        'volume "v0" hostPath "/var/run/docker.sock" exposes the container runtime socket /var/run/docker.sock',
        'volume "v1" hostPath "/run/containerd/containerd.sock" exposes the container runtime socket /run/containerd/containerd.sock',
        'volume "v2" hostPath "/var/run/crio/crio.sock" exposes the container runtime socket /var/run/crio/crio.sock',
        'volume "v3" hostPath "/var/run/" exposes the container runtime socket /var/run/docker.sock',
        'volume "v4" hostPath "/" exposes the container runtime socket /var/run/docker.sock',
        'volume #5 hostPath "/run/docker.sock" exposes the container runtime socket /run/docker.sock',
      ]);
    });
    it("passes other host paths and non-hostPath volumes", () => {
      assert.strictEqual(exposedSocket("/var/log"), undefined);
      assert.strictEqual(exposedSocket("/var/run/docker.sock.bak"), undefined);
      assert.strictEqual(exposedSocket("/var//run/./docker.sock"), "/var/run/docker.sock");
      const s = mutate((x) => x.volumes!.push({ name: "logs", hostPath: { path: "/var/log" } }));
      assert.deepStrictEqual(check(noContainerRuntimeSocket, s), []);
    });
  });

  describe("noSecretLiteralsInEnv", () => {
    it("fails a literal in a secret-named variable, in every container list", () => {
      const s = mutate((x) => {
        web(x).env = [
          { name: "DB_PASSWORD", value: "hunter2" },
          { name: "apiKey", value: "k" },
          { name: "GITHUB_TOKEN", value: "t" },
          { name: "AWS_SECRET_ACCESS_KEY", value: "s" },
        ];
        x.initContainers = [{ name: "init", env: [{ name: "Credentials", value: "c" }] }];
      });
      assert.deepStrictEqual(check(noSecretLiteralsInEnv, s), [
        'container "web" env "DB_PASSWORD" sets a literal value; reference a Secret with valueFrom.secretKeyRef',
        'container "web" env "apiKey" sets a literal value; reference a Secret with valueFrom.secretKeyRef',
        'container "web" env "GITHUB_TOKEN" sets a literal value; reference a Secret with valueFrom.secretKeyRef',
        'container "web" env "AWS_SECRET_ACCESS_KEY" sets a literal value; reference a Secret with valueFrom.secretKeyRef',
        'initContainer "init" env "Credentials" sets a literal value; reference a Secret with valueFrom.secretKeyRef',
      ]);
    });
    it("passes secretKeyRef, empty values and ordinary names", () => {
      const s = mutate(
        (x) =>
          (web(x).env = [
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
            { name: "TOKEN", value: "" },
            { name: "PORT", value: "8080" },
            { name: "MONKEY_MODE", value: "on" },
          ]),
      );
      assert.deepStrictEqual(check(noSecretLiteralsInEnv, s), []);
      assert.strictEqual(isSecretName("keycloak_url"), false);
      assert.strictEqual(isSecretName("SIGNING_KEY"), true);
    });
  });

  describe("runtimeClassGvisor", () => {
    it("fails unset and not-allowed classes; passes a configured class", () => {
      assert.deepStrictEqual(
        check(
          runtimeClassGvisor,
          mutate((s) => delete s.runtimeClassName),
        ),
        ["pod must set runtimeClassName (allowed: gvisor)"],
      );
      assert.deepStrictEqual(
        check(
          runtimeClassGvisor,
          mutate((s) => (s.runtimeClassName = "runc")),
        ),
        ['pod runtimeClassName "runc" is not allowed (allowed: gvisor)'],
      );
      const kata = mutate((s) => (s.runtimeClassName = "gvisor-gpu"));
      assert.deepStrictEqual(
        check(runtimeClassGvisor, kata, "Pod", { allowedRuntimeClasses: ["gvisor", "gvisor-gpu"] }),
        [],
      );
    });
  });

  describe("namespacePodSecurityLabels", () => {
    const c = (obj: Record<string, unknown>) =>
      namespacePodSecurityLabels.check({ kind: "Namespace", name: "apps", obj, config: ruleConfig() });
    it("passes all three modes restricted at a pinned version", () => {
      assert.deepStrictEqual(c(restrictedNamespace()), []);
    });
    it("fails missing labels", () => {
      assert.deepStrictEqual(c({ metadata: { name: "apps" } }), [
        'Namespace "apps" must set label pod-security.kubernetes.io/enforce=restricted',
        'Namespace "apps" must pin label pod-security.kubernetes.io/enforce-version to a version v1.N',
        'Namespace "apps" must set label pod-security.kubernetes.io/audit=restricted',
        'Namespace "apps" must pin label pod-security.kubernetes.io/audit-version to a version v1.N',
        'Namespace "apps" must set label pod-security.kubernetes.io/warn=restricted',
        'Namespace "apps" must pin label pod-security.kubernetes.io/warn-version to a version v1.N',
      ]);
    });
    it("fails a weaker level, latest and a malformed version", () => {
      const ns = restrictedNamespace();
      const labels = (ns.metadata as { labels: Record<string, string> }).labels;
      labels["pod-security.kubernetes.io/enforce"] = "baseline";
      labels["pod-security.kubernetes.io/audit-version"] = "latest";
      labels["pod-security.kubernetes.io/warn-version"] = "1.37";
      assert.deepStrictEqual(c(ns), [
        'Namespace "apps" has label pod-security.kubernetes.io/enforce="baseline"; it must be "restricted"',
        'Namespace "apps" has label pod-security.kubernetes.io/audit-version="latest"; it must be pinned to a version v1.N',
        'Namespace "apps" has label pod-security.kubernetes.io/warn-version="1.37"; it must be a version v1.N',
      ]);
    });
  });

  describe("stack rules", () => {
    const obj = (
      kind: string,
      name: string,
      o: Record<string, unknown>,
      namespace?: string,
    ): StackObject => ({
      kind,
      name,
      namespace,
      obj: o,
    });
    const deploy = (ns?: string, spec = hardenedPodSpec()) =>
      obj("Deployment", "web", podCarrier("Deployment", spec, "web", ns), ns);

    it("workloadsInRestrictedNamespace passes a workload in a restricted stack Namespace or an external one", () => {
      const config = ruleConfig({ externalRestrictedNamespaces: ["shared"] });
      const objs = [obj("Namespace", "apps", restrictedNamespace("apps")), deploy("apps"), deploy("shared")];
      assert.deepStrictEqual(workloadsInRestrictedNamespace.check(objs, config), []);
    });
    it("workloadsInRestrictedNamespace fails no namespace, an unrestricted one and an unknown one", () => {
      const loose = obj("Namespace", "loose", {
        metadata: { name: "loose", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
      });
      const objs = [loose, deploy(undefined), deploy("loose"), deploy("other")];
      assert.deepStrictEqual(
        workloadsInRestrictedNamespace.check(objs, ruleConfig()).map((v) => [v.object, v.message]),
        [
          [
            objs[1],
            'Deployment "web" has no metadata.namespace; set it to a Namespace labelled pod-security.kubernetes.io/enforce=restricted',
          ],
          [
            objs[2],
            'Deployment "web" is in namespace "loose", whose Pod Security labels are not restricted with a pinned version',
          ],
          [
            objs[3],
            'Deployment "web" is in namespace "other", which is neither a Namespace of the stack nor listed in externalRestrictedNamespaces',
          ],
        ],
      );
    });
    it("runtimeClassHandlerRunsc passes a stack RuntimeClass with runsc or an external one", () => {
      const ext = mutate((s) => (s.runtimeClassName = "sandbox"));
      const objs = [obj("RuntimeClass", "gvisor", runtimeClass()), deploy("apps"), deploy("apps", ext)];
      assert.deepStrictEqual(
        runtimeClassHandlerRunsc.check(objs, ruleConfig({ externalRuntimeClasses: ["sandbox"] })),
        [],
      );
    });
    it("runtimeClassHandlerRunsc fails a wrong handler and a class that exists nowhere; ignores a missing name", () => {
      const other = mutate((s) => (s.runtimeClassName = "kata"));
      const none = mutate((s) => delete s.runtimeClassName);
      const objs = [
        obj("RuntimeClass", "gvisor", runtimeClass("gvisor", "runc")),
        deploy("apps"),
        deploy("apps", other),
        deploy("apps", none),
      ];
      assert.deepStrictEqual(
        runtimeClassHandlerRunsc.check(objs, ruleConfig()).map((v) => [v.object, v.message]),
        [
          [
            objs[1],
            'Deployment "web" uses RuntimeClass "gvisor", whose handler is "runc"; it must be "runsc"',
          ],
          [
            objs[2],
            'Deployment "web" uses RuntimeClass "kata", which is neither a RuntimeClass of the stack nor listed in externalRuntimeClasses',
          ],
        ],
      );
    });
  });

  describe("PSS remediations", () => {
    const broken = (): PodSpec => ({
      securityContext: { seccompProfile: { type: "Unconfined" } },
      containers: [
        {
          name: "web",
          securityContext: {
            allowPrivilegeEscalation: true,
            runAsNonRoot: false,
            capabilities: { add: ["NET_BIND_SERVICE"], drop: ["NET_RAW"] },
            seccompProfile: { type: "Unconfined" },
          },
        },
      ],
      initContainers: [{ name: "init" }],
    });
    /** A spec breaking the check `id` (privileged and procMount get their own, see below). */
    const brokenFor = (id: string): PodSpec => {
      const s = broken();
      if (id === "privileged") s.containers![0].securityContext!.privileged = true;
      if (id === "procMount" || id === "procMount_restricted") {
        s.containers![0].securityContext!.procMount = "Unmasked";
        s.initContainers![0].securityContext = { procMount: "Default" };
      }
      return s;
    };
    it("remediates exactly the privilege-removing checks", () => {
      assert.deepStrictEqual(Object.keys(PSS_REMEDIATIONS).sort(), [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "privileged",
        "procMount",
        "procMount_restricted",
        "runAsNonRoot",
        "seccompProfile_baseline",
        "seccompProfile_restricted",
      ]);
    });
    for (const id of [
      "privileged",
      "procMount",
      "procMount_restricted",
      "allowPrivilegeEscalation",
      "runAsNonRoot",
      "capabilities_restricted",
      "seccompProfile_restricted",
      "seccompProfile_baseline",
    ]) {
      it(`${id}: the remediated spec passes the check and the input is unchanged`, () => {
        const input = brokenFor(id);
        const before = structuredClone(input);
        const check = PSS_CHECKS_BY_ID.get(id)!;
        const latest = check.versions[check.versions.length - 1];
        assert.strictEqual(latest.checkPod({}, input).allowed, false);
        const fixed = PSS_REMEDIATIONS[id](input);
        assert.deepStrictEqual(input, before);
        assert.deepStrictEqual(latest.checkPod({}, fixed), { allowed: true });
      });
    }
    it("privileged and procMount change only the offending field", () => {
      const p = PSS_REMEDIATIONS.privileged(brokenFor("privileged"));
      assert.deepStrictEqual(p.containers![0].securityContext, {
        ...broken().containers![0].securityContext,
        privileged: false,
      });
      assert.deepStrictEqual(p.initContainers, [{ name: "init" }]);
      const m = PSS_REMEDIATIONS.procMount(brokenFor("procMount"));
      assert.deepStrictEqual(m.containers![0].securityContext, {
        ...broken().containers![0].securityContext,
        procMount: "Default",
      });
      assert.deepStrictEqual(m.initContainers, [{ name: "init", securityContext: { procMount: "Default" } }]);
      assert.deepStrictEqual(m.securityContext, broken().securityContext);
    });
    it("allowPrivilegeEscalation leaves a container the API would then reject: privileged or adding CAP_SYS_ADMIN", () => {
      const s: PodSpec = {
        containers: [
          { name: "priv", securityContext: { privileged: true } },
          { name: "sysadmin", securityContext: { capabilities: { add: ["CAP_SYS_ADMIN"] } } },
          { name: "plain" },
        ],
      };
      assert.deepStrictEqual(
        PSS_REMEDIATIONS.allowPrivilegeEscalation(s).containers!.map((c) => c.securityContext),
        [
          { privileged: true },
          { capabilities: { add: ["CAP_SYS_ADMIN"] } },
          { allowPrivilegeEscalation: false },
        ],
      );
    });
    it("sets exactly the safe fields", () => {
      const s = broken();
      assert.deepStrictEqual(
        PSS_REMEDIATIONS.capabilities_restricted(s).containers![0].securityContext!.capabilities,
        {
          add: ["NET_BIND_SERVICE"],
          drop: ["NET_RAW", "ALL"],
        },
      );
      const sec = PSS_REMEDIATIONS.seccompProfile_restricted(s);
      assert.deepStrictEqual(sec.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
      assert.deepStrictEqual(sec.containers![0].securityContext!.seccompProfile, { type: "RuntimeDefault" });
      const nonroot = PSS_REMEDIATIONS.runAsNonRoot(s);
      assert.strictEqual(nonroot.securityContext!.runAsNonRoot, true);
      assert.strictEqual(nonroot.containers![0].securityContext!.runAsNonRoot, true);
      assert.deepStrictEqual(nonroot.initContainers, [{ name: "init" }]);
      const ape = PSS_REMEDIATIONS.allowPrivilegeEscalation(s);
      assert.deepStrictEqual(
        [...ape.containers!, ...ape.initContainers!].map((c) => c.securityContext!.allowPrivilegeEscalation),
        [false, false],
      );
    });
  });
});

describe("ephemeralContainerImages", () => {
  const DIGEST = `sha256:${"a".repeat(64)}`;
  const pod = (images: string[]) => ({
    containers: [{ name: "app", image: `gcr.io/acme/web:1@${DIGEST}` }],
    ephemeralContainers: images.map((image, i) => ({ name: `debugger-${i}`, image })),
  });
  const run = (images: string[], allowedRegistries?: string[]) =>
    ephemeralContainerImages.check({
      kind: "Pod",
      name: "web",
      metadata: {},
      spec: pod(images),
      config: ruleConfig(allowedRegistries !== undefined ? { allowedRegistries } : {}),
    });

  it("passes debug images from allowed registries (a mirror when configured) and pods without ephemeral containers", () => {
    assert.deepStrictEqual(run([]), []);
    assert.deepStrictEqual(run(["gcr.io/distroless/base-debian13:debug-nonroot"]), []);
    assert.deepStrictEqual(
      run(["localhost:5000/distroless/base-debian13:debug-nonroot"], ["localhost:5000/distroless"]),
      [],
    );
  });

  it("fails another registry and a missing image, naming the container, the image and the allowed registries", () => {
    assert.deepStrictEqual(run(["busybox:1.37", ""]), [
      'ephemeralContainer "debugger-0" image "busybox:1.37" is not from an allowed registry (gcr.io/distroless, cgr.dev/chainguard); debug with an image from allowedRegistries, e.g. a distroless :debug-nonroot variant',
      'ephemeralContainer "debugger-1" must set a debug image from allowedRegistries',
    ]);
    // The app's own image is not a debug image: its registry is not on the list.
    assert.strictEqual(run([`gcr.io/acme/web:1@${DIGEST}`]).length, 1);
  });
});
