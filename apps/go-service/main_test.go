package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func testApp(t *testing.T, logs io.Writer) *app {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	cfg := config{Port: 0, Version: "1.2.3", Track: "canary", ShutdownTimeout: 5 * time.Second}
	a := newApp(cfg, newLogger(logs))
	a.hostname = "pod-a"
	return a
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Port: 8080, Version: "dev", Track: "stable", DrainDelay: 0, ShutdownTimeout: 10 * time.Second,
		FailMode: "errors",
	}
	if cfg != want {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigFromEnv(t *testing.T) {
	cfg, err := loadConfig(envOf(map[string]string{
		"PORT": "9090", "APP_VERSION": "2.0.0", "TRACK": "canary", "DRAIN_DELAY_MS": "1500",
		"SHUTDOWN_TIMEOUT_MS": "20000", "FAIL_VERSION": "2.0.0", "FAIL_MODE": "unready",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Port: 9090, Version: "2.0.0", Track: "canary",
		DrainDelay: 1500 * time.Millisecond, ShutdownTimeout: 20 * time.Second,
		Failing: true, FailMode: "unready",
	}
	if cfg != want {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigVersionFromLdflags(t *testing.T) {
	saved := version
	t.Cleanup(func() { version = saved })
	version = "3.1.4"
	cfg, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Version != "3.1.4" {
		t.Fatalf("version = %q, want the -ldflags value 3.1.4", cfg.Version)
	}
	cfg, err = loadConfig(envOf(map[string]string{"APP_VERSION": "9.9.9"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Version != "9.9.9" {
		t.Fatalf("version = %q, want APP_VERSION 9.9.9 to win over -ldflags", cfg.Version)
	}
}

func TestLoadConfigRejectsBadValues(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PORT": "http"}, `invalid PORT="http": must be an integer between 0 and 65535`},
		{map[string]string{"PORT": "65536"}, `invalid PORT="65536": must be an integer between 0 and 65535`},
		{map[string]string{"PORT": "-1"}, `invalid PORT="-1": must be an integer between 0 and 65535`},
		{map[string]string{"PORT": "+80"}, `invalid PORT="+80": must be an integer between 0 and 65535`},
		{
			map[string]string{"DRAIN_DELAY_MS": "1.5"},
			`invalid DRAIN_DELAY_MS="1.5": must be an integer between 0 and 600000`,
		},
		{
			map[string]string{"SHUTDOWN_TIMEOUT_MS": "700000"},
			`invalid SHUTDOWN_TIMEOUT_MS="700000": must be an integer between 0 and 600000`,
		},
	}
	for _, tc := range cases {
		_, err := loadConfig(envOf(tc.env))
		if err == nil || err.Error() != tc.want {
			t.Errorf("env %v: err = %v, want %q", tc.env, err, tc.want)
		}
	}
}

func TestHandlers(t *testing.T) {
	a := testApp(t, nil)
	a.markReady()
	cases := []struct {
		method, path string
		status       int
		body         string
		allow        string
	}{
		{"GET", "/healthz", 200, `{"status":"ok"}`, ""},
		{"GET", "/readyz", 200, `{"status":"ready"}`, ""},
		{"GET", "/", 200, `{"service":"go-service","version":"1.2.3","track":"canary","hostname":"pod-a"}`, ""},
		{"GET", "/version", 200, `{"service":"go-service","version":"1.2.3","track":"canary"}`, ""},
		{"GET", "/nope", 404, `{"error":"not found","path":"/nope"}`, ""},
		{"POST", "/healthz", 405, `{"error":"method not allowed","method":"POST"}`, "GET, HEAD"},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status || rec.Body.String() != tc.body {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, rec.Code, rec.Body, tc.status, tc.body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type = %q", tc.method, tc.path, ct)
		}
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

func TestReadinessFlip(t *testing.T) {
	a := testApp(t, nil)
	check := func(wantStatus int, wantBody, wantConn string) {
		t.Helper()
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != wantStatus || rec.Body.String() != wantBody {
			t.Fatalf("/readyz = %d %s, want %d %s", rec.Code, rec.Body, wantStatus, wantBody)
		}
		if got := rec.Header().Get("Connection"); got != wantConn {
			t.Fatalf("Connection = %q, want %q", got, wantConn)
		}
	}
	check(503, `{"status":"starting"}`, "")
	a.markReady()
	check(200, `{"status":"ready"}`, "")
	a.startDraining()
	check(503, `{"status":"draining"}`, "close")

	// Liveness must not follow readiness: a draining pod is still alive.
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("/healthz while draining = %d, want 200", rec.Code)
	}
}

func TestRequestLogLineIsJSON(t *testing.T) {
	var buf bytes.Buffer
	a := testApp(t, &buf)
	a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/version?x=1", nil))

	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &line); err != nil {
		t.Fatalf("log line %q is not JSON: %v", buf.String(), err)
	}
	ts, _ := line["ts"].(string)
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(ts) {
		t.Errorf("ts = %q, want an ISO-8601 UTC timestamp with milliseconds", ts)
	}
	want := map[string]any{
		"level": "info", "msg": "request", "service": "go-service", "method": "GET", "path": "/version",
		"status": float64(200), "track": "canary", "version": "1.2.3",
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["durationMs"].(float64); !ok {
		t.Errorf("durationMs = %v, want a number", line["durationMs"])
	}
}

// startServe runs serve on a loopback listener and returns its base URL and a channel with its result.
func startServe(t *testing.T, a *app) (context.CancelFunc, string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, a, a) }()
	base := "http://" + ln.Addr().String()
	waitFor(t, func() bool { return getStatus(base+"/readyz") == 200 })
	return cancel, base, done
}

func getStatus(url string) int {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 3s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeDrainsThenStops(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var logs syncBuffer
	a := testApp(t, &logs)
	a.cfg.DrainDelay = 300 * time.Millisecond
	cancel, base, done := startServe(t, a)

	marker, err := os.ReadFile(filepath.Join(tmp, "started"))
	if err != nil || !strings.Contains(string(marker), `"version":"1.2.3"`) {
		t.Fatalf("start marker = %q, %v", marker, err)
	}

	cancel()
	// During the drain delay the listener still accepts, so the 503 is observable.
	waitFor(t, func() bool { return getStatus(base+"/readyz") == 503 })
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("serve did not return within 3s of cancellation")
	}
	if got := getStatus(base + "/healthz"); got != 0 {
		t.Fatalf("/healthz after shutdown = %d, want connection refused", got)
	}
	if !strings.Contains(logs.String(), `"msg":"shutdown complete"`) {
		t.Fatalf("no shutdown complete log line in %s", logs.String())
	}
}

func TestServeFinishesInFlightRequest(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	a := testApp(t, nil)
	entered := make(chan struct{})
	release := make(chan struct{})
	// A handler that holds its request open until the test releases it, standing in for slow work.
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
			r.URL.Path = "/version"
		}
		a.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, a, slow) }()
	base := "http://" + ln.Addr().String()
	waitFor(t, func() bool { return getStatus(base+"/readyz") == 200 })

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(body)}
	}()
	<-entered
	cancel()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("serve returned %v while a request was in flight", err)
	default:
	}
	close(release)
	r := <-got
	want := `{"service":"go-service","version":"1.2.3","track":"canary"}`
	if r.err != nil || r.status != 200 || r.body != want {
		t.Fatalf("in-flight response = %d %q %v, want 200 %s", r.status, r.body, r.err, want)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("serve did not return after the in-flight request finished")
	}
}

