// HardenedWorkload: one app's Deployment with its ServiceAccount, Service, PodDisruptionBudget and NetworkPolicy.
// The pure spec builders are exported so CanaryRelease, tests and policies produce identical objects.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isPlainInput, liftValidated, mapLifted, type Lifted } from "./inputs";
import {
  buildHardenedPodTemplate,
  buildLabels,
  buildSelectorLabels,
  buildServiceSelector,
  DEFAULT_PORT_NAME,
  HardenedPodOptions,
  HardenedPodTemplate,
  instanceName,
  PlainLabels,
  validateHardenedPodOptions,
} from "./podspec";
import {
  assertDns1035Label,
  assertDns1123Subdomain,
  assertInt,
  assertNamespaceName,
  fail,
  show,
} from "./validation";

export const DEFAULT_REPLICAS = 2;
export const DEFAULT_SERVICE_PORT = 80;
export const DEFAULT_REVISION_HISTORY_LIMIT = 5;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_PDB_MAX_UNAVAILABLE = 1;
export const DEFAULT_MAX_SURGE = "25%";
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** CoreDNS/kube-dns pods as labelled by kubeadm, kind, GKE and EKS. */
export const DNS_PEER: NetworkPolicyPeerSpec = {
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

// ---------------------------------------------------------------------------------------------------------------
// Plain spec types.

export interface DeploymentSpec {
  replicas: number;
  revisionHistoryLimit: number;
  progressDeadlineSeconds: number;
  strategy: { type: "RollingUpdate"; rollingUpdate: { maxUnavailable: number; maxSurge: string } };
  selector: { matchLabels: PlainLabels };
  template: HardenedPodTemplate;
}
export interface ServiceSpec {
  type: "ClusterIP";
  selector: PlainLabels;
  ports: { name: string; port: number; targetPort: string; protocol: "TCP" }[];
}
export interface PdbSpec {
  maxUnavailable: number | string;
  selector: { matchLabels: PlainLabels };
  unhealthyPodEvictionPolicy: "AlwaysAllow";
}
export interface NetworkPolicyPeerSpec {
  namespaceSelector?: { matchLabels: PlainLabels };
  podSelector?: { matchLabels: PlainLabels };
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NetworkPolicyPortSpec {
  protocol: "TCP" | "UDP";
  port: number;
}
export interface NetworkPolicyRuleSpec {
  from?: NetworkPolicyPeerSpec[];
  to?: NetworkPolicyPeerSpec[];
  ports: NetworkPolicyPortSpec[];
}
export interface NetworkPolicySpec {
  podSelector: { matchLabels: PlainLabels };
  policyTypes: ("Ingress" | "Egress")[];
  ingress: NetworkPolicyRuleSpec[];
  egress: NetworkPolicyRuleSpec[];
}

/** Pods allowed to reach the workload, or be reached by it. */
export interface NetworkPeer {
  /** Namespace name (matched on kubernetes.io/metadata.name). Omit for the workload's own namespace. */
  readonly namespace?: string;
  /** Pod labels to match; `{}` means every pod. Omit with `namespace` set for every pod of that namespace. */
  readonly podLabels?: Record<string, string>;
}

/** One egress allowance: a peer (pods or a CIDR) and the ports the workload may open to it. */
export interface EgressAllowance extends NetworkPeer {
  /** CIDR block, e.g. "10.0.0.0/8"; exclusive with namespace/podLabels. */
  readonly cidr?: string;
  /** CIDRs inside `cidr` that stay blocked. */
  readonly except?: readonly string[];
  /** Destination ports. */
  readonly ports: readonly number[];
  /** Protocol of the ports. Default "TCP". */
  readonly protocol?: "TCP" | "UDP";
}

// ---------------------------------------------------------------------------------------------------------------
// Pure builders.

export interface DeploymentSpecOptions {
  /** Options of the hardened pod template. */
  readonly pod: HardenedPodOptions;
  /** Number of pods (0 scales the track down). */
  readonly replicas: number;
  /** ReplicaSets kept for rollback. Default 5. */
  readonly revisionHistoryLimit?: number;
}

/** Deployment spec: zero-downtime rolling update (maxUnavailable 0) around the hardened pod template. */
export function buildDeploymentSpec(opts: DeploymentSpecOptions): DeploymentSpec {
  return {
    replicas: opts.replicas,
    revisionHistoryLimit: opts.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT,
    progressDeadlineSeconds: DEFAULT_PROGRESS_DEADLINE_SECONDS,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: DEFAULT_MAX_SURGE } },
    selector: { matchLabels: buildSelectorLabels(opts.pod.appName, opts.pod.track) },
    template: buildHardenedPodTemplate(opts.pod),
  };
}

