// Command go-service is the sample static Go service deployed by distroless-platform. It is built with
// CGO_ENABLED=0 so the binary runs on distroless/static, which has no libc.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const serviceName = "go-service"

// version is stamped at build time with -ldflags "-X main.version=..."; APP_VERSION overrides it at run time.
var version = "dev"

type config struct {
	Port    int
	Version string
	Track   string
	// DrainDelay keeps serving with /readyz at 503 so endpoints drop the pod before the listener closes.
	DrainDelay time.Duration
	// ShutdownTimeout must stay below the pod's terminationGracePeriodSeconds, or the kubelet's SIGKILL wins.
	ShutdownTimeout time.Duration
	// Failing is true when FAIL_VERSION names this version: FailMode then says how it misbehaves, so a release
	// driver's rollback can be shown. "errors" answers 500 on / and /version; "unready" never becomes Ready.
	Failing  bool
	FailMode string
}

// loadConfig reads the environment through getenv so tests need not mutate the process environment.
func loadConfig(getenv func(string) string) (config, error) {
	port, err := intFromEnv(getenv, "PORT", 8080, 65535)
	if err != nil {
		return config{}, err
	}
	drainMs, err := intFromEnv(getenv, "DRAIN_DELAY_MS", 0, 600000)
	if err != nil {
		return config{}, err
	}
	shutdownMs, err := intFromEnv(getenv, "SHUTDOWN_TIMEOUT_MS", 10000, 600000)
	if err != nil {
		return config{}, err
	}
	v := stringFromEnv(getenv, "APP_VERSION", version)
	failMode := stringFromEnv(getenv, "FAIL_MODE", "errors")
	if failMode != "errors" && failMode != "unready" {
		return config{}, fmt.Errorf("invalid FAIL_MODE=%q: must be errors or unready", failMode)
	}
	return config{
		Failing:         getenv("FAIL_VERSION") != "" && getenv("FAIL_VERSION") == v,
		FailMode:        failMode,
		Port:            port,
		Version:         v,
		Track:           stringFromEnv(getenv, "TRACK", "stable"),
		DrainDelay:      time.Duration(drainMs) * time.Millisecond,
		ShutdownTimeout: time.Duration(shutdownMs) * time.Millisecond,
	}, nil
}

func intFromEnv(getenv func(string) string, key string, fallback, maxValue int) (int, error) {
	raw := getenv(key)
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > maxValue || strings.TrimLeft(raw, "0123456789") != "" {
		return 0, fmt.Errorf("invalid %s=%q: must be an integer between 0 and %d", key, raw, maxValue)
	}
	return n, nil
}

func stringFromEnv(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}

// newLogger writes one JSON object per line with the same keys as the Node.js service (ts, level, msg),
// so one log pipeline parses both.
func newLogger(w io.Writer) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				a.Key = "ts"
				a.Value = slog.StringValue(a.Value.Time().UTC().Format("2006-01-02T15:04:05.000Z07:00"))
			case slog.LevelKey:
				if lvl, ok := a.Value.Any().(slog.Level); ok {
					a.Value = slog.StringValue(strings.ToLower(lvl.String()))
				}
			}
			return a
		},
	})
	return slog.New(h).With("service", serviceName)
}

type app struct {
	cfg      config
	hostname string
	log      *slog.Logger
	ready    atomic.Bool
	draining atomic.Bool
	metrics  *metrics
}

func newApp(cfg config, logger *slog.Logger) *app {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return &app{cfg: cfg, hostname: host, log: logger, metrics: newMetrics()}
}

func (a *app) markReady() { a.ready.Store(true) }

func (a *app) startDraining() {
	a.draining.Store(true)
	a.ready.Store(false)
}

type statusBody struct {
	Status string `json:"status"`
}

type versionBody struct {
	Service string `json:"service"`
	Version string `json:"version"`
	Track   string `json:"track"`
}

type infoBody struct {
	Service  string `json:"service"`
	Version  string `json:"version"`
	Track    string `json:"track"`
	Hostname string `json:"hostname"`
}

type failureBody struct {
	Error   string `json:"error"`
	Service string `json:"service"`
	Version string `json:"version"`
	Track   string `json:"track"`
}

type errorBody struct {
	Error  string `json:"error"`
	Path   string `json:"path,omitempty"`
	Method string `json:"method,omitempty"`
}

// route answers a known path; ok is false for an unknown one.
func (a *app) route(path string) (status int, body any, ok bool) {
	switch path {
	case "/healthz":
		return http.StatusOK, statusBody{"ok"}, true
	case "/readyz":
		if a.cfg.Failing && a.cfg.FailMode == "unready" {
			return http.StatusServiceUnavailable, statusBody{"failing on purpose"}, true
		}
		if a.ready.Load() {
			return http.StatusOK, statusBody{"ready"}, true
		}
		if a.draining.Load() {
			return http.StatusServiceUnavailable, statusBody{"draining"}, true
		}
		return http.StatusServiceUnavailable, statusBody{"starting"}, true
	case "/version", "/":
		if a.cfg.Failing && a.cfg.FailMode == "errors" {
			// The failure still names its version and track, so a prober can tell which track failed.
			return http.StatusInternalServerError, failureBody{
				"failing on purpose (FAIL_VERSION)", serviceName, a.cfg.Version, a.cfg.Track,
			}, true
		}
	}
	switch path {
	case "/version":
		return http.StatusOK, versionBody{serviceName, a.cfg.Version, a.cfg.Track}, true
	case "/":
		return http.StatusOK, infoBody{serviceName, a.cfg.Version, a.cfg.Track, a.hostname}, true
	}
	return 0, nil, false
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	payload, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(payload)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(payload)
}

