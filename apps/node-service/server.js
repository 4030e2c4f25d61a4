// Sample service deployed by distroless-platform: no dependencies, so `npm ci --omit=dev` installs nothing
// and the distroless nodejs image needs nothing but this file and package.json.
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");

const SERVICE = "node-service";
const pkg = require("./package.json");

/** Reads a non-negative integer from the environment; a bad value is a startup error naming the key. */
function intFromEnv(key, fallback, max) {
  const raw = process.env[key];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    throw new Error(`invalid ${key}=${JSON.stringify(raw)}: must be an integer between 0 and ${max}`);
  }
  return Number(raw);
}

function stringFromEnv(key, fallback) {
  const raw = process.env[key];
  return raw === undefined || raw === "" ? fallback : raw;
}

/** One JSON object per line on stdout, which is what the cluster's log collector parses. */
function log(level, msg, fields) {
  const line = { ts: new Date().toISOString(), level, msg, service: SERVICE, ...fields };
  process.stdout.write(JSON.stringify(line) + "\n");
}

let config;
try {
  config = {
    port: intFromEnv("PORT", 8080, 65535),
    version: stringFromEnv("APP_VERSION", pkg.version),
    track: stringFromEnv("TRACK", "stable"),
    // Time to keep serving with /readyz at 503 so endpoints drop the pod before the listener closes.
    drainDelayMs: intFromEnv("DRAIN_DELAY_MS", 0, 600000),
    // Must stay below the pod's terminationGracePeriodSeconds, or the kubelet's SIGKILL wins.
    shutdownTimeoutMs: intFromEnv("SHUTDOWN_TIMEOUT_MS", 10000, 600000),
    // When FAIL_VERSION names this version the service misbehaves on purpose, so a release driver's rollback
    // can be shown: "errors" answers 500 on / and /version, "unready" never becomes Ready.
    failMode: stringFromEnv("FAIL_MODE", "errors"),
  };
  if (config.failMode !== "errors" && config.failMode !== "unready") {
    throw new Error(`invalid FAIL_MODE=${JSON.stringify(config.failMode)}: must be errors or unready`);
  }
  config.failing = process.env.FAIL_VERSION !== undefined && process.env.FAIL_VERSION === config.version;
} catch (err) {
  log("error", "invalid configuration", { error: err.message });
  process.exit(1);
}

const hostname = os.hostname();
let ready = false;
let draining = false;

function sendJson(res, status, body, headers) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : payload);
}

const failing = (mode) => config.failing && config.failMode === mode;
// The failure still names its version and track, so a prober can tell which track failed.
const failure = () => [
  500,
  {
    error: "failing on purpose (FAIL_VERSION)",
    service: SERVICE,
    version: config.version,
    track: config.track,
  },
];

const routes = {
  "/healthz": () => [200, { status: "ok" }],
  "/readyz": () =>
    failing("unready")
      ? [503, { status: "failing on purpose" }]
      : ready
        ? [200, { status: "ready" }]
        : [503, { status: draining ? "draining" : "starting" }],
  "/version": () =>
    failing("errors") ? failure() : [200, { service: SERVICE, version: config.version, track: config.track }],
  "/": () =>
    failing("errors")
      ? failure()
      : [200, { service: SERVICE, version: config.version, track: config.track, hostname }],
};

// Request metrics in the Prometheus text format, by hand: the service has no dependencies. Probe paths and the
// scrape itself are not counted, so the numbers are the traffic's own.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NOT_COUNTED = new Set(["/healthz", "/readyz", "/metrics"]);
const metrics = { byCode: new Map(), buckets: LATENCY_BUCKETS.map(() => 0), count: 0, sum: 0 };

function observe(pathname, code, seconds) {
  if (NOT_COUNTED.has(pathname)) return;
  metrics.byCode.set(code, (metrics.byCode.get(code) || 0) + 1);
  metrics.count += 1;
  metrics.sum += seconds;
  LATENCY_BUCKETS.forEach((le, i) => {
    if (seconds <= le) metrics.buckets[i] += 1;
  });
}