export interface ServiceSpecOptions {
  /** app.kubernetes.io/name the Service selects. */
  readonly appName: string;
  /** Service port. Default 80. */
  readonly port?: number;
  /** Container port name the Service targets. Default "http". */
  readonly portName?: string;
}

/** ClusterIP Service selecting every track of the app by name, targeting the named container port. */
export function buildServiceSpec(opts: ServiceSpecOptions): ServiceSpec {
  const port = opts.port ?? DEFAULT_SERVICE_PORT;
  const portName = opts.portName ?? DEFAULT_PORT_NAME;
  return {
    type: "ClusterIP",
    selector: buildServiceSelector(opts.appName),
    ports: [{ name: portName, port, targetPort: portName, protocol: "TCP" }],
  };
}

export interface PdbSpecOptions {
  /** app.kubernetes.io/name of the pods. */
  readonly appName: string;
  /** Track of the pods; the PDB covers one Deployment. */
  readonly track?: string;
  /** Pods that may be down at once: an integer >= 1 or a percentage such as "25%". Default 1. */
  readonly maxUnavailable?: number | string;
}

/**
 * PDB by maxUnavailable rather than minAvailable: it never blocks node drains outright, and AlwaysAllow lets a
 * drain evict pods that are already unhealthy.
 */
export function buildPdbSpec(opts: PdbSpecOptions): PdbSpec {
  const maxUnavailable = opts.maxUnavailable ?? DEFAULT_PDB_MAX_UNAVAILABLE;
  return {
    maxUnavailable,
    selector: { matchLabels: buildSelectorLabels(opts.appName, opts.track) },
    unhealthyPodEvictionPolicy: "AlwaysAllow",
  };
}

export interface NetworkPolicySpecOptions {
  /** app.kubernetes.io/name of the pods. */
  readonly appName: string;
  /** Track of the pods; the policy covers one Deployment. */
  readonly track?: string;
  /** The only port ingress is allowed to. */
  readonly containerPort: number;
  /** Who may connect to the container port. Empty: nobody beyond what namespace-level policies allow. */
  readonly ingressFrom?: readonly NetworkPeer[];
  /** Where the pods may connect besides DNS. */
  readonly egressTo?: readonly EgressAllowance[];
}

function peerSpec(peer: NetworkPeer): NetworkPolicyPeerSpec {
  const spec: NetworkPolicyPeerSpec = {};
  if (peer.namespace !== undefined) {
    spec.namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } };
  }
  if (peer.podLabels !== undefined) spec.podSelector = { matchLabels: { ...peer.podLabels } };
  return spec;
}

function validatePeer(key: string, peer: NetworkPeer): void {
  if (peer.namespace === undefined && peer.podLabels === undefined) {
    fail(`${key}: set namespace, podLabels or both (podLabels: {} means every pod of the own namespace)`);
  }
  if (peer.namespace !== undefined) assertNamespaceName(`${key}.namespace`, peer.namespace);
}

/** Checks the container port, the ingress peers and the egress allowances a NetworkPolicy is built from. */
export function validateNetworkPolicyOptions(
  opts: Pick<NetworkPolicySpecOptions, "containerPort" | "ingressFrom" | "egressTo">,
): void {
  assertPort("containerPort", opts.containerPort);
  (opts.ingressFrom ?? []).forEach((p, i) => validatePeer(`ingressFrom[${i}]`, p));
  (opts.egressTo ?? []).forEach((e, i) => {
    const key = `egressTo[${i}]`;
    if (!Array.isArray(e.ports) || e.ports.length === 0)
      fail(`${key}.ports: set at least one destination port`);
    e.ports.forEach((p, j) => assertPort(`${key}.ports[${j}]`, p));
    const protocol = e.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP")
      fail(`${key}.protocol: ${show(protocol)} is not allowed; use "TCP" or "UDP"`);
    if (e.cidr !== undefined) {
      if (e.namespace !== undefined || e.podLabels !== undefined) {
        fail(
          `${key}: cidr cannot be combined with namespace or podLabels; declare them as separate allowances`,
        );
      }
      assertCidr(`${key}.cidr`, e.cidr);
      (e.except ?? []).forEach((c, j) => assertCidr(`${key}.except[${j}]`, c));
    } else {
      if (e.except !== undefined) fail(`${key}.except: only applies together with cidr`);
      validatePeer(key, e);
    }
  });
}

