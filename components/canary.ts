// CanaryRelease: a stable and a canary track of one app, built from the same hardened pod template, with traffic
// split by Gateway API HTTPRoute weights or, without a gateway, by replica ratio (Argo Rollouts' rounding).
//
// How a release moves (each step is one `pulumi up`, no controller runs in the cluster):
//   1. Put the new build in `canary` (image + version) with canary.weight 10: the canary Deployment is created and
//      must become ready before anything else changes.
//   2. `pulumi config set canary.weight 20` (then 50), `pulumi up`; each step updates the split.
//   3. `pulumi config set canary.weight 100`, `pulumi up`: the stable Deployment takes the canary's image and
//      version, traffic returns to the stable track and the canary track scales to 0.
//   4. Move the new image/version into `stable`, drop `canary`; the next `pulumi up` removes the empty track.
//   Abort at any time with `pulumi config set canary.weight 0` and `pulumi up`: all traffic to stable, canary 0.
//
// Health gates: Pulumi's Deployment await logic waits until each Deployment is Available with its new ReplicaSet;
// it gives up after progressDeadlineSeconds + 60 s (customTimeouts) and `pulumi up` fails. Children are ordered
// so that a failing track leaves the other one untouched (see `trackOrdering`). What is NOT automated: metric
// analysis, automatic promotion between steps, and automatic rollback — a failed step leaves the canary
// Deployment at its failed revision until the operator sets the weight back (0 or the previous step) and runs
// `pulumi up` again.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_CANARY_STEPS,
  precisionWarning,
  splitReplicas,
  trafficRoutedReplicas,
  validateCanarySteps,
  validateCanaryWeight,
} from "./canary-math";
import { isPlainInput, liftValidated, type Lifted, mapLifted, mapLifted2 } from "./inputs";
import {
  buildLabels,
  buildSelectorLabels,
  buildServiceSelector,
  HardenedPodOptions,
  instanceName,
  LABEL_VERSION,
  PlainLabels,
  validateHardenedPodOptions,
} from "./podspec";
import { assertDns1035Label, assertDns1123Subdomain, assertNamespaceName, fail, show } from "./validation";
import {
  assertMaxUnavailable,
  assertPort,
  buildDeploymentSpec,
  buildNetworkPolicySpec,
  buildPdbSpec,
  buildServiceSpec,
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
  DEFAULT_SERVICE_PORT,
  DeploymentSpec,
  EgressAllowance,
  NetworkPeer,
  ServiceSpec,
  validateNetworkPolicyOptions,
} from "./workload";

export const STABLE_TRACK = "stable";
export const CANARY_TRACK = "canary";
/** Deployment annotations recording the step, so `pulumi preview --diff` and kubectl show old → new. */
export const ANNOTATION_WEIGHT = "distroless.dev/canary-weight";
export const ANNOTATION_PREVIOUS_STEP = "distroless.dev/canary-previous-step";
export const ANNOTATION_PHASE = "distroless.dev/canary-phase";
export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";
/** Slack Pulumi's await gets on top of progressDeadlineSeconds, so Kubernetes' own verdict lands first. */
export const AWAIT_SLACK_SECONDS = 60;
export const MAX_REPLICAS = 1000;

/** Pod options shared by both tracks: everything of HardenedPodOptions except what the release sets per track. */
export type CanaryPodOptions = Omit<
  HardenedPodOptions,
  "appName" | "track" | "version" | "image" | "serviceAccountName"
>;

export interface CanaryTrackArgs {
  /** Image reference pinned by digest (`repo@sha256:…`); usually a DistrolessImage's `ref` Output. */
  readonly image: pulumi.Input<string>;
  /** Version the track reports (app.kubernetes.io/version label), so traffic per version can be told apart. */
  readonly version: pulumi.Input<string>;
}

