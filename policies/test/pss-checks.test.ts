// Unit tests of the PSS checks: upstream's exact messages, version semantics, the Windows and
// `hostUsers: false` exemptions, the registry's override and ordering rules, and version parsing.
import * as assert from "node:assert/strict";
import type { Container, ObjectMeta, PodSpec } from "../lib/k8s";
import type { CheckResult, Level } from "../lib/types";
import { appArmorProfileV1_0 } from "../pss/appArmorProfile";
import { capabilitiesBaselineV1_0 } from "../pss/capabilities_baseline";
import { capabilitiesRestrictedV1_22 } from "../pss/capabilities_restricted";
import { hostNamespacesV1_0 } from "../pss/hostNamespaces";
import { hostPathVolumesV1_0 } from "../pss/hostPathVolumes";
import { hostPortsV1_0 } from "../pss/hostPorts";
import { hostProbesAndHostLifecycleV1_34 } from "../pss/hostProbesAndHostLifecycle";
import { privilegedV1_0 } from "../pss/privileged";
import { procMountV1_0 } from "../pss/procMount";
import {
  aggregateForbiddenDetail,
  checkPodAt,
  checksFor,
  evaluateObject,
  evaluatePod,
  forbiddenOutcomes,
  LATEST_PSS_VERSION,
  MAX_PSS_MINOR,
  parsePssVersion,
  PSS_CHECK_IDS,
  PSS_CHECKS,
  validateChecks,
} from "../pss/registry";
import { FIXTURE_CASES } from "./fixtures";
import { restrictedVolumesV1_0 } from "../pss/restrictedVolumes";
import { allowPrivilegeEscalationV1_8 } from "../pss/allowPrivilegeEscalation";
import { runAsNonRootV1_0 } from "../pss/runAsNonRoot";
import { runAsUserV1_23 } from "../pss/runAsUser";
import { seccompProfileBaselineV1_0, seccompProfileBaselineV1_19 } from "../pss/seccompProfile_baseline";
import { seccompProfileRestrictedV1_19 } from "../pss/seccompProfile_restricted";
import { seLinuxOptionsV1_0, seLinuxOptionsV1_31 } from "../pss/seLinuxOptions";
import { sysctlsV1_0, sysctlsV1_29, sysctlsV1_37 } from "../pss/sysctls";
import { windowsHostProcessV1_0 } from "../pss/windowsHostProcess";

