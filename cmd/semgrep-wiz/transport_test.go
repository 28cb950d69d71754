package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// ---- a private CA and TLS stand-ins ----------------------------------------

// testCA is a CA made for one test and a server certificate it signed.
type testCA struct {
	file string // the CA certificate, PEM, for SSL_CERT_FILE
	leaf tls.Certificate
}

// newTestCA makes a CA and a certificate for names, 127.0.0.1 and ::1.
func newTestCA(t *testing.T, names ...string) *testCA {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "semgrep-wiz test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "stand-in"},
		DNSNames: append([]string{"localhost"}, names...), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &testCA{file: file, leaf: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

func startTLS(t *testing.T, h http.Handler, cert tls.Certificate) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of some tests
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// serveTLS replaces h's stand-ins with ones that speak TLS with cert and
// returns their listen addresses.
func (h *harness) serveTLS(cert tls.Certificate) (wizAddr, semgrepAddr string) {
	h.t.Helper()
	wz := wiztest.New(wiztest.Options{ClientID: testClientID, ClientSecret: testClientSecret})
	ws := startTLS(h.t, wz.Handler(), cert)
	wz.URL = ws.URL
	ds := semgreptest.DemoDataset(time.Now())
	sg := semgreptest.NewUnstartedServer(ds)
	ss := startTLS(h.t, sg.Handler(), cert)
	sg.URL = ss.URL + "/api/v1"
	h.wz, h.sg, h.ds = wz, sg, ds
	h.vars["WIZ_API_ENDPOINT"], h.vars["WIZ_AUTH_URL"] = wz.APIEndpoint(), wz.AuthURL()
	h.vars["SEMGREP_API_URL"], h.vars["SEMGREP_APP_TOKEN"], h.vars["SEMGREP_DEPLOYMENT"] = sg.URL, ds.Token, ds.Deployment.Slug
	return ws.Listener.Addr().String(), ss.Listener.Addr().String()
}

// ---- commands in a child process -------------------------------------------

// Go reads SSL_CERT_FILE and the proxy variables once per process, so the
// tests that vary them run each command in a process of its own: this test
// binary again, entering run() through TestTransportHelperProcess.
const helperEnv = "SEMGREP_WIZ_TRANSPORT_HELPER"

func TestTransportHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, flag.Args(), env{getenv: os.Getenv, stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stderr,
		pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(filepath.Join(os.Getenv("HOME"), "credentials.yaml"))})
	os.Exit(code)
}

// runProcess runs one command in a child process whose environment is
// exactly h.vars plus extra: nothing leaks in from the developer's shell.
func (h *harness) runProcess(extra map[string]string, args ...string) (int, string, string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestTransportHelperProcess$", "--"}, args...)...)
	cmd.Env = []string{helperEnv + "=1"}
	for k, v := range h.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if d := os.Getenv("GOCOVERDIR"); d != "" {
		cmd.Env = append(cmd.Env, "GOCOVERDIR="+d)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			h.t.Fatalf("running %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	for _, s := range []string{testClientSecret, h.vars["SEMGREP_APP_TOKEN"]} {
		if strings.Contains(out.String(), s) || strings.Contains(errb.String(), s) {
			h.t.Fatalf("%v printed a secret", args)
		}
	}
	return code, out.String(), errb.String()
}

// ---- TLS --------------------------------------------------------------------

// TestNoCodeDisablesTLSVerification is a guard: no file of the program
// may turn certificate verification off.
func TestNoCodeDisablesTLSVerification(t *testing.T) {
	root, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Skip("no go.mod above the test")
		}
		root = parent
	}
	files := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "vendor" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte("InsecureSkipVerify")) {
			t.Errorf("%s mentions InsecureSkipVerify: TLS verification must stay on", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d Go files found under %s", files, root)
	}
}