export interface CanaryGatewayArgs {
  /** Name of the Gateway the HTTPRoute attaches to. */
  readonly name: pulumi.Input<string>;
  /** Namespace of the Gateway; its listener's allowedRoutes must admit the release's namespace. */
  readonly namespace: pulumi.Input<string>;
  /** Listener of the Gateway to attach to. Default: every listener that admits the route. */
  readonly sectionName?: pulumi.Input<string>;
  /** Host names the route answers for. Default: the listener's. */
  readonly hostnames?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Arguments of CanaryRelease. Plain values are validated before anything is registered, so a bad one fails preview
 * with nothing created; an Output is validated once it resolves. The few plain-only fields decide which children
 * exist or are resource options, which cannot wait for an Output.
 */
export interface CanaryReleaseArgs {
  /** Namespace every child is created in (usually a RestrictedNamespace's name). */
  readonly namespace: pulumi.Input<string>;
  /**
   * app.kubernetes.io/name of both tracks and base of every Kubernetes object name (`<appName>-stable`, …). Plain:
   * it keys the selectors both tracks, the Service(s) and the HTTPRoute share, so they are built in one place.
   */
  readonly appName: string;
  /** The version serving production traffic. */
  readonly stable: CanaryTrackArgs;
  /** The version under test. Absent: no canary track exists and all traffic goes to stable. Plain: decides the track. */
  readonly canary?: CanaryTrackArgs;
  /**
   * Percentage of traffic for the canary (stack config `canary.weight`): 0 (abort back to stable) or one of
   * `steps`. 100 promotes: the stable track takes the canary's spec and the canary track scales to 0.
   * Validated at preview when plain (it is, when read from config).
   */
  readonly weight: pulumi.Input<number>;
  /** Allowed weights besides 0: strictly increasing integers in 1..100 ending with 100. Default [10, 20, 50, 100]. */
  readonly steps?: pulumi.Input<number[]>;
  /**
   * Pods of the release. Without a gateway both tracks share this budget by Argo's rounding; with a gateway the
   * stable track keeps all of them and the canary adds ceil(replicas × weight / 100).
   */
  readonly replicas: pulumi.Input<number>;
  /**
   * Gateway API Gateway to split traffic with an HTTPRoute. Absent: one Service spans both tracks. Plain object
   * (its fields may be Outputs): its presence decides the per-track Services and the HTTPRoute.
   */
  readonly gateway?: CanaryGatewayArgs;
  /**
   * Hardened pod options shared by both tracks (container port, probes, resources, writable paths, env, …). Each
   * track's env also gets TRACK (`stable`/`canary`) and APP_VERSION (the track's version); `env` may not set them.
   */
  readonly pod: pulumi.Input<CanaryPodOptions>;
  /** Port the Service(s) expose, targeting the named container port. Default 80. */
  readonly servicePort?: pulumi.Input<number>;
  /** Name of the ServiceAccount both tracks run as (its token is never mounted). Default `appName`. */
  readonly serviceAccountName?: pulumi.Input<string>;
  /**
   * Seconds a Deployment may go without progress before it is marked failed. Default 600. Plain: it also sets the
   * Deployments' customTimeouts, a resource option, which cannot be an Output.
   */
  readonly progressDeadlineSeconds?: number;
  /**
   * Create a PodDisruptionBudget per track. Default: when replicas > 1 (assumed true if replicas is an Output).
   * Plain: it decides whether the PDBs exist.
   */
  readonly pdb?: boolean;
  /** PDB maxUnavailable per track: an integer >= 1 or a percentage. Default 1. */
  readonly pdbMaxUnavailable?: pulumi.Input<number | string>;
  /** Peers allowed to connect to the container port (the gateway's pods, callers, …). Default none. */
  readonly ingressFrom?: pulumi.Input<readonly NetworkPeer[]>;
  /** Egress allowed besides DNS. Default none. */
  readonly egressTo?: pulumi.Input<readonly EgressAllowance[]>;
  /** ReplicaSets kept per track for `kubectl rollout undo`. Default 5. */
  readonly revisionHistoryLimit?: pulumi.Input<number>;
}

/** The Inputs of CanaryReleaseArgs that shape pods, Services and policies, resolved (images stay Inputs). */
export interface ResolvedCanaryInputs {
  /** See CanaryReleaseArgs.pod. */
  readonly pod: CanaryPodOptions;
  /** The stable track's version. */
  readonly stableVersion: string;
  /** The canary track's version; absent without a canary. */
  readonly canaryVersion?: string;
  /** See CanaryReleaseArgs.servicePort. */
  readonly servicePort?: number;
  /** See CanaryReleaseArgs.serviceAccountName. */
  readonly serviceAccountName?: string;
  /** See CanaryReleaseArgs.pdbMaxUnavailable. */
  readonly pdbMaxUnavailable?: number | string;
  /** See CanaryReleaseArgs.ingressFrom. */
  readonly ingressFrom?: readonly NetworkPeer[];
  /** See CanaryReleaseArgs.egressTo. */
  readonly egressTo?: readonly EgressAllowance[];
  /** See CanaryReleaseArgs.revisionHistoryLimit. */
  readonly revisionHistoryLimit?: number;
}

/** One track with its version resolved; the image may still be an Output (built in the same program). */
export interface PlainTrack {
  /** Image reference pinned by digest. */
  readonly image: pulumi.Input<string>;
  /** Version the track reports. */
  readonly version: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Pure planning.

/** stable: no canary configured; abort: weight 0; canary: weight in a step below 100; promote: weight 100. */
export type CanaryPhase = "stable" | "abort" | "canary" | "promote";

export interface CanaryPlanInput {
  /** Pods of the release (1..1000); see CanaryReleaseArgs.replicas for how they are shared. */
  readonly replicas: number;
  /** Requested canary weight: 0 or one of `steps`. */
  readonly weight: number;
  /** Allowed weights besides 0, ending with 100. Default [10, 20, 50, 100]. */
  readonly steps?: readonly number[];
  /** Whether a canary track is configured; without one everything runs on stable. */
  readonly hasCanary: boolean;
  /** Whether an HTTPRoute splits traffic (exact weights) rather than the replica ratio. */
  readonly hasGateway: boolean;
}

export interface CanaryPlan {
  /** The requested (validated) weight. */
  readonly weight: number;
  /** What this step does: stable, abort, canary or promote. */
  readonly phase: CanaryPhase;
  /** Pods of the stable Deployment. */
  readonly stableReplicas: number;
  /** Pods of the canary Deployment (0 when there is none). */
  readonly canaryReplicas: number;
  /** Share of traffic served by the canary's version, in percent (2 decimals). 100 after promotion. */
  readonly effectiveWeight: number;
  /** HTTPRoute weight of the stable Service (used with a gateway only). */
  readonly stableRouteWeight: number;
  /** HTTPRoute weight of the canary Service (used with a gateway only). */
  readonly canaryRouteWeight: number;
  /** True at promotion: the stable Deployment runs the canary's image and version. */
  readonly stableRunsCanary: boolean;
  /** The step below `weight` in [0, ...steps]: where to set canary.weight to back off one step. */
  readonly previousStep: number;
  /** The step above `weight` (100 stays 100). */
  readonly nextStep: number;
  /** Replica-ratio precision warning (no gateway only). */
  readonly warning?: string;
}

export function validateReplicas(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_REPLICAS) {
    fail(`replicas: ${show(value)} is not allowed; use an integer from 1 to ${MAX_REPLICAS}`);
  }
  return value;
}

/** Replicas and traffic weights per track for one step. Validates steps, weight and replicas; throws on bad ones. */
export function planCanaryRelease(input: CanaryPlanInput): CanaryPlan {
  const steps = validateCanarySteps(input.steps ?? DEFAULT_CANARY_STEPS);
  const weight = validateCanaryWeight(input.weight, steps);
  const replicas = validateReplicas(input.replicas);
  const ladder = [0, ...steps];
  const index = ladder.indexOf(weight);
  const previousStep = ladder[Math.max(0, index - 1)];
  const nextStep = ladder[Math.min(ladder.length - 1, index + 1)];
  const allStable = { stableRouteWeight: 100, canaryRouteWeight: 0, previousStep, nextStep, weight };

  if (!input.hasCanary) {
    return {
      ...allStable,
      phase: "stable",
      stableReplicas: replicas,
      canaryReplicas: 0,
      effectiveWeight: 0,
      stableRunsCanary: false,
    };
  }
  if (weight === 0) {
    return {
      ...allStable,
      phase: "abort",
      stableReplicas: replicas,
      canaryReplicas: 0,
      effectiveWeight: 0,
      stableRunsCanary: false,
    };
  }
  if (weight === 100) {
    return {
      ...allStable,
      phase: "promote",
      stableReplicas: replicas,
      canaryReplicas: 0,
      effectiveWeight: 100,
      stableRunsCanary: true,
    };
  }
  const split = input.hasGateway ? trafficRoutedReplicas(replicas, weight) : splitReplicas(replicas, weight);
  const plan: CanaryPlan = {
    weight,
    phase: "canary",
    stableReplicas: split.stable,
    canaryReplicas: split.canary,
    effectiveWeight: split.effectiveWeight,
    stableRouteWeight: 100 - weight,
    canaryRouteWeight: weight,
    stableRunsCanary: false,
    previousStep,
    nextStep,
  };
  const warning = input.hasGateway ? undefined : precisionWarning(replicas, weight);
  return warning === undefined ? plan : { ...plan, warning };
}

/**
 * Which track must finish before which, per phase, so a failing step leaves the other track as it was:
 * - canary: the canary comes up (and passes its await) before the stable track shrinks and before the route
 *   sends it traffic;
 * - abort/promote: the stable track is complete (scaled up, or rolled to the canary's spec) before the route
 *   moves traffic to it, and only then does the canary scale to 0.
 */
export function trackOrdering(phase: CanaryPhase): {
  stableAfterCanary: boolean;
  canaryAfterStable: boolean;
} {
  return {
    stableAfterCanary: phase === "canary",
    canaryAfterStable: phase === "abort" || phase === "promote",
  };
}

export interface HttpRouteSpecOptions {
  /** The Gateway (and optionally listener and host names) the route attaches to. */
  readonly gateway: CanaryGatewayArgs;
  /** Name of the stable track's Service, the first backendRef. */
  readonly stableService: pulumi.Input<string>;
  /** Name of the canary track's Service. Absent when there is no canary track. */
  readonly canaryService?: pulumi.Input<string>;
  /** Service port both backendRefs target. */
  readonly port: pulumi.Input<number>;
  /** Weight of the stable backendRef (100 - canary weight, or 100). */
  readonly stableWeight: pulumi.Input<number>;
  /** Weight of the canary backendRef (ignored without `canaryService`). */
  readonly canaryWeight: pulumi.Input<number>;
}

export interface HttpRouteBackendRef {
  /** Core API group (Service). */
  group: "";
  /** Always a Service. */
  kind: "Service";
  /** Service name. */
  name: pulumi.Input<string>;
  /** Service port. */
  port: pulumi.Input<number>;
  /** Share of requests, relative to the other backendRefs. */
  weight: pulumi.Input<number>;
}

export interface HttpRouteSpec {
  /** The Gateway the route attaches to. */
  parentRefs: {
    group: "gateway.networking.k8s.io";
    kind: "Gateway";
    name: pulumi.Input<string>;
    namespace: pulumi.Input<string>;
    sectionName?: pulumi.Input<string>;
  }[];
  /** Host names the route answers for; absent: the listener's. */
  hostnames?: pulumi.Input<pulumi.Input<string>[]>;
  /** One catch-all rule weighing the backendRefs. */
  rules: { matches: { path: { type: "PathPrefix"; value: "/" } }[]; backendRefs: HttpRouteBackendRef[] }[];
}

/** HTTPRoute spec: one catch-all rule whose backendRefs weigh the stable and canary Services. */
export function buildHttpRouteSpec(opts: HttpRouteSpecOptions): HttpRouteSpec {
  const parent: HttpRouteSpec["parentRefs"][number] = {
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    name: opts.gateway.name,
    namespace: opts.gateway.namespace,
  };
  if (opts.gateway.sectionName !== undefined) parent.sectionName = opts.gateway.sectionName;
  const ref = (name: pulumi.Input<string>, weight: pulumi.Input<number>): HttpRouteBackendRef => ({
    group: "",
    kind: "Service",
    name,
    port: opts.port,
    weight,
  });
  const backendRefs = [ref(opts.stableService, opts.stableWeight)];
  if (opts.canaryService !== undefined) backendRefs.push(ref(opts.canaryService, opts.canaryWeight));
  const spec: HttpRouteSpec = {
    parentRefs: [parent],
    rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs }],
  };
  if (opts.gateway.hostnames !== undefined) spec.hostnames = opts.gateway.hostnames;
  return spec;
}

