// The release's second metric source: a Prometheus that scrapes the apps' /metrics. The apps label their own
// series with service, version and track, so the queries need no relabelling rules; `labels` narrows them further
// (e.g. the namespace label a Kubernetes scrape config adds).

export interface PrometheusSettings {
  /** Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090. */
  url: string;
  /** Range of the rate() windows, a Prometheus duration such as `1m`. */
  window: string;
  /** Extra label matchers, e.g. { namespace: "apps" }. */
  labels: Record<string, string>;
}

/** What Prometheus says of one track over the window. */
export interface TrackMetrics {
  /** Share of 5xx answers, in percent; undefined when the track answered nothing in the window. */
  errorRatePercent?: number;
  /** 99th percentile latency in milliseconds; undefined without requests. */
  p99Ms?: number;
}

function selector(service: string, track: string, labels: Record<string, string>, extra = ""): string {
  const all: Record<string, string> = { ...labels, service, track };
  const matchers = Object.keys(all)
    .sort()
    .map((k) => `${k}=${JSON.stringify(all[k])}`);
  return `{${[...matchers, ...(extra !== "" ? [extra] : [])].join(",")}}`;
}

/** The two PromQL queries of a track: error rate in percent and p99 latency in milliseconds. */
export function promQueries(
  service: string,
  track: string,
  settings: Pick<PrometheusSettings, "window" | "labels">,
): { errorRate: string; p99: string } {
  const w = settings.window;
  const all = selector(service, track, settings.labels);
  const errors = selector(service, track, settings.labels, 'code=~"5.."');
  const buckets = selector(service, track, settings.labels);
  return {
    errorRate: `100 * sum(rate(http_requests_total${errors}[${w}])) / sum(rate(http_requests_total${all}[${w}]))`,
    p99: `1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket${buckets}[${w}])))`,
  };
}

export class PrometheusError extends Error {}

/**
 * The single number of an instant query's answer (`/api/v1/query`); undefined for an empty vector or NaN (no
 * requests in the window: 0/0). Throws PrometheusError on an error answer or a shape it cannot read.
 */
export function scalarOf(body: unknown): number | undefined {
  const b = body as {
    status?: unknown;
    error?: unknown;
    data?: { resultType?: unknown; result?: unknown };
  } | null;
  if (b?.status !== "success") {
    throw new PrometheusError(`Prometheus answered ${typeof b?.error === "string" ? b.error : "an error"}`);
  }
  const { resultType, result } = b.data ?? {};
  let raw: unknown;
  if (resultType === "scalar" && Array.isArray(result)) raw = result[1];
  else if (resultType === "vector" && Array.isArray(result)) {
    if (result.length === 0) return undefined;
    if (result.length > 1) throw new PrometheusError(`the query gave ${result.length} series, expected one`);
    raw = (result[0] as { value?: unknown[] }).value?.[1];
  } else throw new PrometheusError(`unexpected answer type ${JSON.stringify(resultType)}`);
  const n = typeof raw === "string" ? Number(raw) : NaN;
  if (raw === "NaN") return undefined;
  if (!Number.isFinite(n)) throw new PrometheusError(`not a number: ${JSON.stringify(raw)}`);
  return n;
}

/** Runs an instant query. */
export async function query(url: string, promql: string, timeoutMs = 5000): Promise<number | undefined> {
  const endpoint = new URL("api/v1/query", url.endsWith("/") ? url : `${url}/`);
  endpoint.searchParams.set("query", promql);
  let res: Response;
  try {
    res = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const why = (e as Error).name === "TimeoutError" ? `no answer in ${timeoutMs} ms` : "cannot connect";
    throw new PrometheusError(`Prometheus at ${url}: ${why}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new PrometheusError(`Prometheus at ${url} answered HTTP ${res.status} without JSON`);
  }
  return scalarOf(body);
}

/** Both numbers of a track. */
export async function trackMetrics(
  service: string,
  track: string,
  settings: PrometheusSettings,
): Promise<TrackMetrics> {
  const q = promQueries(service, track, settings);
  const [errorRate, p99] = await Promise.all([query(settings.url, q.errorRate), query(settings.url, q.p99)]);
  return {
    ...(errorRate !== undefined ? { errorRatePercent: errorRate } : {}),
    ...(p99 !== undefined ? { p99Ms: p99 } : {}),
  };
}