// TestUntrustedCertificateIsRefused: against servers whose CA the system
// does not trust, nothing is sent and the error says what to do.
func TestUntrustedCertificateIsRefused(t *testing.T) {
	t.Parallel() // Wiz retries the handshake for a few seconds
	h := newHarness(t, wiztest.Options{})
	h.serveTLS(newTestCA(t).leaf)

	code, _, stderr := h.run("preview")
	if code != 1 || !strings.Contains(stderr, "certificate") {
		t.Fatalf("preview: exit %d: %s", code, stderr)
	}
	code, out, _ := h.run("check")
	if code != 1 || !strings.Contains(out, "not trusted") || !strings.Contains(out, "SSL_CERT_FILE") {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	// The handshake failed: no request reached either server.
	if n, m := len(h.wz.Requests()), len(h.sg.Requests()); n+m != 0 {
		t.Fatalf("%d Wiz and %d Semgrep requests got through an untrusted TLS connection", n, m)
	}
}

// TestCustomCAFromSSLCertFile: a private CA named by SSL_CERT_FILE is
// trusted; without it the sync fails with one line that says why.
func TestCustomCAFromSSLCertFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, wiztest.Options{})
	ca := newTestCA(t)
	h.serveTLS(ca.leaf)

	code, out, stderr := h.runProcess(map[string]string{"SSL_CERT_FILE": ca.file}, "sync", "--yes", "--json")
	if code != 0 {
		t.Fatalf("with SSL_CERT_FILE: exit %d\n%s\n%s", code, out, stderr)
	}
	if len(h.wz.Uploads()) != 1 || h.wz.RequestCount("put") != 1 {
		t.Fatalf("Wiz received %d uploads", len(h.wz.Uploads()))
	}

	before := len(h.wz.Requests())
	start := time.Now()
	code, out, stderr = h.runProcess(nil, "sync", "--yes")
	if code != 1 {
		t.Fatalf("without SSL_CERT_FILE: exit %d\n%s\n%s", code, out, stderr)
	}
	var line string
	for _, l := range strings.Split(out+stderr, "\n") {
		if strings.Contains(l, "not trusted") {
			line = l
		}
	}
	if !strings.Contains(line, "certificate") || !strings.Contains(line, "SSL_CERT_FILE") {
		t.Fatalf("no one-line reason naming the certificate and SSL_CERT_FILE:\n%s\n%s", out, stderr)
	}
	if len(h.wz.Requests()) != before || len(h.wz.Uploads()) != 1 {
		t.Fatal("a request got through the untrusted connection")
	}
	t.Logf("failed in %s: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(line))
}

// ---- proxies ----------------------------------------------------------------

// connectProxy is an HTTPS proxy on loopback that tunnels CONNECT
// requests to wherever route says and remembers each tunnel's host.
type connectProxy struct {
	URL   string
	route func(hostport string) string

	mu    sync.Mutex
	hosts []string
	conns []net.Conn
}

func startConnectProxy(t *testing.T, route func(string) string) *connectProxy {
	t.Helper()
	p := &connectProxy{route: route}
	s := httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Start()
	p.URL = s.URL
	t.Cleanup(func() {
		s.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *connectProxy) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hosts...)
}

func (p *connectProxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hosts = nil
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "this proxy only tunnels", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.hosts = append(p.hosts, r.Host)
	p.mu.Unlock()
	target := p.route(r.Host)
	if target == "" {
		http.Error(w, "no route to "+r.Host, http.StatusBadGateway)
		return
	}
	up, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, up)
	p.mu.Unlock()
	if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		client.Close()
		up.Close()
		return
	}
	go func() {
		io.Copy(up, buf)
		up.Close()
	}()
	io.Copy(client, up)
	client.Close()
}