/** Service spec for one track (gateway mode): B's Service spec narrowed to that track's pods. */
export function buildTrackServiceSpec(
  appName: string,
  track: string,
  port: number,
  portName?: string,
): ServiceSpec {
  return { ...buildServiceSpec({ appName, port, portName }), selector: buildSelectorLabels(appName, track) };
}

/** Environment variables the release sets per track; the apps report them, so `pod.env` may not set them. */
export const ENV_TRACK = "TRACK";
export const ENV_APP_VERSION = "APP_VERSION";
export const TRACK_ENV_NAMES: readonly string[] = [ENV_TRACK, ENV_APP_VERSION];

/**
 * Hardened pod options of one track. The env gets TRACK and APP_VERSION of the version this track runs, so a
 * canary pod reports `canary` and its own version (and, once promoted, the stable track the canary's version).
 */
export function trackPodOptions(
  args: { readonly appName: string; readonly pod: CanaryPodOptions; readonly serviceAccountName?: string },
  track: string,
  spec: PlainTrack,
): HardenedPodOptions {
  return {
    ...args.pod,
    env: { ...args.pod?.env, [ENV_TRACK]: track, [ENV_APP_VERSION]: spec.version },
    appName: args.appName,
    track,
    version: spec.version,
    image: spec.image,
    serviceAccountName: args.serviceAccountName ?? args.appName,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of the plain arguments.

/** Runs the hardened pod checks for one track; image and version errors name the track (`canary.image: …`). */
function validateTrack(
  args: { readonly appName: string; readonly pod: CanaryPodOptions; readonly serviceAccountName?: string },
  track: string,
  spec: PlainTrack,
): void {
  try {
    validateHardenedPodOptions(trackPodOptions(args, track, spec));
  } catch (e) {
    if (e instanceof Error && /^(image|version):/.test(e.message)) throw new Error(`${track}.${e.message}`);
    throw e;
  }
}

/**
 * Validates every plain argument synchronously and throws an Error naming the key, the value and what is allowed.
 * Outputs are skipped here: the component checks them once they resolve (weight, steps and replicas through
 * planCanaryRelease, the rest through the resolved arguments).
 */
export function validateCanaryReleaseArgs(args: CanaryReleaseArgs): void {
  if (typeof args !== "object" || args === null) fail(`args: ${show(args)} is not an object`);
  if (isPlainInput(args.steps) && isPlainInput(args.weight)) {
    const steps = validateCanarySteps(args.steps ?? DEFAULT_CANARY_STEPS);
    validateCanaryWeight(args.weight, steps);
  } else if (isPlainInput(args.steps) && args.steps !== undefined) {
    validateCanarySteps(args.steps);
  }
  if (isPlainInput(args.replicas)) validateReplicas(args.replicas);
  if (typeof args.namespace === "string") assertNamespaceName("namespace", args.namespace);
  else if (args.namespace === undefined || args.namespace === null)
    fail(`namespace: ${show(args.namespace)} is required`);
  assertDns1035Label("appName", args.appName);
  if (typeof args.stable !== "object" || args.stable === null)
    fail(`stable: ${show(args.stable)} is required`);
  if (args.pod === undefined || args.pod === null) fail(`pod: ${show(args.pod)} is required`);
  const pod = isPlainInput(args.pod) ? args.pod : undefined;
  for (const reserved of TRACK_ENV_NAMES) {
    const value = pod?.env?.[reserved];
    if (value !== undefined) {
      fail(
        `pod.env.${reserved}: ${show(value)} is not allowed; the release sets ${TRACK_ENV_NAMES.join(" and ")} per track`,
      );
    }
  }
  const saName = args.serviceAccountName;
  if (saName !== undefined && isPlainInput(saName)) assertDns1123Subdomain("serviceAccountName", saName);
  if (pod !== undefined && isPlainInput(saName)) {
    const podArgs = { appName: args.appName, pod, serviceAccountName: saName };
    const tracks: [string, CanaryTrackArgs | undefined][] = [
      [STABLE_TRACK, args.stable],
      [CANARY_TRACK, args.canary],
    ];
    for (const [track, spec] of tracks) {
      if (spec !== undefined && isPlainInput(spec.version)) {
        validateTrack(podArgs, track, { image: spec.image, version: spec.version });
      }
    }
  }
  if (args.servicePort !== undefined && isPlainInput(args.servicePort))
    assertPort("servicePort", args.servicePort);
  const deadline = args.progressDeadlineSeconds;
  if (deadline !== undefined && !(Number.isInteger(deadline) && deadline >= 30 && deadline <= 3600)) {
    fail(`progressDeadlineSeconds: ${show(deadline)} is not allowed; use an integer from 30 to 3600`);
  }
  if (args.pdb !== undefined && typeof args.pdb !== "boolean")
    fail(`pdb: ${show(args.pdb)} must be true or false`);
  if (args.pdbMaxUnavailable !== undefined && isPlainInput(args.pdbMaxUnavailable))
    assertMaxUnavailable("pdbMaxUnavailable", args.pdbMaxUnavailable);
  const history = args.revisionHistoryLimit;
  if (history !== undefined && isPlainInput(history) && !(Number.isInteger(history) && history >= 0)) {
    fail(`revisionHistoryLimit: ${show(history)} is not allowed; use an integer >= 0`);
  }
  if (args.gateway !== undefined) {
    const gw = args.gateway;
    if (typeof gw.name === "string") assertDns1123Subdomain("gateway.name", gw.name);
    else if (gw.name === undefined || gw.name === null) fail(`gateway.name: ${show(gw.name)} is required`);
    if (typeof gw.namespace === "string") assertNamespaceName("gateway.namespace", gw.namespace);
    else if (gw.namespace === undefined || gw.namespace === null) {
      fail(`gateway.namespace: ${show(gw.namespace)} is required`);
    }
  }
  if (pod !== undefined && isPlainInput(args.ingressFrom) && isPlainInput(args.egressTo)) {
    validateNetworkPolicyOptions({
      containerPort: pod.containerPort,
      ingressFrom: args.ingressFrom,
      egressTo: args.egressTo,
    });
  }
}

/** The arguments with the resolved Inputs put back, so validateCanaryReleaseArgs checks every one of them. */
function withResolved(args: CanaryReleaseArgs, r: ResolvedCanaryInputs): CanaryReleaseArgs {
  const canary =
    args.canary !== undefined ? { image: args.canary.image, version: r.canaryVersion ?? "" } : undefined;
  const { stableVersion, canaryVersion: _canaryVersion, ...rest } = r;
  return {
    ...args,
    ...rest,
    stable: { image: args.stable.image, version: stableVersion },
    ...(canary !== undefined ? { canary } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Component.

function sharedLabels(appName: string, pod: CanaryPodOptions): PlainLabels {
  // Objects spanning both tracks carry no version or track label.
  const labels = buildLabels({ appName, version: "", component: pod.component, partOf: pod.partOf });
  delete labels[LABEL_VERSION];
  return labels;
}

/** What a CanaryRelease gives its users: the one contract its fields and registered outputs come from. */
export interface CanaryReleaseOutputs {
  /** ServiceAccount both tracks run as; its token is never mounted. */
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  /** The stable track's Deployment. */
  readonly stableDeployment: k8s.apps.v1.Deployment;
  /** The canary track's Deployment. Absent when no canary is configured. */
  readonly canaryDeployment: k8s.apps.v1.Deployment | undefined;
  /** Without a gateway the shared Service, with one the stable track's Service. */
  readonly service: k8s.core.v1.Service;
  /** The canary track's Service (gateway mode with a canary only). */
  readonly canaryService: k8s.core.v1.Service | undefined;
  /** The HTTPRoute splitting traffic (gateway mode only). */
  readonly route: k8s.apiextensions.CustomResource | undefined;
  /** One NetworkPolicy over both tracks. */
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  /** One PodDisruptionBudget per track (none when `pdb` is false). */
  readonly podDisruptionBudgets: k8s.policy.v1.PodDisruptionBudget[];

  /** The requested weight (stack config canary.weight). */
  readonly weight: pulumi.Output<number>;
  /** Share of traffic on the canary's version: the route weight with a gateway, else the pod ratio; 100 once promoted. */
  readonly effectiveWeight: pulumi.Output<number>;
  /** What this step does: stable, abort, canary or promote. */
  readonly phase: pulumi.Output<CanaryPhase>;
  /** Pods of the stable Deployment. */
  readonly stableReplicas: pulumi.Output<number>;
  /** Pods of the canary Deployment. */
  readonly canaryReplicas: pulumi.Output<number>;
  /** Service clients (or, with a gateway, the stable backend) use. */
  readonly serviceName: pulumi.Output<string>;
  /** The canary track's Service name (gateway mode with a canary only). */
  readonly canaryServiceName: pulumi.Output<string | undefined>;
  /** Image the stable Deployment runs (the canary's once promoted). */
  readonly stableImage: pulumi.Output<string>;
  /** Version the stable Deployment runs (the canary's once promoted). */
  readonly stableVersion: pulumi.Output<string>;
  /** Image of the canary track, if any. */
  readonly canaryImage: pulumi.Output<string | undefined>;
  /** Version of the canary track, if any. */
  readonly canaryVersion: pulumi.Output<string | undefined>;
  /** Name of the HTTPRoute (gateway mode only). */
  readonly routeName: pulumi.Output<string | undefined>;
  /** Step to set canary.weight to for backing off one step (0 below the first step). */
  readonly previousStep: pulumi.Output<number>;
  /** Step to set canary.weight to for the next step (100 stays 100). */
  readonly nextStep: pulumi.Output<number>;
  /** The precision warning logged at preview, if any. */
  readonly warning: pulumi.Output<string | undefined>;
}

export class CanaryRelease extends pulumi.ComponentResource implements CanaryReleaseOutputs {
  declare public readonly serviceAccount: CanaryReleaseOutputs["serviceAccount"];
  declare public readonly stableDeployment: CanaryReleaseOutputs["stableDeployment"];
  declare public readonly canaryDeployment: CanaryReleaseOutputs["canaryDeployment"];
  declare public readonly service: CanaryReleaseOutputs["service"];
  declare public readonly canaryService: CanaryReleaseOutputs["canaryService"];
  declare public readonly route: CanaryReleaseOutputs["route"];
  declare public readonly networkPolicy: CanaryReleaseOutputs["networkPolicy"];
  declare public readonly podDisruptionBudgets: CanaryReleaseOutputs["podDisruptionBudgets"];
  declare public readonly weight: CanaryReleaseOutputs["weight"];
  declare public readonly effectiveWeight: CanaryReleaseOutputs["effectiveWeight"];
  declare public readonly phase: CanaryReleaseOutputs["phase"];
  declare public readonly stableReplicas: CanaryReleaseOutputs["stableReplicas"];
  declare public readonly canaryReplicas: CanaryReleaseOutputs["canaryReplicas"];
  declare public readonly serviceName: CanaryReleaseOutputs["serviceName"];
  declare public readonly canaryServiceName: CanaryReleaseOutputs["canaryServiceName"];
  declare public readonly stableImage: CanaryReleaseOutputs["stableImage"];
  declare public readonly stableVersion: CanaryReleaseOutputs["stableVersion"];
  declare public readonly canaryImage: CanaryReleaseOutputs["canaryImage"];
  declare public readonly canaryVersion: CanaryReleaseOutputs["canaryVersion"];
  declare public readonly routeName: CanaryReleaseOutputs["routeName"];
  declare public readonly previousStep: CanaryReleaseOutputs["previousStep"];
  declare public readonly nextStep: CanaryReleaseOutputs["nextStep"];
  declare public readonly warning: CanaryReleaseOutputs["warning"];

  constructor(name: string, args: CanaryReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything plain is validated before the component or any child is registered; Outputs once they resolve.
    const { resolved, plan, planKnown } = CanaryRelease.validate(args);
    super("distroless:canary:CanaryRelease", name, {}, opts);
    const ctx = releaseContext(this, name, args, resolved, plan, planKnown);
    const serviceAccount = createServiceAccount(ctx);
    const services = createServices(ctx);
    const tracks = createTracksAndRoute(ctx, serviceAccount, services);
    const networkPolicy = createNetworkPolicy(ctx);
    const podDisruptionBudgets = createPodDisruptionBudgets(ctx);
    const outputs = releaseOutputs(ctx, {
      serviceAccount,
      services,
      tracks,
      networkPolicy,
      podDisruptionBudgets,
    });
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }

  /** The args checked once, the resolved inputs and the step's plan (now when plain, else once resolved). */
  private static validate(args: CanaryReleaseArgs): {
    resolved: Lifted<ResolvedCanaryInputs>;
    plan: Lifted<CanaryPlan>;
    planKnown: boolean;
  } {
    validateCanaryReleaseArgs(args);
    const resolved = liftValidated<ResolvedCanaryInputs, ResolvedCanaryInputs>(
      {
        pod: args.pod,
        stableVersion: args.stable.version,
        canaryVersion: args.canary?.version,
        servicePort: args.servicePort,
        serviceAccountName: args.serviceAccountName,
        pdbMaxUnavailable: args.pdbMaxUnavailable,
        ingressFrom: args.ingressFrom,
        egressTo: args.egressTo,
        revisionHistoryLimit: args.revisionHistoryLimit,
      },
      (r) => validateCanaryReleaseArgs(withResolved(args, r)),
      (r) => r,
    );
    const hasCanary = args.canary !== undefined;
    const hasGateway = args.gateway !== undefined;
    const planFor = (replicas: number, weight: number, steps: number[] | undefined) =>
      planCanaryRelease({ replicas, weight, steps, hasCanary, hasGateway });
    const planKnown = isPlainInput(args.replicas) && isPlainInput(args.weight) && isPlainInput(args.steps);
    const plan: Lifted<CanaryPlan> = planKnown
      ? planFor(args.replicas as number, args.weight as number, args.steps as number[] | undefined)
      : pulumi
          .all([args.replicas, args.weight, args.steps])
          .apply(([replicas, weight, steps]) => planFor(replicas, weight, steps));
    return { resolved, plan, planKnown };
  }
}

/** The children a release created, as releaseOutputs reads them. */
interface ReleaseChildren {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly services: ReleaseServices;
  readonly tracks: ReturnType<typeof createTracksAndRoute>;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  readonly podDisruptionBudgets: k8s.policy.v1.PodDisruptionBudget[];
}

/** The contract's one object: the children and what the plan and the resolved inputs say about the step. */
function releaseOutputs(ctx: ReleaseContext, children: ReleaseChildren): CanaryReleaseOutputs {
  const { plan, resolved, args } = ctx;
  const { services, tracks } = children;
  const out = <T>(value: Lifted<T>): pulumi.Output<T> => pulumi.output(value) as pulumi.Output<T>;
  const stableTrack = mapLifted2(plan, resolved, ctx.stableTrackOf);
  return {
    serviceAccount: children.serviceAccount,
    stableDeployment: tracks.stable,
    canaryDeployment: tracks.canary,
    service: services.service,
    canaryService: services.canaryService,
    route: tracks.route,
    networkPolicy: children.networkPolicy,
    podDisruptionBudgets: children.podDisruptionBudgets,
    weight: out(mapLifted(plan, (p) => p.weight)),
    effectiveWeight: out(mapLifted(plan, (p) => p.effectiveWeight)),
    phase: out(mapLifted(plan, (p) => p.phase)),
    stableReplicas: out(mapLifted(plan, (p) => p.stableReplicas)),
    canaryReplicas: out(mapLifted(plan, (p) => p.canaryReplicas)),
    serviceName: services.service.metadata.name,
    canaryServiceName: services.canaryService
      ? services.canaryService.metadata.name
      : pulumi.output(undefined),
    stableImage: pulumi.output(stableTrack).apply((s) => s.image),
    stableVersion: pulumi.output(stableTrack).apply((s) => s.version),
    canaryImage: args.canary !== undefined ? pulumi.output(args.canary.image) : pulumi.output(undefined),
    canaryVersion: out(mapLifted(resolved, (r) => r.canaryVersion)),
    routeName: tracks.route ? tracks.route.metadata.name : pulumi.output(undefined),
    previousStep: out(mapLifted(plan, (p) => p.previousStep)),
    nextStep: out(mapLifted(plan, (p) => p.nextStep)),
    warning: out(ctx.warning),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The release's children, one step each. The constructor reads as this list: ServiceAccount, Services, the two
// tracks (each a hardened Deployment from workload.ts's pure builders) with the route between them, the
// NetworkPolicy and a PodDisruptionBudget per track.

type TrackOf = (p: CanaryPlan, r: ResolvedCanaryInputs) => PlainTrack;

/** What every step needs: the component, its arguments, the resolved inputs and the plan of this step. */
interface ReleaseContext {
  readonly parent: CanaryRelease;
  readonly name: string;
  readonly args: CanaryReleaseArgs;
  readonly appName: string;
  readonly resolved: Lifted<ResolvedCanaryInputs>;
  readonly plan: Lifted<CanaryPlan>;
  /** Known at preview: the step's phase decides the order tracks are updated in. */
  readonly planKnown: boolean;
  /** Labels of objects spanning both tracks. */
  readonly shared: Lifted<PlainLabels>;
  readonly deadline: number;
  readonly customTimeouts: pulumi.CustomTimeouts;
  readonly servicePortOf: (r: ResolvedCanaryInputs) => number;
  readonly stableOf: (r: ResolvedCanaryInputs) => PlainTrack;
  readonly canaryOf: (r: ResolvedCanaryInputs) => PlainTrack | undefined;
  /** The stable track: its own image, or the canary's once promoted. */
  readonly stableTrackOf: TrackOf;
  readonly warning: Lifted<string | undefined>;
}

function releaseContext(
  parent: CanaryRelease,
  name: string,
  args: CanaryReleaseArgs,
  resolved: Lifted<ResolvedCanaryInputs>,
  plan: Lifted<CanaryPlan>,
  planKnown: boolean,
): ReleaseContext {
  const warning = mapLifted(plan, (p) => {
    if (p.warning !== undefined) void pulumi.log.warn(p.warning, parent);
    return p.warning;
  });
  const deadline = args.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  const awaitTimeout = `${deadline + AWAIT_SLACK_SECONDS}s`;
  const canary = args.canary;
  const stableOf = (r: ResolvedCanaryInputs): PlainTrack => ({
    image: args.stable.image,
    version: r.stableVersion,
  });
  const canaryOf = (r: ResolvedCanaryInputs): PlainTrack | undefined =>
    canary !== undefined ? { image: canary.image, version: r.canaryVersion ?? "" } : undefined;
  return {
    parent,
    name,
    args,
    appName: args.appName,
    resolved,
    plan,
    planKnown,
    shared: mapLifted(resolved, (r) => sharedLabels(args.appName, r.pod)),
    deadline,
    customTimeouts: { create: awaitTimeout, update: awaitTimeout },
    servicePortOf: (r) => r.servicePort ?? DEFAULT_SERVICE_PORT,
    stableOf,
    canaryOf,
    // Same hardened template for both tracks; at promotion the stable track takes the canary's image and version.
    stableTrackOf: (p, r) => (p.stableRunsCanary ? canaryOf(r) : undefined) ?? stableOf(r),
    warning,
  };
}

function trackLabels(ctx: ReleaseContext, track: string): pulumi.Input<PlainLabels> {
  return mapLifted(ctx.shared, (labels) => ({ ...labels, ...buildSelectorLabels(ctx.appName, track) }));
}

function createServiceAccount(ctx: ReleaseContext): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(
    `${ctx.name}-sa`,
    {
      metadata: {
        name: mapLifted(ctx.resolved, (r) => r.serviceAccountName ?? ctx.appName),
        namespace: ctx.args.namespace,
        labels: ctx.shared,
      },
      automountServiceAccountToken: false,
    },
    { parent: ctx.parent },
  );
}

interface ReleaseServices {
  /** Without a gateway the shared Service, with one the stable track's. */
  service: k8s.core.v1.Service;
  canaryService: k8s.core.v1.Service | undefined;
}

/** One Service over both tracks, or (with a gateway, which splits by route weight) one per track. */
function createServices(ctx: ReleaseContext): ReleaseServices {
  const { name, appName, args } = ctx;
  const trackService = (track: string) =>
    new k8s.core.v1.Service(
      `${name}-${track}-service`,
      {
        metadata: {
          name: instanceName(appName, track),
          namespace: args.namespace,
          labels: trackLabels(ctx, track),
        },
        spec: mapLifted(ctx.resolved, (r) =>
          buildTrackServiceSpec(appName, track, ctx.servicePortOf(r), r.pod.portName),
        ),
      },
      { parent: ctx.parent },
    );
  if (args.gateway === undefined) {
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: appName, namespace: args.namespace, labels: ctx.shared },
        spec: mapLifted(ctx.resolved, (r) =>
          buildServiceSpec({ appName, port: ctx.servicePortOf(r), portName: r.pod.portName }),
        ),
      },
      { parent: ctx.parent },
    );
    return { service, canaryService: undefined };
  }
  const service = trackService(STABLE_TRACK);
  return { service, canaryService: args.canary !== undefined ? trackService(CANARY_TRACK) : undefined };
}

/** A track's hardened Deployment: HardenedWorkload's pod template and spec, with the step's replicas. */
function createTrackDeployment(
  ctx: ReleaseContext,
  serviceAccount: k8s.core.v1.ServiceAccount,
  track: string,
  trackOf: TrackOf,
  replicasOf: (p: CanaryPlan) => number,
  dependsOn: pulumi.Resource[],
): k8s.apps.v1.Deployment {
  const { appName, plan, resolved } = ctx;
  const spec = (p: CanaryPlan, r: ResolvedCanaryInputs): DeploymentSpec => ({
    ...buildDeploymentSpec({
      pod: trackPodOptions(
        { appName, pod: r.pod, serviceAccountName: r.serviceAccountName },
        track,
        trackOf(p, r),
      ),
      replicas: replicasOf(p),
      revisionHistoryLimit: r.revisionHistoryLimit,
    }),
    progressDeadlineSeconds: ctx.deadline,
  });
  return new k8s.apps.v1.Deployment(
    `${ctx.name}-${track}`,
    {
      metadata: {
        name: instanceName(appName, track),
        namespace: ctx.args.namespace,
        labels: mapLifted2(plan, resolved, (p, r) =>
          buildLabels({
            appName,
            version: trackOf(p, r).version,
            track,
            component: r.pod.component,
            partOf: r.pod.partOf,
          }),
        ),
        annotations: mapLifted(plan, (p) => ({
          [ANNOTATION_WEIGHT]: String(p.weight),
          [ANNOTATION_PREVIOUS_STEP]: String(p.previousStep),
          [ANNOTATION_PHASE]: p.phase,
        })),
      },
      spec: mapLifted2(plan, resolved, spec),
    },
    { parent: ctx.parent, dependsOn: [serviceAccount, ...dependsOn], customTimeouts: ctx.customTimeouts },
  );
}

/** The HTTPRoute splitting traffic by weight between the tracks' Services (gateway mode only). */
function createRoute(
  ctx: ReleaseContext,
  services: ReleaseServices,
  dependsOn: pulumi.Resource[],
): k8s.apiextensions.CustomResource | undefined {
  const gateway = ctx.args.gateway;
  if (gateway === undefined) return undefined;
  return new k8s.apiextensions.CustomResource(
    `${ctx.name}-route`,
    {
      apiVersion: GATEWAY_API_VERSION,
      kind: "HTTPRoute",
      metadata: { name: ctx.appName, namespace: ctx.args.namespace, labels: ctx.shared },
      spec: buildHttpRouteSpec({
        gateway,
        stableService: services.service.metadata.name,
        canaryService: services.canaryService?.metadata.name,
        port: mapLifted(ctx.resolved, ctx.servicePortOf),
        stableWeight: mapLifted(ctx.plan, (p) => p.stableRouteWeight),
        canaryWeight: mapLifted(ctx.plan, (p) => p.canaryRouteWeight),
      }),
    },
    {
      parent: ctx.parent,
      dependsOn: [
        services.service,
        ...(services.canaryService ? [services.canaryService] : []),
        ...dependsOn,
      ],
    },
  );
}

/**
 * Both tracks and the route, ordered so that a failing track leaves the other untouched: a step forward readies
 * the canary before stable shrinks; an abort or a promotion completes stable before traffic and the canary move.
 */
function createTracksAndRoute(
  ctx: ReleaseContext,
  serviceAccount: k8s.core.v1.ServiceAccount,
  services: ReleaseServices,
): {
  stable: k8s.apps.v1.Deployment;
  canary: k8s.apps.v1.Deployment | undefined;
  route: k8s.apiextensions.CustomResource | undefined;
} {
  const makeCanary = (dependsOn: pulumi.Resource[]) =>
    ctx.args.canary !== undefined
      ? createTrackDeployment(
          ctx,
          serviceAccount,
          CANARY_TRACK,
          (_p, r) => ctx.canaryOf(r) ?? ctx.stableOf(r),
          (p) => p.canaryReplicas,
          dependsOn,
        )
      : undefined;
  const makeStable = (dependsOn: pulumi.Resource[]) =>
    createTrackDeployment(
      ctx,
      serviceAccount,
      STABLE_TRACK,
      ctx.stableTrackOf,
      (p) => p.stableReplicas,
      dependsOn,
    );
  const ordering = ctx.planKnown ? trackOrdering((ctx.plan as CanaryPlan).phase) : undefined;
  if (ordering?.canaryAfterStable) {
    const stable = makeStable([]);
    const route = createRoute(ctx, services, [stable]);
    const canary = makeCanary([stable, ...(route ? [route] : [])]);
    return { stable, canary, route };
  }
  if (ordering?.stableAfterCanary) {
    const canary = makeCanary([]);
    const canaryDep = canary ? [canary] : [];
    const stable = makeStable(canaryDep);
    return { stable, canary, route: createRoute(ctx, services, [stable, ...canaryDep]) };
  }
  const canary = makeCanary([]);
  const stable = makeStable([]);
  return { stable, canary, route: createRoute(ctx, services, [stable, ...(canary ? [canary] : [])]) };
}

/** One NetworkPolicy over both tracks: HardenedWorkload's, selecting by app name only. */
function createNetworkPolicy(ctx: ReleaseContext): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${ctx.name}-netpol`,
    {
      metadata: { name: ctx.appName, namespace: ctx.args.namespace, labels: ctx.shared },
      spec: mapLifted(ctx.resolved, (r) => ({
        ...buildNetworkPolicySpec({
          appName: ctx.appName,
          containerPort: r.pod.containerPort,
          ingressFrom: r.ingressFrom,
          egressTo: r.egressTo,
        }),
        podSelector: { matchLabels: buildServiceSelector(ctx.appName) },
      })),
    },
    { parent: ctx.parent },
  );
}

/** A PodDisruptionBudget per track (HardenedWorkload's), unless `pdb` is false or a single pod runs. */
function createPodDisruptionBudgets(ctx: ReleaseContext): k8s.policy.v1.PodDisruptionBudget[] {
  const { args } = ctx;
  const pdbEnabled = args.pdb ?? (isPlainInput(args.replicas) ? (args.replicas as number) > 1 : true);
  const tracks = pdbEnabled
    ? args.canary !== undefined
      ? [STABLE_TRACK, CANARY_TRACK]
      : [STABLE_TRACK]
    : [];
  return tracks.map(
    (track) =>
      new k8s.policy.v1.PodDisruptionBudget(
        `${ctx.name}-${track}-pdb`,
        {
          metadata: {
            name: instanceName(ctx.appName, track),
            namespace: args.namespace,
            labels: trackLabels(ctx, track),
          },
          spec: mapLifted(ctx.resolved, (r) =>
            buildPdbSpec({ appName: ctx.appName, track, maxUnavailable: r.pdbMaxUnavailable }),
          ),
        },
        { parent: ctx.parent },
      ),
  );
}