/** The minimal restricted pod of upstream's test data, with one container and one init container. */
function restrictedPod(): PodSpec {
  const sc = () => ({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  return {
    containers: [{ name: "app", image: "registry.k8s.io/pause", securityContext: sc() }],
    initContainers: [{ name: "init", image: "registry.k8s.io/pause", securityContext: sc() }],
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  };
}

function failing(level: Level, version: string, spec: PodSpec, metadata: ObjectMeta = {}): string[] {
  return forbiddenOutcomes(evaluatePod(level, version, metadata, spec)).map((o) => o.checkId);
}

function containers(...cs: Container[]): PodSpec {
  return { containers: cs };
}

const denied = (forbiddenReason: string, forbiddenDetail: string): CheckResult => ({
  allowed: false,
  forbiddenReason,
  forbiddenDetail,
});

describe("PSS checks: upstream messages", () => {
  const cases: { name: string; result: CheckResult; expected: CheckResult }[] = [
    {
      name: "hostNamespaces",
      result: hostNamespacesV1_0({}, { hostNetwork: true, hostPID: true, hostIPC: true }),
      expected: denied("host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true"),
    },
    {
      name: "privileged, two containers (init first, as upstream visits)",
      result: privilegedV1_0(
        {},
        {
          containers: [{ name: "b", securityContext: { privileged: true } }],
          initContainers: [{ name: "a", securityContext: { privileged: true } }],
        },
      ),
      expected: denied("privileged", 'containers "a", "b" must not set securityContext.privileged=true'),
    },
    {
      name: "capabilities_baseline",
      result: capabilitiesBaselineV1_0(
        {},
        containers(
          { name: "a", securityContext: { capabilities: { add: ["SYS_ADMIN", "CHOWN", "NET_RAW"] } } },
          { name: "b", securityContext: { capabilities: { add: ["NET_BIND_SERVICE"] } } },
        ),
      ),
      expected: denied(
        "non-default capabilities",
        'container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
      ),
    },
    {
      name: "hostPathVolumes",
      result: hostPathVolumesV1_0(
        {},
        {
          volumes: [
            { name: "a", hostPath: { path: "/" } },
            { name: "b", emptyDir: {} },
            { name: "c", hostPath: { path: "/var" } },
          ],
        },
      ),
      expected: denied("hostPath volumes", 'volumes "a", "c"'),
    },
    {
      name: "hostPorts (ports sorted as strings, like sets.String)",
      result: hostPortsV1_0(
        {},
        containers(
          {
            name: "a",
            ports: [
              { containerPort: 80, hostPort: 9090 },
              { containerPort: 81, hostPort: 0 },
            ],
          },
          { name: "b", ports: [{ containerPort: 80, hostPort: 10000 }] },
        ),
      ),
      expected: denied("hostPort", 'containers "a", "b" use hostPorts 10000, 9090'),
    },
    {
      name: "appArmorProfile: pod, containers and annotations",
      result: appArmorProfileV1_0(
        { annotations: { "container.apparmor.security.beta.kubernetes.io/a": "unconfined" } },
        {
          securityContext: { appArmorProfile: { type: "Unconfined" } },
          containers: [{ name: "a", securityContext: { appArmorProfile: { type: "Unconfined" } } }],
        },
      ),
      expected: denied(
        "forbidden AppArmor profiles",
        // joinQuote does not escape, so the annotation's %q quotes appear as they are (as upstream).
        'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""',
      ),
    },
    {
      name: "seLinuxOptions: type, user and role",
      result: seLinuxOptionsV1_31(
        {},
        {
          securityContext: { seLinuxOptions: { user: "u" } },
          containers: [{ name: "a", securityContext: { seLinuxOptions: { type: "spc_t", role: "r" } } }],
        },
      ),
      expected: denied(
        "seLinuxOptions",
        'pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set',
      ),
    },
    {
      name: "seLinuxOptions: user only",
      result: seLinuxOptionsV1_0({}, { securityContext: { seLinuxOptions: { user: "bad" } } }),
      expected: denied(
        "seLinuxOptions",
        "pod set forbidden securityContext.seLinuxOptions: user may not be set",
      ),
    },
    {
      name: "procMount",
      result: procMountV1_0({}, containers({ name: "a", securityContext: { procMount: "Unmasked" } })),
      expected: denied("procMount", 'container "a" must not set securityContext.procMount to "Unmasked"'),
    },
    {
      name: "seccompProfile_baseline v1.0 (annotations)",
      result: seccompProfileBaselineV1_0(
        {
          annotations: {
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/b": "foo",
          },
        },
        containers({ name: "a" }, { name: "b" }),
      ),
      expected: denied(
        "seccompProfile",
        'forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="foo", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
      ),
    },
    {
      name: "seccompProfile_baseline v1.19 (fields)",
      result: seccompProfileBaselineV1_19(
        {},
        {
          securityContext: { seccompProfile: { type: "Unconfined" } },
          containers: [
            { name: "a", securityContext: { seccompProfile: { type: "Unconfined" } } },
            { name: "b" },
          ],
        },
      ),
      expected: denied(
        "seccompProfile",
        'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"',
      ),
    },
    {
      name: "sysctls (in the pod's order)",
      result: sysctlsV1_0(
        {},
        {
          securityContext: {
            sysctls: [{ name: "net.ipv4.tcp_syncookies" }, { name: "kernel.msgmax" }, { name: "a.b" }],
          },
        },
      ),
      expected: denied("forbidden sysctls", "kernel.msgmax, a.b"),
    },
    {
      name: "windowsHostProcess",
      result: windowsHostProcessV1_0(
        {},
        {
          securityContext: { windowsOptions: { hostProcess: true } },
          containers: [{ name: "a", securityContext: { windowsOptions: { hostProcess: true } } }],
        },
      ),
      expected: denied(
        "hostProcess",
        'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true',
      ),
    },
    {
      name: "hostProbesAndHostLifecycle",
      result: hostProbesAndHostLifecycleV1_34(
        {},
        containers(
          { name: "a", livenessProbe: { httpGet: { host: "10.0.0.1", port: 80 } } },
          {
            name: "b",
            readinessProbe: { tcpSocket: { host: "10.0.0.2", port: 80 } },
            lifecycle: { preStop: { httpGet: { host: "10.0.0.1", port: 80 } } },
          },
        ),
      ),
      expected: denied(
        "probe or lifecycle host",
        'containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "10.0.0.2"',
      ),
    },
    {
      name: "restrictedVolumes",
      result: restrictedVolumesV1_0(
        {},
        {
          volumes: [
            { name: "ok" },
            { name: "a", nfs: { server: "s", path: "/" } },
            { name: "b", hostPath: { path: "/" } },
            { name: "c", someFutureSource: { x: 1 } },
          ],
        },
      ),
      expected: denied(
        "restricted volume types",
        'volumes "a", "b", "c" use restricted volume types "hostPath", "nfs", "unknown"',
      ),
    },
    {
      name: "allowPrivilegeEscalation (unset counts as not false)",
      result: allowPrivilegeEscalationV1_8(
        {},
        containers({ name: "a" }, { name: "b", securityContext: { allowPrivilegeEscalation: false } }),
      ),
      expected: denied(
        "allowPrivilegeEscalation != false",
        'container "a" must set securityContext.allowPrivilegeEscalation=false',
      ),
    },
    {
      name: "runAsNonRoot explicit false",
      result: runAsNonRootV1_0(
        {},
        {
          securityContext: { runAsNonRoot: false },
          containers: [{ name: "a", securityContext: { runAsNonRoot: false } }],
        },
      ),
      expected: denied(
        "runAsNonRoot != true",
        'pod and container "a" must not set securityContext.runAsNonRoot=false',
      ),
    },
    {
      name: "runAsNonRoot implicit",
      result: runAsNonRootV1_0(
        {},
        containers({ name: "a" }, { name: "b", securityContext: { runAsNonRoot: true } }),
      ),
      expected: denied(
        "runAsNonRoot != true",
        'pod or container "a" must set securityContext.runAsNonRoot=true',
      ),
    },
    {
      name: "runAsUser",
      result: runAsUserV1_23(
        {},
        { securityContext: { runAsUser: 0 }, containers: [{ name: "a", securityContext: { runAsUser: 0 } }] },
      ),
      expected: denied("runAsUser=0", 'pod and container "a" must not set runAsUser=0'),
    },
    {
      name: "seccompProfile_restricted implicit",
      result: seccompProfileRestrictedV1_19({}, containers({ name: "a" }, { name: "b" })),
      expected: denied(
        "seccompProfile",
        'pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
      ),
    },
    {
      name: "capabilities_restricted: missing drop ALL and forbidden add",
      result: capabilitiesRestrictedV1_22(
        {},
        containers(
          { name: "a" },
          {
            name: "b",
            securityContext: { capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] } },
          },
        ),
      ),
      expected: denied(
        "unrestricted capabilities",
        'container "a" must set securityContext.capabilities.drop=["ALL"]; container "b" must not include "SYS_ADMIN" in securityContext.capabilities.add',
      ),
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(c.result, c.expected));
  }

  it("aggregates like upstream: reason (detail), reason (detail)", () => {
    const spec = restrictedPod();
    spec.hostNetwork = true;
    spec.containers = [{ name: "app", securityContext: { capabilities: { drop: ["ALL"] } } }];
    assert.equal(
      aggregateForbiddenDetail(evaluatePod("restricted", LATEST_PSS_VERSION, {}, spec)),
      'host namespaces (hostNetwork=true), allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
    );
  });
});