// TestHTTPSProxyAndNoProxy: with HTTPS_PROXY set every request — token,
// GraphQL, the presigned PUT and Semgrep — goes through the proxy; a host
// in NO_PROXY is contacted directly. The stand-ins have names that only
// the proxy can resolve (Go never proxies loopback addresses).
func TestHTTPSProxyAndNoProxy(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	ca := newTestCA(t, "wiz-auth.test", "wiz-api.test", "semgrep-api.test")
	wizAddr, semgrepAddr := h.serveTLS(ca.leaf)
	proxy := startConnectProxy(t, func(hostport string) string {
		switch hostport {
		case "wiz-auth.test:443", "wiz-api.test:443":
			return wizAddr
		case "semgrep-api.test:443":
			return semgrepAddr
		}
		return ""
	})
	h.vars["WIZ_AUTH_URL"] = "https://wiz-auth.test/oauth/token"
	h.vars["WIZ_API_ENDPOINT"] = "https://wiz-api.test/graphql"
	h.vars["SEMGREP_API_URL"] = "https://semgrep-api.test/api/v1"
	extra := map[string]string{"SSL_CERT_FILE": ca.file, "HTTPS_PROXY": proxy.URL}

	code, out, stderr := h.runProcess(extra, "sync", "--yes", "--json")
	if code != 0 {
		t.Fatalf("sync through the proxy: exit %d\n%s\n%s\ntunnels %v", code, out, stderr, proxy.Hosts())
	}
	tunnels := map[string]int{}
	for _, host := range proxy.Hosts() {
		tunnels[host]++
	}
	for _, want := range []string{"wiz-auth.test:443", "wiz-api.test:443", "semgrep-api.test:443"} {
		if tunnels[want] == 0 {
			t.Errorf("no tunnel to %s: %v", want, tunnels)
		}
	}
	if len(tunnels) != 3 {
		t.Errorf("tunnels to unexpected hosts: %v", tunnels)
	}
	// wiz-api.test resolves nowhere but in the proxy: the PUT to the
	// presigned URL on that host can only have come through it.
	if h.wz.RequestCount("put") != 1 || len(h.wz.Uploads()) != 1 {
		t.Fatalf("Wiz received %d PUTs", h.wz.RequestCount("put"))
	}

	// NO_PROXY: Semgrep is contacted directly (and, its name resolving
	// nowhere, cannot be reached), Wiz still through the proxy.
	proxy.Reset()
	semgrepBefore := len(h.sg.Requests())
	extra["NO_PROXY"] = "semgrep-api.test"
	code, out, stderr = h.runProcess(extra, "check")
	if code != 1 {
		t.Fatalf("check with Semgrep in NO_PROXY: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, host := range proxy.Hosts() {
		if strings.HasPrefix(host, "semgrep-api.test") {
			t.Errorf("a host in NO_PROXY was tunnelled: %v", proxy.Hosts())
		}
	}
	if len(proxy.Hosts()) == 0 || !strings.Contains(out, "✓ pass     Wiz token") {
		t.Errorf("Wiz was not reached through the proxy: %v\n%s", proxy.Hosts(), out)
	}
	if len(h.sg.Requests()) != semgrepBefore || !strings.Contains(out, "semgrep-api.test") {
		t.Errorf("Semgrep should have been tried directly and failed:\n%s", out)
	}
}

// ---- User-Agent -------------------------------------------------------------

func TestUserAgentOnEveryRequest(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	for _, args := range [][]string{{"check", "--upload"}, {"preview"}, {"sync", "--yes"}} {
		if code, _, stderr := h.run(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	want := version.UserAgent()
	if !strings.HasPrefix(want, "semgrep-wiz/") {
		t.Fatalf("version.UserAgent() = %q", want)
	}
	ops := map[string]int{}
	for _, r := range h.wz.Requests() {
		ops[r.Op]++
		if r.UserAgent != want {
			t.Errorf("Wiz %s %s: User-Agent %q, want %q", r.Op, r.Path, r.UserAgent, want)
		}
	}
	for _, op := range []string{"token", "upload-request", "put", "activity"} {
		if ops[op] == 0 {
			t.Errorf("no %s request to check: %v", op, ops)
		}
	}
	sgOps := map[string]int{}
	for _, r := range h.sg.Requests() {
		sgOps[r.Op]++
		if r.UserAgent != want {
			t.Errorf("Semgrep %s %s: User-Agent %q, want %q", r.Op, r.Path, r.UserAgent, want)
		}
	}
	if sgOps[semgreptest.OpDeployments] == 0 || sgOps[semgreptest.OpFindings] == 0 {
		t.Errorf("Semgrep requests %v", sgOps)
	}
}

// ---- deadlines --------------------------------------------------------------

// TestSyncTimeoutEndsAHungRun: a stand-in that stops answering cannot hold
// a sync past --timeout; the run fails, says so, and history records it.
func TestSyncTimeoutEndsAHungRun(t *testing.T) {
	cases := []struct {
		name    string
		timeout time.Duration
		hang    func(h *harness)
	}{
		{"Semgrep findings hang", time.Second, func(h *harness) {
			h.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Delay: 5 * time.Minute, Times: 10000})
		}},
		{"Wiz hangs before the upload", 3 * time.Second, func(h *harness) {
			h.wz.Inject(wiztest.Fault{Op: "upload-request", Delay: 5 * time.Minute})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, wiztest.Options{})
			c.hang(h)
			start := time.Now()
			code, out, stderr := h.run("sync", "--yes", "--timeout", c.timeout.String())
			took := time.Since(start)
			if code != 1 || !strings.Contains(stderr, "timed out after "+c.timeout.String()) {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
			}
			if took > c.timeout+3*time.Second {
				t.Errorf("the sync took %s with --timeout %s", took, c.timeout)
			}
			if len(h.wz.Uploads()) != 0 {
				t.Error("something reached Wiz")
			}
			_, hist, _ := h.run("history", "--json")
			var list struct {
				Runs []struct{ Status, Error string }
			}
			if err := json.Unmarshal([]byte(hist), &list); err != nil || len(list.Runs) != 1 {
				t.Fatalf("history %v: %s", err, hist)
			}
			if r := list.Runs[0]; r.Status != "failure" || !strings.Contains(r.Error, "timed out") {
				t.Fatalf("history records %+v", r)
			}
		})
	}
}

