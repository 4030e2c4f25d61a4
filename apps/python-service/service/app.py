"""The HTTP service: probes, version reporting, JSON logs, /metrics and a SIGTERM drain, like its Node.js and Go
siblings, so the hardened workload (read-only root filesystem, /tmp only) runs it unchanged."""

import datetime
import http.server
import json
import os
import platform
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

from . import __version__
from .metrics import Metrics

SERVICE = "python-service"

_log_lock = threading.Lock()


def log(level, msg, **fields):
    """One JSON object per line on stdout, which is what the cluster's log collector parses."""
    now = datetime.datetime.now(datetime.timezone.utc)
    line = {
        "ts": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "msg": msg,
        "service": SERVICE,
    }
    line.update(fields)
    text = json.dumps(line, separators=(",", ":")) + "\n"
    with _log_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


class ConfigError(Exception):
    pass


def int_from_env(key, fallback, maximum):
    """A non-negative integer from the environment; a bad value is a startup error naming the key."""
    raw = os.environ.get(key, "")
    if raw == "":
        return fallback
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) > maximum:
        raise ConfigError(
            "invalid %s=%s: must be an integer between 0 and %d" % (key, json.dumps(raw), maximum)
        )
    return int(raw)


def string_from_env(key, fallback):
    raw = os.environ.get(key, "")
    return fallback if raw == "" else raw


class Config:
    def __init__(self):
        self.port = int_from_env("PORT", 8080, 65535)
        self.version = string_from_env("APP_VERSION", __version__)
        self.track = string_from_env("TRACK", "stable")
        # Time to keep serving with /readyz at 503 so endpoints drop the pod before the listener closes.
        self.drain_delay_ms = int_from_env("DRAIN_DELAY_MS", 0, 600000)
        # Must stay below the pod's terminationGracePeriodSeconds, or the kubelet's SIGKILL wins.
        self.shutdown_timeout_ms = int_from_env("SHUTDOWN_TIMEOUT_MS", 10000, 600000)
        # When FAIL_VERSION names this version the service misbehaves on purpose, so a release driver's rollback
        # can be shown: "errors" answers 500 on / and /version, "unready" never becomes Ready.
        self.fail_mode = string_from_env("FAIL_MODE", "errors")
        if self.fail_mode not in ("errors", "unready"):
            raise ConfigError("invalid FAIL_MODE=%s: must be errors or unready" % json.dumps(self.fail_mode))
        self.failing = os.environ.get("FAIL_VERSION") == self.version