describe("PSS version semantics", () => {
  const withSysctl = (name: string): PodSpec => ({
    ...restrictedPod(),
    securityContext: { sysctls: [{ name }] },
  });

  for (const [sysctl, since] of [
    ["net.ipv4.ip_local_reserved_ports", 27],
    ["net.ipv4.tcp_keepalive_time", 29],
    ["net.ipv4.tcp_fin_timeout", 29],
    ["net.ipv4.tcp_rmem", 32],
    ["net.ipv4.tcp_wmem", 32],
    ["net.ipv4.tcp_slow_start_after_idle", 37],
    ["net.ipv4.tcp_notsent_lowat", 37],
  ] as const) {
    it(`sysctls: ${sysctl} is forbidden at v1.${since - 1} and safe from v1.${since}`, () => {
      const spec = withSysctl(sysctl);
      assert.deepEqual(failing("baseline", `v1.${since - 1}`, spec), ["sysctls"]);
      assert.deepEqual(failing("baseline", `v1.${since}`, spec), []);
      assert.deepEqual(failing("baseline", "latest", spec), []);
    });
  }

  it("hostProbesAndHostLifecycle: a probe host is allowed at v1.33 and denied from v1.34", () => {
    const spec = restrictedPod();
    spec.containers = [
      { ...spec.containers?.[0], livenessProbe: { httpGet: { host: "metadata.internal", port: 80 } } },
    ];
    assert.deepEqual(failing("restricted", "v1.33", spec), []);
    assert.deepEqual(failing("baseline", "v1.33", spec), []);
    assert.deepEqual(failing("restricted", "v1.34", spec), ["hostProbesAndHostLifecycle"]);
    assert.deepEqual(failing("baseline", "latest", spec), ["hostProbesAndHostLifecycle"]);
  });

  it("seLinuxOptions: container_engine_t is denied at v1.30 and allowed from v1.31", () => {
    const spec: PodSpec = {
      securityContext: { seLinuxOptions: { type: "container_engine_t" } },
      containers: [],
    };
    assert.deepEqual(failing("baseline", "v1.30", spec), ["seLinuxOptions"]);
    assert.deepEqual(failing("baseline", "v1.31", spec), []);
  });

  it("seccompProfile_baseline reads annotations before v1.19 and fields from v1.19", () => {
    const annotated: ObjectMeta = {
      annotations: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" },
    };
    const plain = containers({ name: "a" });
    assert.deepEqual(failing("baseline", "v1.18", plain, annotated), ["seccompProfile_baseline"]);
    assert.deepEqual(failing("baseline", "v1.19", plain, annotated), []);
    const field: PodSpec = { securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [] };
    assert.deepEqual(failing("baseline", "v1.18", field), []);
    assert.deepEqual(failing("baseline", "v1.19", field), ["seccompProfile_baseline"]);
  });

  it("restricted checks start at their minimum versions (runAsUser 1.23, capabilities 1.22, seccomp 1.19, APE 1.8)", () => {
    const spec = restrictedPod();
    spec.securityContext = { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } };
    assert.deepEqual(failing("restricted", "v1.22", spec), []);
    assert.deepEqual(failing("restricted", "v1.23", spec), ["runAsUser"]);

    const noDrop = restrictedPod();
    noDrop.containers = [{ name: "app", securityContext: { allowPrivilegeEscalation: false } }];
    assert.deepEqual(failing("restricted", "v1.21", noDrop), []);
    assert.deepEqual(failing("restricted", "v1.22", noDrop), ["capabilities_restricted"]);

    const noSeccomp = restrictedPod();
    noSeccomp.securityContext = { runAsNonRoot: true };
    assert.deepEqual(failing("restricted", "v1.18", noSeccomp), []);
    assert.deepEqual(failing("restricted", "v1.19", noSeccomp), ["seccompProfile_restricted"]);

    const escalating = restrictedPod();
    escalating.containers = [{ name: "app", securityContext: { capabilities: { drop: ["ALL"] } } }];
    assert.deepEqual(failing("restricted", "v1.7", escalating), []);
    assert.deepEqual(failing("restricted", "v1.8", escalating), ["allowPrivilegeEscalation"]);
  });

  it("before v1.22 restricted runs capabilities_baseline (no override yet)", () => {
    const spec = restrictedPod();
    spec.containers = [
      {
        name: "app",
        securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["SYS_ADMIN"] } },
      },
    ];
    assert.deepEqual(failing("restricted", "v1.21", spec), ["capabilities_baseline"]);
    assert.deepEqual(failing("restricted", "v1.22", spec), ["capabilities_restricted"]);
  });

  it("versions newer than the newest defined one are clamped to it; latest is the newest", () => {
    assert.equal(LATEST_PSS_VERSION, `v1.${MAX_PSS_MINOR}`);
    const spec = restrictedPod();
    spec.hostPID = true;
    spec.securityContext = { ...spec.securityContext, sysctls: [{ name: "net.ipv4.tcp_notsent_lowat" }] };
    const at = (v: string) => evaluatePod("restricted", v, {}, spec);
    assert.deepEqual(at("v1.99"), at(LATEST_PSS_VERSION));
    assert.deepEqual(at("latest"), at(LATEST_PSS_VERSION));
    assert.deepEqual(failing("restricted", "v1.99", spec), ["hostNamespaces"]);
  });
});