func (a *app) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Keep-alive connections would outlive the drain; tell clients to reconnect (to another pod).
	if a.draining.Load() {
		w.Header().Set("Connection", "close")
	}
	if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		a.metrics.write(w, a.cfg.Version, a.cfg.Track)
		return
	}
	status, body, ok := a.route(r.URL.Path)
	switch {
	case !ok:
		writeJSON(w, http.StatusNotFound, errorBody{Error: "not found", Path: r.URL.Path})
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method not allowed", Method: r.Method})
	default:
		writeJSON(w, status, body)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// ServeHTTP routes the request and logs one JSON line for it.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	a.serveHTTP(rec, r)
	a.metrics.observe(r.URL.Path, rec.status, time.Since(start))
	a.log.Info("request",
		"method", r.Method,
		"path", r.URL.Path,
		"status", rec.status,
		"durationMs", float64(time.Since(start).Microseconds())/1000,
		"track", a.cfg.Track,
		"version", a.cfg.Version,
	)
}

// writeStartMarker writes under the temp dir only: the root filesystem is read-only in the cluster and /tmp
// is the emptyDir the workload mounts.
func writeStartMarker(cfg config) (string, error) {
	file := filepath.Join(os.TempDir(), "started")
	payload, err := json.Marshal(map[string]any{"pid": os.Getpid(), "version": cfg.Version})
	if err != nil {
		return file, err
	}
	return file, os.WriteFile(file, append(payload, '\n'), 0o600)
}

// serve runs h on ln until ctx is cancelled, then drains: /readyz turns 503, the listener stays open for
// DrainDelay, then Shutdown waits for in-flight requests up to ShutdownTimeout. h is a's handler, or a
// wrapper of it in tests.
func serve(ctx context.Context, ln net.Listener, a *app, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	if file, err := writeStartMarker(a.cfg); err != nil {
		a.log.Warn("could not write start marker", "file", file, "error", err.Error())
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.markReady()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	portNum, _ := strconv.Atoi(port)
	a.log.Info("listening", "host", host, "port", portNum, "version", a.cfg.Version, "track", a.cfg.Track,
		"go", runtime.Version())

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}

	a.startDraining()
	a.log.Info("draining", "drainDelayMs", a.cfg.DrainDelay.Milliseconds())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	select {
	case <-time.After(a.cfg.DrainDelay):
	case <-shutdownCtx.Done():
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("shutdown timeout, closing remaining connections",
			"shutdownTimeoutMs", a.cfg.ShutdownTimeout.Milliseconds())
		_ = srv.Close()
		return nil
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.log.Info("shutdown complete")
	return nil
}

func run(ctx context.Context, cfg config, logger *slog.Logger) error {
	// "tcp" would turn 0.0.0.0 into a dual-stack [::] socket; bind IPv4 0.0.0.0 like the Node.js service.
	ln, err := net.Listen("tcp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	a := newApp(cfg, logger)
	return serve(ctx, ln, a, a)
}

// selfCheck reports what the process sees of its sandbox, as one JSON line: the image has no shell, so
// `kubectl exec <pod> -- /app selfcheck` is how an operator (and the end-to-end tests) look inside.
// home is on the root filesystem and owned by the app's user, so only a read-only mount refuses a write there.
func selfCheck(w io.Writer, home, tmp string) error {
	report := map[string]any{"uid": os.Getuid(), "gid": os.Getgid()}
	if v, err := os.ReadFile("/proc/version"); err == nil {
		report["kernel"] = strings.TrimSpace(string(v))
	}
	writable := func(dir string) any {
		f, err := os.CreateTemp(dir, ".selfcheck-*")
		if err != nil {
			var errno syscall.Errno
			if errors.As(err, &errno) {
				return errno.Error()
			}
			return "not writable"
		}
		name := f.Name()
		f.Close()
		os.Remove(name)
		return true
	}
	report["homeWritable"] = writable(home)
	report["tmpWritable"] = writable(tmp)
	// A minimal image has no /usr/share/zoneinfo: the binary embeds time zones (-tags timetzdata).
	if berlin, err := time.LoadLocation("Europe/Berlin"); err == nil {
		report["berlin"] = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(berlin).Format(time.RFC3339)
	} else {
		report["berlin"] = err.Error()
	}
	// The system's TLS roots: none unless the image holds a CA bundle.
	roots := 0
	if pool, err := x509.SystemCertPool(); err == nil {
		roots = len(pool.Subjects()) //nolint:staticcheck // a count, not a trust decision
	}
	report["systemRoots"] = roots
	return json.NewEncoder(w).Encode(report)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "selfcheck" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "/home/nonroot"
		}
		if err := selfCheck(os.Stdout, home, os.TempDir()); err != nil {
			os.Exit(1)
		}
		return
	}
	logger := newLogger(os.Stdout)
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err = run(ctx, cfg, logger)
	stop()
	if err != nil {
		logger.Error("server failed", "error", err.Error())
		os.Exit(1)
	}
}