func TestSyncTimeoutFlag(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes", "--timeout", "-1s"); code != 2 || !strings.Contains(stderr, "--timeout") {
		t.Fatalf("negative timeout: exit %d %s", code, stderr)
	}
	// "0" is no limit, not a deadline that has already passed.
	if code, _, stderr := h.run("sync", "--yes", "--timeout", "0"); code != 0 {
		t.Fatalf("--timeout 0: exit %d %s", code, stderr)
	}
}

// ---- debug log --------------------------------------------------------------

// TestDebugLogShowsRequestsWithoutCredentials: SEMGREP_WIZ_DEBUG=1 writes
// one line per request to the log file — the token request, GraphQL, the
// presigned PUT (host and path only) and Semgrep — and no credential.
func TestDebugLogShowsRequestsWithoutCredentials(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	c := newCapture()
	h.captureWiz(c, wiztest.Options{})
	h.sg.Update(func(ds *semgreptest.Dataset) { ds.Token = testSemgrepToken })
	h.vars["SEMGREP_APP_TOKEN"] = testSemgrepToken
	logFile := filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], "semgrep-wiz.log")

	if code, _, stderr := h.run("check"); code != 0 {
		t.Fatal(stderr)
	}
	if b, _ := os.ReadFile(logFile); bytes.Contains(b, []byte("http request")) {
		t.Fatal("requests were logged without SEMGREP_WIZ_DEBUG")
	}

	h.vars["SEMGREP_WIZ_DEBUG"] = "1"
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatal(stderr)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		Msg, Method, URL string
		Status           int
		Duration         *float64 `json:"duration_ms"`
		Sent             int64    `json:"bytes_sent"`
		Received         int64    `json:"bytes_received"`
		Headers          map[string]string
	}
	var reqs []line
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var l line
		if !bytes.Contains(sc.Bytes(), []byte(`"msg":"http request"`)) {
			continue // a pipeline event
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("request line not JSON: %v: %s", err, sc.Text())
		}
		reqs = append(reqs, l)
	}
	seen := map[string]line{}
	for _, l := range reqs {
		kind := ""
		switch {
		case l.URL == h.wz.AuthURL():
			kind = "token"
		case l.URL == h.wz.APIEndpoint():
			kind = "graphql"
		case strings.HasPrefix(l.URL, h.wz.URL+"/s3/"):
			kind = "put"
		case strings.HasPrefix(l.URL, h.sg.URL+"/"):
			kind = "semgrep"
		default:
			t.Errorf("a request to an unexpected URL: %s", l.URL)
		}
		seen[kind] = l
		if strings.ContainsAny(l.URL, "?#") || l.Status != 200 || l.Duration == nil || l.Headers["User-Agent"] != version.UserAgent() {
			t.Errorf("%s line %+v", kind, l)
		}
		if kind == "graphql" || kind == "semgrep" {
			if l.Headers["Authorization"] != "[redacted]" {
				t.Errorf("%s line: Authorization %q", kind, l.Headers["Authorization"])
			}
		}
	}
	for _, k := range []string{"token", "graphql", "put", "semgrep"} {
		if _, ok := seen[k]; !ok {
			t.Errorf("no %s request in the debug log", k)
		}
	}
	if p := seen["put"]; p.Method != http.MethodPut || p.Sent == 0 || p.Sent != int64(len(h.wz.Uploads()[0].Body)) {
		t.Errorf("PUT line %+v", p)
	}
	if c.Signatures() == 0 {
		t.Fatal("no presigned URL was handed out")
	}
	for _, s := range append([]string{testClientSecret, testSemgrepToken}, c.Secrets()...) {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("the log holds a secret (%.12s…)", s)
		}
	}
	for _, pat := range leakPatterns {
		if m := pat.Find(b); m != nil {
			t.Errorf("the log holds %q", m)
		}
	}
}