describe("PSS exemptions", () => {
  it("hostUsers: false exempts runAsNonRoot and runAsUser from v1.35, not before", () => {
    const spec = restrictedPod();
    spec.securityContext = { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } };
    spec.hostUsers = false;
    assert.deepEqual(failing("restricted", "v1.34", spec), ["runAsNonRoot", "runAsUser"]);
    assert.deepEqual(failing("restricted", "v1.35", spec), []);
    assert.deepEqual(failing("restricted", LATEST_PSS_VERSION, spec), []);
    spec.hostUsers = true;
    assert.deepEqual(failing("restricted", LATEST_PSS_VERSION, spec), ["runAsNonRoot", "runAsUser"]);
  });

  it("hostUsers: false relaxes procMount at baseline from v1.35; restricted keeps forbidding Unmasked", () => {
    const spec = restrictedPod();
    spec.hostUsers = false;
    spec.containers = [
      {
        ...spec.containers?.[0],
        securityContext: { ...spec.containers?.[0].securityContext, procMount: "Unmasked" },
      },
    ];
    assert.deepEqual(failing("baseline", "v1.34", spec), ["procMount"]);
    assert.deepEqual(failing("baseline", "v1.35", spec), []);
    assert.deepEqual(failing("restricted", "v1.34", spec), ["procMount"]);
    assert.deepEqual(failing("restricted", "v1.35", spec), ["procMount_restricted"]);
    spec.hostUsers = undefined;
    assert.deepEqual(failing("baseline", LATEST_PSS_VERSION, spec), ["procMount"]);
  });

  it("os.name windows exempts allowPrivilegeEscalation, capabilities and seccomp at restricted from v1.25", () => {
    const spec: PodSpec = {
      os: { name: "windows" },
      securityContext: { runAsNonRoot: true },
      containers: [{ name: "win", image: "mcr.microsoft.com/windows/nanoserver:ltsc2022" }],
    };
    assert.deepEqual(failing("restricted", "v1.24", spec), [
      "allowPrivilegeEscalation",
      "capabilities_restricted",
      "seccompProfile_restricted",
    ]);
    assert.deepEqual(failing("restricted", "v1.25", spec), []);
    // runAsNonRoot is not relaxed for Windows pods.
    spec.securityContext = {};
    assert.deepEqual(failing("restricted", LATEST_PSS_VERSION, spec), ["runAsNonRoot"]);
    // A Linux pod gets no such exemption.
    spec.os = { name: "linux" };
    spec.securityContext = { runAsNonRoot: true };
    assert.deepEqual(failing("restricted", LATEST_PSS_VERSION, spec), [
      "allowPrivilegeEscalation",
      "capabilities_restricted",
      "seccompProfile_restricted",
    ]);
  });

  it("init and ephemeral containers are checked like containers", () => {
    const spec = restrictedPod();
    spec.ephemeralContainers = [{ name: "debug", securityContext: { privileged: true } }];
    assert.deepEqual(failing("baseline", LATEST_PSS_VERSION, spec), ["privileged"]);
    assert.deepEqual(failing("restricted", LATEST_PSS_VERSION, spec), [
      "privileged",
      "allowPrivilegeEscalation",
      "capabilities_restricted",
    ]);
  });
});

