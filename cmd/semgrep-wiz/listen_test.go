package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// lockedBuffer is a stderr several goroutines write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingRE = regexp.MustCompile(`on http://([0-9.:\[\]a-f]+)`)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitUntil(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// lastSuccessSeries counts the data sources /metrics gives a last-success
// time.
func lastSuccessSeries(body string) int {
	return strings.Count(body, "semgrep_wiz_last_success_timestamp_seconds{data_source=")
}

// The "done when": watch --listen against the stand-ins.
func TestWatchListenServesMetricsHealthAndStatus(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	var offset atomic.Int64 // how far the expiry clock is ahead of now
	stderr := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch", "--interval", "300ms", "--listen", "127.0.0.1:0"}, env{
			getenv: func(k string) string { return h.vars[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr,
			pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml")),
			testing: true, now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	}()
	var base string
	waitUntil(t, "the serving line", 30*time.Second, func() bool {
		if m := servingRE.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
			return true
		}
		return false
	})
	var bodies []string
	// After the first sync every data source has a last-success time.
	l, err := ledger.Open(context.Background(), h.vars["SEMGREP_WIZ_STATE_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	var held int
	waitUntil(t, "a last success for every data source", 60*time.Second, func() bool {
		ds, err := l.DataSources(context.Background())
		if err != nil || len(ds) == 0 {
			return false
		}
		held = len(ds)
		_, body := httpGet(t, base+"/metrics")
		// The ledger has the success before the run ends and is counted.
		return lastSuccessSeries(body) == held && strings.Contains(body, `semgrep_wiz_syncs_total{status="success"} 1`)
	})
	l.Close()
	code, body := httpGet(t, base+"/metrics")
	bodies = append(bodies, body)
	for _, want := range []string{`semgrep_wiz_syncs_total{status="success"} 1`, "semgrep_wiz_findings_sent_total 754",
		`semgrep_wiz_requests_total{outcome="success",service="wiz_upload"} 1`, `service="semgrep"`, `service="wiz_auth"`,
		"semgrep_wiz_upload_bytes_total", "semgrep_wiz_sync_duration_seconds_count 1", "semgrep_wiz_next_refresh_timestamp_seconds"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, body := httpGet(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz %d", code)
	} else {
		bodies = append(bodies, body)
	}
	code, body = httpGet(t, base+"/status")
	bodies = append(bodies, body)
	if code != 200 {
		t.Fatalf("/status %d %s", code, body)
	}
	var doc statusDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || len(doc.DataSources) != held {
		t.Fatalf("/status document: %v %s", err, body)
	}
	// Six days later, Wiz drops them within 48 hours.
	offset.Store(int64(6 * 24 * time.Hour))
	code, body = httpGet(t, base+"/status")
	bodies = append(bodies, body)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"state": "expiring"`) {
		t.Fatalf("/status six days on: %d %s", code, body)
	}
	cancel()
	select {
	case c := <-done:
		if c != 0 {
			t.Fatalf("watch exit %d\n%s", c, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("watch did not stop")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after watch stopped")
	}
	// One JSON object per line (stderr is not a terminal), with run id,
	// repository and outcome.
	var sawRepo, sawRun bool
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if rec["msg"] == "repository" && rec["run_id"] != "" && rec["repository"] != nil && rec["outcome"] == "sent" {
			sawRepo = true
		}
		if rec["msg"] == "sync finished" && rec["outcome"] == "success" && rec["run_id"] != "" {
			sawRun = true
		}
	}
	if !sawRepo || !sawRun {
		t.Fatalf("no per-repository or per-run outcome line:\n%s", stderr)
	}
	logFile, _ := os.ReadFile(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], "semgrep-wiz.log"))
	if !strings.Contains(string(logFile), "serving /metrics") {
		t.Fatal("the state-directory log lost watch's lines")
	}
	bodies = append(bodies, stderr.String(), string(logFile))
	for _, b := range bodies {
		for _, secret := range []string{testClientSecret, h.vars["SEMGREP_APP_TOKEN"]} {
			if strings.Contains(b, secret) {
				t.Fatalf("a secret leaked into:\n%s", b)
			}
		}
		if strings.Contains(b, "Bearer ") || strings.Contains(b, "access_token") {
			t.Fatalf("a token leaked into:\n%s", b)
		}
	}
}

func TestWatchListenBadAddresses(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	for _, bad := range []string{"9464", "localhost", "127.0.0.1:99999", "http://127.0.0.1:9464"} {
		code, _, stderr := h.run("watch", "--listen", bad)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "--listen") {
			t.Errorf("--listen %s: exit %d %q", bad, code, stderr)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := h.run("watch", "--listen", ln.Addr().String())
	if code != 2 || !strings.Contains(stderr, "already in use") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("port in use: exit %d %q", code, stderr)
	}
	if code, _, stderr := h.run("watch", "--log-format", "xml"); code != 2 || !strings.Contains(stderr, "--log-format") {
		t.Fatalf("--log-format xml: exit %d %q", code, stderr)
	}
	if len(h.wz.Uploads()) != 0 {
		t.Fatal("a refused watch sent something")
	}
}

// The real binary: SIGTERM stops watch --listen cleanly (exit 0, the port
// closed), and nothing it printed holds a secret.
func TestWatchListenStopsOnSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on windows")
	}
	h := newHarness(t, wiztest.Options{})
	cmd := exec.Command(binary(t), "watch", "--listen", "127.0.0.1:0", "--interval", "1m", "--log-format", "text")
	for k, v := range h.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"))
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	stderr := &lockedBuffer{}
	copied := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			stderr.Write([]byte(sc.Text() + "\n"))
		}
		close(copied)
	}()
	var base string
	waitUntil(t, "the serving line", 30*time.Second, func() bool {
		if m := servingRE.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
			return true
		}
		return false
	})
	var bodies []string
	waitUntil(t, "the first sync", 90*time.Second, func() bool {
		_, body := httpGet(t, base+"/metrics")
		bodies = append(bodies[:0], body)
		return strings.Contains(body, `semgrep_wiz_syncs_total{status="success"} 1`)
	})
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz %d", code)
	}
	_, st := httpGet(t, base+"/status")
	bodies = append(bodies, st)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { <-copied; waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("watch after SIGTERM: %v\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("watch did not stop on SIGTERM\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "watch: stopped") {
		t.Fatalf("no word of stopping:\n%s", stderr)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after SIGTERM")
	}
	bodies = append(bodies, stderr.String())
	for _, b := range bodies {
		for _, secret := range []string{testClientSecret, h.vars["SEMGREP_APP_TOKEN"]} {
			if strings.Contains(b, secret) {
				t.Fatalf("a secret leaked into:\n%s", b)
			}
		}
	}
}

func TestSyncLogFormatJSON(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, _, stderr := h.run("sync", "--yes", "--log-format", "json")
	if code != 0 {
		t.Fatalf("sync: exit %d %s", code, stderr)
	}
	var runID string
	repos := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		id, _ := rec["run_id"].(string)
		if id == "" {
			t.Fatalf("a line without its run id: %q", line)
		}
		if runID != "" && id != runID {
			t.Fatalf("two run ids in one sync: %s, %s", runID, id)
		}
		runID = id
		if rec["msg"] == "repository" && rec["outcome"] != nil && rec["repository"] != nil {
			repos++
		}
	}
	if repos == 0 {
		t.Fatalf("no per-repository outcome:\n%s", stderr)
	}
	if code, _, stderr := h.run("sync", "--yes", "--log-format", "yaml"); code != 2 || !strings.Contains(stderr, "--log-format") {
		t.Fatalf("--log-format yaml: exit %d %s", code, stderr)
	}
}
