// `npm run debug -- --stack <s> --service <name> [--track canary] [--image <ref>] [--break-glass <reason>] [-- cmd]`
// attaches an ephemeral debug container to a running pod of the service, in the app container's process
// namespace: a distroless image has no shell, so the shell comes with the debug image, never with the app's.
// Refused in prod unless --break-glass gives a reason, which is recorded as a Kubernetes event on the pod.
import * as crypto from "node:crypto";
import * as os from "node:os";
import { parseArgs } from "node:util";
import type * as k8s from "@kubernetes/client-node";
import { ConfigError, type PlatformConfig } from "../config";
import { buildContainerSecurityContext, LABEL_NAME, LABEL_TRACK } from "../components/podspec";
import {
  DISTROLESS_REGISTRY,
  ephemeralContainerImages,
  isPinnedByDigest,
  ruleConfig,
} from "distroless-guardrails/model";
import { stackConfig, StackConfigError, stackFilePath } from "./lib/stack-config";
import { kubeClientFor, policyConfigFor, type StackTarget } from "./stack";

export interface DebugOptions {
  target: StackTarget;
  service: string;
  track?: "stable" | "canary";
  image?: string;
  /** Why a person debugs in prod; required there. */
  breakGlass?: string;
  /** Run this instead of an interactive shell, wait for it and return its output. */
  command?: string[];
  log?: (line: string) => void;
}

export interface DebugResult {
  namespace: string;
  pod: string;
  container: string;
  image: string;
  /** The command's output and exit code, when a command was given. */
  output?: string;
  exitCode?: number;
}

/** A mistake in what was asked: exit 2, with what to do instead. */
export class DebugRefused extends Error {}

/** The debug image: --image, else debug.image, else the base's debug-nonroot variant from where bases come from. */
export function debugImage(platform: PlatformConfig, override?: string): string {
  if (override !== undefined) return override;
  if (platform.debug.image !== undefined) return platform.debug.image;
  const prefix = platform.registry.mirror ?? DISTROLESS_REGISTRY.google;
  return `${prefix}/base-debian${platform.images.debian}:debug-nonroot`;
}

/** Why this debug session may not start, or undefined. Pure: the prod gate and the pack's rule on the image. */
export function refusal(
  platform: PlatformConfig,
  image: string,
  breakGlass: string | undefined,
  allowedRegistries: string[] | undefined,
): string | undefined {
  const prod = platform.environment === "prod";
  if (
    breakGlass !== undefined &&
    (breakGlass.trim() === "" || breakGlass.length > 300 || /[\r\n]/.test(breakGlass))
  ) {
    return "--break-glass: give the reason on one line, at most 300 characters";
  }
  if (prod && breakGlass === undefined) {
    return (
      "debugging is refused in environment prod: a debug container runs in the app's process namespace. " +
      'If you must, rerun with --break-glass "<reason>"; the reason is recorded as an event on the pod'
    );
  }
  if (prod && !isPinnedByDigest(image)) {
    return `--image: ${JSON.stringify(image)} is not allowed in environment prod; set debug.image to a debug image pinned by digest (<repository>@sha256:<64 hex>)`;
  }
  const config = ruleConfig({
    environment: platform.environment,
    ...(allowedRegistries !== undefined ? { allowedRegistries } : {}),
  });
  const problems = ephemeralContainerImages.check({
    kind: "Pod",
    name: "debug",
    metadata: {},
    spec: { containers: [], ephemeralContainers: [{ name: "debug", image }] },
    config,
  });
  return problems.length > 0 ? `${problems.join("; ")} (policy ephemeralContainerImages)` : undefined;
}

function ready(pod: k8s.V1Pod): boolean {
  return (
    pod.status?.phase === "Running" &&
    pod.metadata?.deletionTimestamp === undefined &&
    pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true
  );
}