describe("PSS registry", () => {
  it("checks itself as upstream's does: unique IDs, strictly increasing versions, known overrides", () => {
    assert.deepEqual(validateChecks(PSS_CHECKS), []);
    const [first, second] = PSS_CHECKS;
    const pod = first.versions[0].checkPod;
    assert.deepEqual(
      validateChecks([
        first,
        { ...second, id: first.id },
        {
          id: "x",
          level: "restricted",
          versions: [
            { minimumVersion: "v1.3", checkPod: pod },
            { minimumVersion: "v1.3", checkPod: pod, overrideCheckIDs: ["nope"] },
            { minimumVersion: "1.4", checkPod: pod },
          ],
        },
        { id: "", level: "baseline", versions: [] },
      ]),
      [
        `check ID ${JSON.stringify(first.id)} is used twice`,
        "a check has an empty ID",
        "check x: version v1.3 does not come after v1.3",
        'check x v1.3: overrides unknown check "nope"',
        'check x: version "1.4" is not of the form v1.N',
        "check : no versions",
      ],
    );
  });

  it("has conformance fixtures for every check", () => {
    const covered = new Set(FIXTURE_CASES.map((c) => c.check));
    assert.deepEqual(
      PSS_CHECKS.map((c) => c.id).filter((id) => !covered.has(id)),
      [],
    );
  });

  it("has the 12 baseline and 7 restricted upstream checks", () => {
    assert.deepEqual(
      PSS_CHECKS.filter((c) => c.level === "baseline")
        .map((c) => c.id)
        .sort(),
      [
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
      ],
    );
    assert.deepEqual(
      PSS_CHECKS.filter((c) => c.level === "restricted")
        .map((c) => c.id)
        .sort(),
      [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "procMount_restricted",
        "restrictedVolumes",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
      ],
    );
    assert.equal(PSS_CHECK_IDS.length, 19);
  });

  it("orders baseline IDs then restricted IDs, dropping overridden baseline checks at restricted", () => {
    assert.deepEqual(
      checksFor("baseline", LATEST_PSS_VERSION).map((c) => c.check.id),
      [
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
      ],
    );
    assert.deepEqual(
      checksFor("restricted", LATEST_PSS_VERSION).map((c) => c.check.id),
      [
        "appArmorProfile",
        "hostNamespaces",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "seLinuxOptions",
        "sysctls",
        "windowsHostProcess",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "procMount_restricted",
        "restrictedVolumes",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
      ],
    );
    // At v1.0 only the checks that existed then apply.
    assert.deepEqual(
      checksFor("restricted", "v1.0").map((c) => c.check.id),
      [
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPorts",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
        "restrictedVolumes",
        "runAsNonRoot",
      ],
    );
  });

  it("checkPodAt resolves one check's behaviour at a version", () => {
    const probes = PSS_CHECKS.find((c) => c.id === "hostProbesAndHostLifecycle");
    const sysctls = PSS_CHECKS.find((c) => c.id === "sysctls");
    assert.ok(probes && sysctls);
    assert.equal(checkPodAt(probes, "v1.33"), undefined);
    assert.equal(checkPodAt(probes, "v1.34"), hostProbesAndHostLifecycleV1_34);
    assert.equal(checkPodAt(sysctls, "v1.31"), sysctlsV1_29);
    assert.equal(checkPodAt(sysctls, "latest"), sysctlsV1_37);
    assert.equal(checkPodAt(sysctls, "v1.99"), sysctlsV1_37);
  });

  it("evaluateObject finds the pod in every pod-carrying kind and ignores other kinds", () => {
    const spec = restrictedPod();
    spec.hostIPC = true;
    const template = { metadata: { labels: { app: "x" } }, spec };
    const objects: [string, unknown][] = [
      ["Pod", { metadata: {}, spec }],
      ["PodTemplate", { template }],
      ["ReplicationController", { spec: { template } }],
      ["ReplicaSet", { spec: { template } }],
      ["Deployment", { spec: { template } }],
      ["DaemonSet", { spec: { template } }],
      ["StatefulSet", { spec: { template } }],
      ["Job", { spec: { template } }],
      ["CronJob", { spec: { jobTemplate: { spec: { template } } } }],
    ];
    for (const [kind, obj] of objects) {
      const outcomes = evaluateObject(kind, obj, "restricted", "latest");
      assert.ok(outcomes, kind);
      assert.deepEqual(
        forbiddenOutcomes(outcomes).map((o) => o.checkId),
        ["hostNamespaces"],
        kind,
      );
    }
    assert.equal(evaluateObject("Service", { spec: { ports: [] } }, "restricted", "latest"), undefined);
    assert.equal(evaluateObject("Deployment", { spec: {} }, "restricted", "latest"), undefined);
  });

  it("reports each outcome with its check's level", () => {
    const outcomes = evaluatePod("restricted", "latest", undefined, restrictedPod());
    assert.ok(outcomes.every((o) => o.result.allowed));
    assert.equal(outcomes.find((o) => o.checkId === "sysctls")?.level, "baseline");
    assert.equal(outcomes.find((o) => o.checkId === "runAsUser")?.level, "restricted");
  });
});

describe("parsePssVersion", () => {
  it("accepts latest and v1.N", () => {
    assert.deepEqual(parsePssVersion("latest"), { latest: true, minor: MAX_PSS_MINOR });
    assert.deepEqual(parsePssVersion("v1.0"), { latest: false, minor: 0 });
    assert.deepEqual(parsePssVersion("v1.37"), { latest: false, minor: 37 });
    assert.deepEqual(parsePssVersion("v1.40"), { latest: false, minor: 40 });
  });

  for (const bad of ["1.37", "v1.037", "v2.0", "v1", "", "Latest", "v1.37.0", " v1.37"]) {
    it(`rejects ${JSON.stringify(bad)} naming the allowed forms`, () => {
      assert.throws(
        () => parsePssVersion(bad),
        new Error(
          `invalid Pod Security Standards version ${JSON.stringify(bad)}: allowed values are "latest" or "v1.N" (e.g. "v1.37")`,
        ),
      );
      assert.throws(
        () => evaluatePod("baseline", bad, {}, restrictedPod()),
        /allowed values are "latest" or "v1\.N"/,
      );
    });
  }
});