function renderMetrics() {
  const labels = `service=${JSON.stringify(SERVICE)},version=${JSON.stringify(config.version)},track=${JSON.stringify(config.track)}`;
  const lines = [
    "# HELP http_requests_total Requests answered, probes and scrapes left out.",
    "# TYPE http_requests_total counter",
    ...[...metrics.byCode.keys()]
      .sort((a, b) => a - b)
      .map((code) => `http_requests_total{${labels},code="${code}"} ${metrics.byCode.get(code)}`),
    "# HELP http_request_duration_seconds Time to answer a request, probes and scrapes left out.",
    "# TYPE http_request_duration_seconds histogram",
    ...LATENCY_BUCKETS.map(
      (le, i) => `http_request_duration_seconds_bucket{${labels},le="${le}"} ${metrics.buckets[i]}`,
    ),
    `http_request_duration_seconds_bucket{${labels},le="+Inf"} ${metrics.count}`,
    `http_request_duration_seconds_sum{${labels}} ${metrics.sum}`,
    `http_request_duration_seconds_count{${labels}} ${metrics.count}`,
  ];
  return lines.join("\n") + "\n";
}

function handle(req, res) {
  const started = process.hrtime.bigint();
  const pathname = new URL(req.url || "/", "http://localhost").pathname;
  res.on("finish", () => {
    observe(pathname, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    log("info", "request", {
      method: req.method,
      path: pathname,
      status: res.statusCode,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      track: config.track,
      version: config.version,
    });
  });
  // Keep-alive connections would outlive the drain; tell clients to reconnect (to another pod).
  if (draining) res.setHeader("connection", "close");

  if (pathname === "/metrics" && (req.method === "GET" || req.method === "HEAD")) {
    const text = renderMetrics();
    res.writeHead(200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : text);
    return;
  }
  const route = Object.prototype.hasOwnProperty.call(routes, pathname) ? routes[pathname] : undefined;
  if (route === undefined) {
    sendJson(res, 404, { error: "not found", path: pathname });
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendJson(res, 405, { error: "method not allowed", method: req.method }, { allow: "GET, HEAD" });
    return;
  }
  const [status, body] = route();
  sendJson(res, status, body);
}

const server = http.createServer(handle);

server.on("error", (err) => {
  log("error", "server error", { error: err.message, code: err.code });
  process.exit(1);
});

server.listen(config.port, "0.0.0.0", () => {
  const address = server.address();
  // The root filesystem is read-only in the cluster; /tmp is the emptyDir the workload mounts.
  const marker = path.join(os.tmpdir(), "started");
  try {
    fs.writeFileSync(marker, JSON.stringify({ pid: process.pid, version: config.version }) + "\n");
  } catch (err) {
    log("warn", "could not write start marker", { file: marker, error: err.message });
  }
  ready = true;
  log("info", "listening", {
    host: address.address,
    port: address.port,
    version: config.version,
    track: config.track,
    node: process.version,
  });
});

function shutdown(signal) {
  if (draining) return;
  draining = true;
  ready = false;
  log("info", "draining", { signal, drainDelayMs: config.drainDelayMs });

  const deadline = setTimeout(() => {
    log("warn", "shutdown timeout, closing remaining connections", {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    server.closeAllConnections();
    process.exit(0);
  }, config.shutdownTimeoutMs);
  deadline.unref();

  setTimeout(() => {
    // close() stops accepting, drops idle keep-alive sockets and calls back once in-flight requests end.
    server.close(() => {
      log("info", "shutdown complete", {});
      process.exit(0);
    });
    server.closeIdleConnections();
  }, config.drainDelayMs);
}

process.on("uncaughtException", (err) => {
  log("error", "uncaught exception", { error: err.message, stack: err.stack });
  process.exit(1);
});
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