/**
 * NetworkPolicy for the app's pods: ingress only from the listed peers on the container port, egress only to DNS
 * and the listed allowances. Both directions are isolated so nothing else leaks through. Takes options
 * validateNetworkPolicyOptions accepted.
 */
export function buildNetworkPolicySpec(opts: NetworkPolicySpecOptions): NetworkPolicySpec {
  const ingressFrom = opts.ingressFrom ?? [];
  const ingress: NetworkPolicyRuleSpec[] =
    ingressFrom.length === 0
      ? []
      : [{ from: ingressFrom.map(peerSpec), ports: [{ protocol: "TCP", port: opts.containerPort }] }];
  const egress: NetworkPolicyRuleSpec[] = [
    {
      to: [DNS_PEER],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    },
  ];
  for (const e of opts.egressTo ?? []) {
    const protocol = e.protocol ?? "TCP";
    const peer: NetworkPolicyPeerSpec =
      e.cidr !== undefined
        ? {
            ipBlock:
              e.except && e.except.length > 0 ? { cidr: e.cidr, except: [...e.except] } : { cidr: e.cidr },
          }
        : peerSpec(e);
    egress.push({ to: [peer], ports: e.ports.map((port) => ({ protocol, port })) });
  }
  return {
    podSelector: { matchLabels: buildSelectorLabels(opts.appName, opts.track) },
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation.

const assertReplicas = (key: string, value: unknown): void => assertInt(key, value, 0, 1000);

/** Throws unless `value` is a TCP/UDP port number. */
export const assertPort = (key: string, value: unknown): void => assertInt(key, value, 1, 65535);

/** Throws unless `value` is a PDB's maxUnavailable: an integer >= 1 or a percentage. */
export function assertMaxUnavailable(key: string, value: unknown): void {
  const okInt = typeof value === "number" && Number.isInteger(value) && value >= 1;
  const okPct = typeof value === "string" && /^([1-9]\d?|100)%$/.test(value);
  if (!okInt && !okPct)
    fail(`${key}: ${show(value)} is not allowed; use an integer >= 1 or a percentage "1%".."100%"`);
}

const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

function assertCidr(key: string, value: unknown): void {
  if (typeof value !== "string" || !(IPV4_CIDR.test(value) || IPV6_CIDR.test(value))) {
    fail(`${key}: ${show(value)} is not a CIDR; use e.g. "10.0.0.0/8" or "fd00::/8"`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Component.

/**
 * Arguments of HardenedWorkload. Plain values are validated before anything is registered, so a bad one fails
 * preview with nothing created; an Output is validated once it resolves (the child it feeds then fails).
 */
export interface HardenedWorkloadArgs {
  /** Namespace every child is created in (usually a RestrictedNamespace's name). */
  readonly namespace: pulumi.Input<string>;
  /** Hardened pod options; `pod.image` may itself be an Output (e.g. a DistrolessImage's `ref`). */
  readonly pod: pulumi.Input<HardenedPodOptions>;
  /** Number of pods. Default 2. */
  readonly replicas?: pulumi.Input<number>;
  /**
   * Create a PodDisruptionBudget. Default: only when replicas > 1 (a PDB over one pod only delays drains), and
   * when `replicas` is an Output. Plain: it decides whether the PDB child exists.
   */
  readonly pdb?: boolean;
  /** PDB maxUnavailable: an integer >= 1 or a percentage. Default 1. */
  readonly pdbMaxUnavailable?: pulumi.Input<number | string>;
  /** Port the ClusterIP Service exposes; it targets the named container port. Default 80. */
  readonly servicePort?: pulumi.Input<number>;
  /** Name of the Service. Default `pod.appName`. */
  readonly serviceName?: pulumi.Input<string>;
  /** Name of the ServiceAccount. Default `pod.serviceAccountName`, else the Deployment name. */
  readonly serviceAccountName?: pulumi.Input<string>;
  /** Peers allowed to connect to the container port. Default none (namespace-level policies still apply). */
  readonly ingressFrom?: pulumi.Input<readonly NetworkPeer[]>;
  /** Egress allowed besides DNS. Default none. */
  readonly egressTo?: pulumi.Input<readonly EgressAllowance[]>;
  /** ReplicaSets kept for rollback. Default 5. */
  readonly revisionHistoryLimit?: pulumi.Input<number>;
}

/** HardenedWorkloadArgs with every Input resolved except `namespace` and `pod.image`. */
export interface PlainHardenedWorkloadArgs {
  /** See HardenedWorkloadArgs.namespace. */
  readonly namespace: pulumi.Input<string>;
  /** See HardenedWorkloadArgs.pod. */
  readonly pod: HardenedPodOptions;
  /** See HardenedWorkloadArgs.replicas. */
  readonly replicas?: number;
  /** See HardenedWorkloadArgs.pdb. */
  readonly pdb?: boolean;
  /** See HardenedWorkloadArgs.pdbMaxUnavailable. */
  readonly pdbMaxUnavailable?: number | string;
  /** See HardenedWorkloadArgs.servicePort. */
  readonly servicePort?: number;
  /** See HardenedWorkloadArgs.serviceName. */
  readonly serviceName?: string;
  /** See HardenedWorkloadArgs.serviceAccountName. */
  readonly serviceAccountName?: string;
  /** See HardenedWorkloadArgs.ingressFrom. */
  readonly ingressFrom?: readonly NetworkPeer[];
  /** See HardenedWorkloadArgs.egressTo. */
  readonly egressTo?: readonly EgressAllowance[];
  /** See HardenedWorkloadArgs.revisionHistoryLimit. */
  readonly revisionHistoryLimit?: number;
}

/**
 * Validates every plain workload argument synchronously; throws an Error naming the key, the value and what is
 * allowed. Outputs are skipped here (the component validates them once they resolve).
 */
export function validateHardenedWorkloadArgs(args: HardenedWorkloadArgs): void {
  if (typeof args !== "object" || args === null) fail(`args: ${show(args)} is not an object`);
  if (typeof args.namespace === "string") assertNamespaceName("namespace", args.namespace);
  else if (args.namespace === undefined || args.namespace === null)
    fail(`namespace: ${show(args.namespace)} is required`);
  const plain = isPlainInput;
  if (args.pod === undefined || args.pod === null) fail(`pod: ${show(args.pod)} is required`);
  if (plain(args.pod)) validateHardenedPodOptions(args.pod);
  if (args.replicas !== undefined && plain(args.replicas)) assertReplicas("replicas", args.replicas);
  if (args.pdb !== undefined && typeof args.pdb !== "boolean")
    fail(`pdb: ${show(args.pdb)} must be true or false`);
  if (args.pdbMaxUnavailable !== undefined && plain(args.pdbMaxUnavailable))
    assertMaxUnavailable("pdbMaxUnavailable", args.pdbMaxUnavailable);
  if (args.servicePort !== undefined && plain(args.servicePort)) assertPort("servicePort", args.servicePort);
  if (args.serviceName !== undefined && plain(args.serviceName))
    assertDns1035Label("serviceName", args.serviceName);
  if (args.serviceAccountName !== undefined && plain(args.serviceAccountName))
    assertDns1123Subdomain("serviceAccountName", args.serviceAccountName);
  const history = args.revisionHistoryLimit;
  if (history !== undefined && plain(history) && !(Number.isInteger(history) && history >= 0)) {
    fail(`revisionHistoryLimit: ${show(history)} is not allowed; use an integer >= 0`);
  }
  if (plain(args.pod) && plain(args.ingressFrom) && plain(args.egressTo)) {
    validateNetworkPolicyOptions({
      containerPort: args.pod.containerPort,
      ingressFrom: args.ingressFrom,
      egressTo: args.egressTo,
    });
  }
}

/** Whether a workload gets a PDB: explicit `pdb`, else only with more than one replica. */
export function wantsPdb(replicas: number, pdb?: boolean): boolean {
  return pdb ?? replicas > 1;
}

/** The children and derived values of one workload, all from resolved arguments (pure). */
export interface WorkloadPlan {
  /** Kubernetes name of the Deployment, PDB and NetworkPolicy. */
  readonly deploymentName: string;
  /** Kubernetes name of the Service. */
  readonly serviceName: string;
  /** Kubernetes name of the ServiceAccount the pods run as. */
  readonly serviceAccountName: string;
  /** Pods of the Deployment. */
  readonly replicas: number;
  /** Labels of the pods and every child. */
  readonly labels: PlainLabels;
  /** Deployment selector. */
  readonly selector: PlainLabels;
  /** Deployment spec. */
  readonly deployment: DeploymentSpec;
  /** Service spec. */
  readonly service: ServiceSpec;
  /** PDB spec (used only when a PDB is created). */
  readonly pdb: PdbSpec;
  /** NetworkPolicy spec. */
  readonly networkPolicy: NetworkPolicySpec;
}

/** Builds every spec of a workload from resolved arguments validateHardenedWorkloadArgs accepted (total). */
export function planHardenedWorkload(args: PlainHardenedWorkloadArgs): WorkloadPlan {
  const pod = args.pod;
  const replicas = args.replicas ?? DEFAULT_REPLICAS;
  const deploymentName = instanceName(pod.appName, pod.track);
  const serviceAccountName = args.serviceAccountName ?? pod.serviceAccountName ?? deploymentName;
  return {
    deploymentName,
    serviceName: args.serviceName ?? pod.appName,
    serviceAccountName,
    replicas,
    labels: buildLabels(pod),
    selector: buildSelectorLabels(pod.appName, pod.track),
    deployment: buildDeploymentSpec({
      pod: { ...pod, serviceAccountName },
      replicas,
      revisionHistoryLimit: args.revisionHistoryLimit,
    }),
    service: buildServiceSpec({ appName: pod.appName, port: args.servicePort, portName: pod.portName }),
    pdb: buildPdbSpec({ appName: pod.appName, track: pod.track, maxUnavailable: args.pdbMaxUnavailable }),
    networkPolicy: buildNetworkPolicySpec({
      appName: pod.appName,
      track: pod.track,
      containerPort: pod.containerPort,
      ingressFrom: args.ingressFrom,
      egressTo: args.egressTo,
    }),
  };
}

/** What a HardenedWorkload gives its users: the one contract its fields and registered outputs come from. */
export interface HardenedWorkloadOutputs {
  /** ServiceAccount the pods run as; its token is never mounted. */
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  /** The hardened Deployment. */
  readonly deployment: k8s.apps.v1.Deployment;
  /** ClusterIP Service in front of the pods. */
  readonly service: k8s.core.v1.Service;
  /** PodDisruptionBudget; absent when `pdbEnabled` is false. */
  readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget | undefined;
  /** NetworkPolicy isolating the pods in both directions. */
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  /** Name of the Deployment. */
  readonly deploymentName: pulumi.Output<string>;
  /** Name of the Service. */
  readonly serviceName: pulumi.Output<string>;
  /** Name of the ServiceAccount. */
  readonly serviceAccountName: pulumi.Output<string>;
  /** Pods of the Deployment. */
  readonly replicas: pulumi.Output<number>;
  /** Full label set of the pods. */
  readonly labels: pulumi.Output<Record<string, string>>;
  /** Deployment selector (name + instance). */
  readonly selector: pulumi.Output<Record<string, string>>;
  /** Whether a PodDisruptionBudget was created. */
  readonly pdbEnabled: pulumi.Output<boolean>;
}

type WorkloadChildren = Pick<
  HardenedWorkloadOutputs,
  "serviceAccount" | "deployment" | "service" | "podDisruptionBudget" | "networkPolicy"
>;

export class HardenedWorkload extends pulumi.ComponentResource implements HardenedWorkloadOutputs {
  declare public readonly serviceAccount: HardenedWorkloadOutputs["serviceAccount"];
  declare public readonly deployment: HardenedWorkloadOutputs["deployment"];
  declare public readonly service: HardenedWorkloadOutputs["service"];
  declare public readonly podDisruptionBudget: HardenedWorkloadOutputs["podDisruptionBudget"];
  declare public readonly networkPolicy: HardenedWorkloadOutputs["networkPolicy"];
  declare public readonly deploymentName: HardenedWorkloadOutputs["deploymentName"];
  declare public readonly serviceName: HardenedWorkloadOutputs["serviceName"];
  declare public readonly serviceAccountName: HardenedWorkloadOutputs["serviceAccountName"];
  declare public readonly replicas: HardenedWorkloadOutputs["replicas"];
  declare public readonly labels: HardenedWorkloadOutputs["labels"];
  declare public readonly selector: HardenedWorkloadOutputs["selector"];
  declare public readonly pdbEnabled: HardenedWorkloadOutputs["pdbEnabled"];

  constructor(name: string, args: HardenedWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plain values are validated (and the specs built) before registering anything, so a bad value leaves no
    // half-built component behind; Outputs are validated inside apply once they resolve.
    const plan = HardenedWorkload.validate(args);
    super("distroless:workload:HardenedWorkload", name, {}, opts);
    // With replicas unknown until deploy, a PDB is assumed (maxUnavailable >= 1 never blocks a drain outright).
    const pdbEnabled = isPlainInput(args.replicas)
      ? wantsPdb(args.replicas ?? DEFAULT_REPLICAS, args.pdb)
      : (args.pdb ?? true);
    const children = this.createChildren(name, args.namespace, plan, pdbEnabled);
    const outputs: HardenedWorkloadOutputs = {
      ...children,
      deploymentName: children.deployment.metadata.name,
      serviceName: children.service.metadata.name,
      serviceAccountName: children.serviceAccount.metadata.name,
      replicas: pulumi.output(mapLifted(plan, (p) => p.replicas)),
      labels: pulumi.output(mapLifted(plan, (p) => p.labels)),
      selector: pulumi.output(mapLifted(plan, (p) => p.selector)),
      pdbEnabled: pulumi.output(pdbEnabled),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }

  /** The args checked once, and the plan every child is built from (now when plain, else once resolved). */
  private static validate(args: HardenedWorkloadArgs): Lifted<WorkloadPlan> {
    validateHardenedWorkloadArgs(args);
    return liftValidated<Omit<PlainHardenedWorkloadArgs, "namespace">, WorkloadPlan>(
      {
        pod: args.pod,
        replicas: args.replicas,
        pdb: args.pdb,
        pdbMaxUnavailable: args.pdbMaxUnavailable,
        servicePort: args.servicePort,
        serviceName: args.serviceName,
        serviceAccountName: args.serviceAccountName,
        ingressFrom: args.ingressFrom,
        egressTo: args.egressTo,
        revisionHistoryLimit: args.revisionHistoryLimit,
      },
      (resolved) => validateHardenedWorkloadArgs({ ...resolved, namespace: args.namespace }),
      (resolved) => planHardenedWorkload({ ...resolved, namespace: args.namespace }),
    );
  }

  /** The ServiceAccount, the Deployment, its Service, PodDisruptionBudget and NetworkPolicy, from the plan. */
  private createChildren(
    name: string,
    namespace: HardenedWorkloadArgs["namespace"],
    plan: Lifted<WorkloadPlan>,
    pdbEnabled: boolean,
  ): WorkloadChildren {
    const meta = (objName: (p: WorkloadPlan) => string) => ({
      name: mapLifted(plan, objName),
      namespace,
      labels: mapLifted(plan, (p) => ({ ...p.labels })),
    });
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: meta((p) => p.serviceAccountName), automountServiceAccountToken: false },
      { parent: this },
    );
    return {
      serviceAccount,
      deployment: new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        { metadata: meta((p) => p.deploymentName), spec: mapLifted(plan, (p) => p.deployment) },
        { parent: this, dependsOn: [serviceAccount] },
      ),
      service: new k8s.core.v1.Service(
        `${name}-service`,
        { metadata: meta((p) => p.serviceName), spec: mapLifted(plan, (p) => p.service) },
        { parent: this },
      ),
      podDisruptionBudget: pdbEnabled
        ? new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: meta((p) => p.deploymentName), spec: mapLifted(plan, (p) => p.pdb) },
            { parent: this },
          )
        : undefined,
      networkPolicy: new k8s.networking.v1.NetworkPolicy(
        `${name}-netpol`,
        { metadata: meta((p) => p.deploymentName), spec: mapLifted(plan, (p) => p.networkPolicy) },
        { parent: this },
      ),
    };
  }
}