class State:
    """What the handlers share: readiness, the drain, and the connections that are idle or busy."""

    def __init__(self, config):
        self.config = config
        self.metrics = Metrics(SERVICE, config.version, config.track)
        self.hostname = socket.gethostname()
        self.ready = False
        self.draining = False
        self.lock = threading.Lock()
        self.idle = set()  # sockets waiting for their next request on a kept-alive connection
        self.busy = 0

    def failing(self, mode):
        return self.config.failing and self.config.fail_mode == mode

    def failure(self):
        # The failure still names its version and track, so a prober can tell which track failed.
        return 500, {
            "error": "failing on purpose (FAIL_VERSION)",
            "service": SERVICE,
            "version": self.config.version,
            "track": self.config.track,
        }

    def route(self, path):
        c = self.config
        if path == "/healthz":
            return 200, {"status": "ok"}
        if path == "/readyz":
            if self.failing("unready"):
                return 503, {"status": "failing on purpose"}
            if self.ready:
                return 200, {"status": "ready"}
            return 503, {"status": "draining" if self.draining else "starting"}
        if path == "/version":
            if self.failing("errors"):
                return self.failure()
            return 200, {"service": SERVICE, "version": c.version, "track": c.track}
        if path == "/":
            if self.failing("errors"):
                return self.failure()
            return 200, {"service": SERVICE, "version": c.version, "track": c.track, "hostname": self.hostname}
        return None


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the kubelet's and the mesh's clients use it
        server_version = SERVICE

        def handle_one_request(self):
            # Until its request line arrives a connection is idle: the drain closes it rather than waiting on it.
            with state.lock:
                state.idle.add(self.connection)
            try:
                super().handle_one_request()
            finally:
                with state.lock:
                    state.idle.discard(self.connection)

        def parse_request(self):
            with state.lock:
                state.idle.discard(self.connection)
            ok = super().parse_request()
            if ok:
                with state.lock:
                    state.busy += 1
                self._counted = True
            return ok

        def _done(self):
            if getattr(self, "_counted", False):
                self._counted = False
                with state.lock:
                    state.busy -= 1

        def _serve(self):
            started = time.monotonic()
            path = urlsplit(self.path).path
            try:
                if path == "/metrics" and self.command in ("GET", "HEAD"):
                    status = 200
                    self._send(status, state.metrics.render().encode(), "text/plain; version=0.0.4; charset=utf-8")
                else:
                    routed = state.route(path)
                    if routed is None:
                        status, body, extra = 404, {"error": "not found", "path": path}, {}
                    elif self.command not in ("GET", "HEAD"):
                        status, body = 405, {"error": "method not allowed", "method": self.command}
                        extra = {"allow": "GET, HEAD"}
                    else:
                        status, body = routed
                        extra = {}
                    self._send(status, json.dumps(body, separators=(",", ":")).encode(),
                               "application/json; charset=utf-8", extra)
                seconds = time.monotonic() - started
                state.metrics.observe(path, status, seconds)
                log("info", "request", method=self.command, path=path, status=status,
                    durationMs=seconds * 1000, track=state.config.track, version=state.config.version)
            finally:
                self._done()

        def _send(self, status, payload, content_type, extra=None):
            self.send_response_only(status)
            self.send_header("date", self.date_time_string())
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.send_header("cache-control", "no-store")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            # Keep-alive connections would outlive the drain; tell clients to reconnect (to another pod).
            if state.draining:
                self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

        def log_message(self, format, *args):
            # Requests are logged as JSON by _serve; http.server's own lines would go to stderr.
            pass

        def log_error(self, format, *args):
            log("warn", "bad request", error=format % args)

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        log("error", "request failed", error=str(sys.exc_info()[1]))


def write_marker(version):
    # The root filesystem is read-only in the cluster; /tmp is the emptyDir the workload mounts.
    marker = os.path.join(tempfile.gettempdir(), "started")
    try:
        with open(marker, "w") as f:
            f.write(json.dumps({"pid": os.getpid(), "version": version}, separators=(",", ":")) + "\n")
    except OSError as err:
        log("warn", "could not write start marker", file=marker, error=err.strerror or "not writable")


def main():
    try:
        config = Config()
    except ConfigError as err:
        log("error", "invalid configuration", error=str(err))
        return 1

    state = State(config)
    try:
        server = Server(("0.0.0.0", config.port), make_handler(state))
    except OSError as err:
        log("error", "server error", error=err.strerror or "cannot listen", port=config.port)
        return 1

    stop = threading.Event()
    signals = []

    def on_signal(signum, _frame):
        signals.append(signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    serving = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    serving.start()
    write_marker(config.version)
    host, port = server.server_address[:2]
    state.ready = True
    log("info", "listening", host=host, port=port, version=config.version, track=config.track,
        python=platform.python_version())

    while not stop.wait(3600):
        pass
    return drain(server, state, signals[0])


def drain(server, state, signame):
    config = state.config
    with state.lock:
        state.draining = True
        state.ready = False
    log("info", "draining", signal=signame, drainDelayMs=config.drain_delay_ms)
    deadline = time.monotonic() + config.shutdown_timeout_ms / 1000
    time.sleep(config.drain_delay_ms / 1000)

    # Stop accepting, drop idle kept-alive connections, and let in-flight requests finish.
    server.shutdown()
    server.server_close()
    with state.lock:
        for conn in list(state.idle):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    while time.monotonic() < deadline:
        with state.lock:
            if state.busy == 0:
                break
        time.sleep(0.01)
    else:
        log("warn", "shutdown timeout, closing remaining connections", shutdownTimeoutMs=config.shutdown_timeout_ms)
        return 0
    log("info", "shutdown complete")
    return 0