export async function debug(opts: DebugOptions): Promise<DebugResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const platform = stackConfig(stackFilePath(opts.target.stack, opts.target.projectRoot), opts.target.config);
  if (!platform.services.some((s) => s.name === opts.service)) {
    throw new DebugRefused(
      `--service: ${JSON.stringify(opts.service)} is not a service of stack ${opts.target.stack}; services: ${platform.services.map((s) => s.name).join(", ")}`,
    );
  }
  const image = debugImage(platform, opts.image);
  const allowed = policyConfigFor(opts.target).ephemeralContainerImages?.allowedRegistries as
    string[] | undefined;
  const refused = refusal(platform, image, opts.breakGlass, allowed);
  if (refused !== undefined) throw new DebugRefused(refused);

  const { k8s: k8sLib, kc } = await kubeClientFor(opts.target);
  const core = kc.makeApiClient(k8sLib.CoreV1Api);
  const namespace = platform.namespace.name;
  const track = opts.track ?? "stable";
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: `${LABEL_NAME}=${opts.service},${LABEL_TRACK}=${track}`,
  });
  const pod = pods.items
    .filter(ready)
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))[0];
  const podName = pod?.metadata?.name;
  if (pod === undefined || podName === undefined) {
    throw new DebugRefused(
      `no Ready pod of ${opts.service} (track ${track}) in namespace ${namespace}; deploy it first (npm run deploy -- --stack ${opts.target.stack})`,
    );
  }
  const target = pod.spec?.containers[0]?.name ?? "app";
  const name = `debug-${crypto.randomBytes(3).toString("hex")}`;
  const interactive = opts.command === undefined || opts.command.length === 0;
  const container: k8s.V1EphemeralContainer = {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    targetContainerName: target,
    // The namespace enforces Pod Security restricted: the debug container is as hardened as the app's.
    securityContext: buildContainerSecurityContext(),
    ...(interactive ? { stdin: true, tty: true } : { command: opts.command }),
  };
  if (opts.breakGlass !== undefined) {
    const who = process.env.USER ?? os.userInfo().username;
    const now = new Date();
    await core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${podName}.break-glass-` },
        involvedObject: { kind: "Pod", namespace, name: podName, uid: pod.metadata?.uid, apiVersion: "v1" },
        reason: "BreakGlassDebug",
        type: "Warning",
        message: `${who} attached debug container ${name} (image ${image}): ${opts.breakGlass}`,
        source: { component: "distroless-platform/debug" },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    log(`break-glass recorded as an event on pod ${namespace}/${podName}: ${opts.breakGlass}`);
  }
  const body: k8s.V1Pod = {
    ...pod,
    spec: { ...pod.spec!, ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), container] },
  };
  await core.replaceNamespacedPodEphemeralcontainers({ name: podName, namespace, body });
  log(
    `debug container ${name} (${image}) added to pod ${namespace}/${podName}, in the process namespace of container ${target}`,
  );

  // Wait for it to run (or, with a command, to finish).
  const deadline = Date.now() + 120_000;
  for (;;) {
    const now = await core.readNamespacedPod({ name: podName, namespace });
    const status = now.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
    const waiting = status?.state?.waiting?.reason;
    if (
      waiting !== undefined &&
      /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainer/.test(waiting)
    ) {
      throw new Error(`debug container ${name} cannot start: ${waiting}; check --image / debug.image`);
    }
    const terminated = status?.state?.terminated;
    if (!interactive && terminated !== undefined) {
      const output = await core.readNamespacedPodLog({ name: podName, namespace, container: name });
      return { namespace, pod: podName, container: name, image, output, exitCode: terminated.exitCode };
    }
    if (interactive && status?.state?.running !== undefined) break;
    if (Date.now() > deadline) throw new Error(`debug container ${name} did not start in 120 s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const kubectl = `kubectl -n ${namespace} attach -it ${podName} -c ${name}`;
  log(`attach: ${kubectl}`);
  log(
    `inside: ps shows the app's processes; its files are under /proc/<pid>/root. Leave with exit (or Ctrl-D): the ` +
      "container stops and stays listed in the pod until the pod is replaced (the next rollout).",
  );
  return { namespace, pod: podName, container: name, image };
}

const USAGE = `usage: npm run debug -- --stack <stack> --service <name> [--track stable|canary] [--image <ref>] [--break-glass "<reason>"] [-- <command...>]
  Attaches an ephemeral debug container (a shell and tools) to a Ready pod of the service, sharing the app
  container's process namespace. With a command, runs it, prints its output and exits with its code.
  --image        debug image (default: debug.image, else <registry.mirror or gcr.io/distroless>/base-debian13:debug-nonroot)
  --break-glass  required in environment prod: why; recorded as a Kubernetes event on the pod`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: "string", default: "local" },
        service: { type: "string" },
        track: { type: "string", default: "stable" },
        image: { type: "string" },
        "break-glass": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.service === undefined) {
    process.stderr.write(`error: --service is required\n${USAGE}\n`);
    return 2;
  }
  if (values.track !== "stable" && values.track !== "canary") {
    process.stderr.write(
      `error: --track: ${JSON.stringify(values.track)} is not allowed; use stable or canary\n`,
    );
    return 2;
  }
  try {
    const r = await debug({
      target: { stack: values.stack },
      service: values.service,
      track: values.track,
      ...(values.image !== undefined ? { image: values.image } : {}),
      ...(values["break-glass"] !== undefined ? { breakGlass: values["break-glass"] } : {}),
      ...(positionals.length > 0 ? { command: positionals } : {}),
    });
    if (r.output !== undefined) process.stdout.write(r.output);
    return r.exitCode ?? 0;
  } catch (e) {
    if (e instanceof DebugRefused || e instanceof ConfigError || e instanceof StackConfigError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