func TestServeForcesCloseAfterShutdownTimeout(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var logs syncBuffer
	a := testApp(t, &logs)
	a.cfg.ShutdownTimeout = 200 * time.Millisecond
	entered := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	stuck := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stuck" {
			close(entered)
			<-release
		}
		a.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, a, stuck) }()
	base := "http://" + ln.Addr().String()
	waitFor(t, func() bool { return getStatus(base+"/readyz") == 200 })
	go func() { _ = getStatus(base + "/stuck") }()
	<-entered
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("serve did not return within 3s although the shutdown timeout is 200ms")
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Fatalf("serve returned after %v, before the 200ms shutdown timeout", elapsed)
	}
	if !strings.Contains(logs.String(), `"msg":"shutdown timeout, closing remaining connections"`) {
		t.Fatalf("no shutdown timeout log line in %s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutines to write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestSelfCheckReportsIdentityAndWritableDirs(t *testing.T) {
	root := t.TempDir()
	readOnly := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := selfCheck(&out, readOnly, root); err != nil {
		t.Fatal(err)
	}
	var report map[string]any
	if err := json.Unmarshal([]byte(out.String()), &report); err != nil {
		t.Fatalf("not JSON: %q", out.String())
	}
	if report["uid"] != float64(os.Getuid()) || report["tmpWritable"] != true {
		t.Fatalf("report %v", report)
	}
	// root bypasses directory permissions, so only a non-root run sees the read-only one refused.
	if os.Getuid() != 0 && report["homeWritable"] == true {
		t.Fatalf("a 0500 directory reported writable: %v", report)
	}
	// Noon UTC on 1 July is 14:00 in Berlin (summer time), from the machine's zoneinfo here.
	if report["berlin"] != "2026-07-01T14:00:00+02:00" {
		t.Fatalf("berlin %v", report["berlin"])
	}
	if _, ok := report["systemRoots"].(float64); !ok {
		t.Fatalf("systemRoots %v", report["systemRoots"])
	}
}

func TestMetricsCountRequestsButNotProbes(t *testing.T) {
	a := testApp(t, nil)
	a.markReady()
	for _, p := range []string{"/", "/version", "/version", "/nope", "/healthz", "/readyz", "/metrics"} {
		a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := rec.Body.String()
	labels := `service="go-service",version="1.2.3",track="canary"`
	for _, want := range []string{
		"# TYPE http_requests_total counter\n",
		"http_requests_total{" + labels + `,code="200"} 3` + "\n",
		"http_requests_total{" + labels + `,code="404"} 1` + "\n",
		"# TYPE http_request_duration_seconds histogram\n",
		"http_request_duration_seconds_bucket{" + labels + `,le="+Inf"} 4` + "\n",
		"http_request_duration_seconds_count{" + labels + "} 4\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `code="503"`) {
		t.Errorf("probe requests were counted:\n%s", body)
	}
}

func TestMetricsCountPurposefulFailures(t *testing.T) {
	cfg := config{Version: "9.9.9", Track: "canary", Failing: true, FailMode: "errors", ShutdownTimeout: time.Second}
	a := newApp(cfg, newLogger(io.Discard))
	a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/version", nil))
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := `http_requests_total{service="go-service",version="9.9.9",track="canary",code="500"} 1`
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %q:\n%s", want, rec.Body)
	}
}
