// What the driver measures in the cluster, through the Kubernetes API only (the same access `pulumi up` has, no
// port-forward and no agent): probe requests sent through the API server's proxy to the app's Service, counted
// per track from the version and track the sample apps report, and the canary pods' status.
import * as https from "node:https";
import type * as k8s from "@kubernetes/client-node";
import { LABEL_NAME, LABEL_TRACK } from "../../components/podspec";
import { BROKEN_REASONS, type PodSignals, type TrackSample } from "./analysis";

/** Probe answers of one interval, per track; answers naming neither track (and no answer) count on `unknown`. */
export interface ProbeResult {
  canary: TrackSample;
  stable: TrackSample;
  unknown: TrackSample;
  /** When the first failed answer (5xx or none) came back, in Date.now() milliseconds. */
  firstErrorAt?: number;
}

const emptySample = (): TrackSample => ({ requests: 0, errors: 0, latenciesMs: [] });

/** A Service probes go to and its share of them. */
export interface ProbeTarget {
  service: string;
  share: number;
}

/**
 * Where probes go: the Service both tracks share (its endpoints are the traffic split), or, with a gateway (the
 * route splits traffic, each track has its own Service), half to each track's Service, so the canary is judged
 * on answers of its own whatever the route weight.
 */
export function probeTargets(
  out: { serviceName?: string; canaryServiceName?: string },
  fallback: string,
): ProbeTarget[] {
  const stable = out.serviceName ?? fallback;
  return out.canaryServiceName !== undefined
    ? [
        { service: stable, share: 0.5 },
        { service: out.canaryServiceName, share: 0.5 },
      ]
    : [{ service: stable, share: 1 }];
}

/** Requests per target: the shares of `requests`, at least one each. */
export function splitRequests(requests: number, targets: readonly ProbeTarget[]): number[] {
  return targets.map((t) => Math.max(1, Math.round(requests * t.share)));
}

export class ClusterProbe {
  private readonly core: k8s.CoreV1Api;
  private restartsAtStart: number | undefined;
  /** `<service>:<port>` per Service, as the API server's proxy wants it (a named port must be named). */
  private readonly proxyTargets = new Map<string, string>();
  private targets: ProbeTarget[];

  constructor(
    k8sLib: typeof k8s,
    private readonly kc: k8s.KubeConfig,
    private readonly namespace: string,
    service: string,
    private readonly app: string,
  ) {
    this.core = kc.makeApiClient(k8sLib.CoreV1Api);
    this.targets = [{ service, share: 1 }];
  }

  /** Sends the next probes to these Services. */
  setTargets(targets: ProbeTarget[]): void {
    this.targets = targets;
  }

  /** True when probes go to one Service both tracks share, so the answers measure the traffic split. */
  get measuresSplit(): boolean {
    return this.targets.length === 1;
  }

  /** One GET through the API server's service proxy: status, body and milliseconds. */
  private async get(
    service: string,
    path: string,
    timeoutMs: number,
  ): Promise<{ status: number; body: string; ms: number }> {
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error("the kubeconfig has no current cluster");
    let target = this.proxyTargets.get(service);
    if (target === undefined) {
      const svc = await this.core.readNamespacedService({ name: service, namespace: this.namespace });
      const port = svc.spec?.ports?.[0];
      target = `${service}:${port?.name || String(port?.port ?? 80)}`;
      this.proxyTargets.set(service, target);
    }
    const url = new URL(
      `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/services/${encodeURIComponent(target)}/proxy${path}`,
      cluster.server,
    );
    const opts: https.RequestOptions = {
      method: "GET",
      hostname: url.hostname,
      port: url.port,
      path: url.pathname,
      timeout: timeoutMs,
      headers: { accept: "application/json" },
    };
    await this.kc.applyToHTTPSOptions(opts);
    const started = performance.now();
    return new Promise((resolve) => {
      const req = https.request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - started,
          }),
        );
        res.on("error", () => resolve({ status: 0, body: "", ms: performance.now() - started }));
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve({ status: 0, body: "", ms: performance.now() - started }));
      req.end();
    });
  }

  /** `requests` probes of /version, a few at a time; each answer is counted on the track it names. */
  async probe(requests: number, timeoutMs = 5000): Promise<ProbeResult> {
    const result: ProbeResult = { canary: emptySample(), stable: emptySample(), unknown: emptySample() };
    const one = async (service: string) => {
      const r = await this.get(service, "/version", timeoutMs);
      let track: string | undefined;
      try {
        track = (JSON.parse(r.body) as { track?: unknown }).track as string | undefined;
      } catch {
        track = undefined;
      }
      const sample = track === "canary" ? result.canary : track === "stable" ? result.stable : result.unknown;
      sample.requests += 1;
      if (r.status === 0 || r.status >= 500) {
        sample.errors += 1;
        result.firstErrorAt ??= Date.now();
      }
      sample.latenciesMs.push(r.ms);
    };
    const parallel = 4;
    const counts = splitRequests(requests, this.targets);
    for (const [i, target] of this.targets.entries()) {
      for (let sent = 0; sent < counts[i]; sent += parallel) {
        await Promise.all(
          Array.from({ length: Math.min(parallel, counts[i] - sent) }, () => one(target.service)),
        );
      }
    }
    return result;
  }

  /** The canary pods' readiness, restarts since the first call, and broken-version reasons. */
  async canaryPods(wanted: number): Promise<PodSignals> {
    const list = await this.core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `${LABEL_NAME}=${this.app},${LABEL_TRACK}=canary`,
    });
    let ready = 0;
    let restarts = 0;
    const problems: string[] = [];
    for (const pod of list.items) {
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      if (pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) ready += 1;
      for (const cs of pod.status?.containerStatuses ?? []) {
        restarts += cs.restartCount;
        const reasons = [
          cs.state?.waiting?.reason,
          cs.state?.terminated?.reason,
          cs.lastState?.terminated?.reason,
        ];
        for (const reason of reasons)
          if (reason !== undefined && BROKEN_REASONS.has(reason)) problems.push(reason);
      }
    }
    this.restartsAtStart ??= restarts;
    return { wanted, ready, restarts: restarts - this.restartsAtStart, problems };
  }

  /** Forgets the restart baseline (a new step starts counting again). */
  resetRestarts(): void {
    this.restartsAtStart = undefined;
  }
}
