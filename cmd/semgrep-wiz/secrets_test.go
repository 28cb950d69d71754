package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// More recognisable secrets: wrong ones a user might type, and Semgrep
// tokens with and without the Web API scope.
const (
	testSemgrepToken   = "SECRETsemgrepSECRETsemgrepSECRETsemgrep01"
	testNoScopeToken   = "SECRETnoscopeSECRETnoscopeSECRETnoscope01"
	wrongWizSecret     = "WRONGwizWRONGwizWRONGwizWRONGwizWRONGwizWRONGwizWRONGwizWRONG001"
	wrongSemgrepToken  = "WRONGsemgrepWRONGsemgrepWRONGsemgrep0001"
	recognisableSigFmt = "5EC2E75160a7e5EC2E75160a7e5EC2E75160a7e5EC2E75160a7e%012d"
)

// capture sits in front of a Wiz stand-in and learns every credential
// that crosses it: the bearer tokens it issues and the presigned URLs'
// signatures. It also swaps each signature for a recognisable one on the
// way out (and back on the way in, so the stand-in still accepts the PUT):
// a leaked signature is then unmistakable.
type capture struct {
	mu      sync.Mutex
	secrets map[string]bool
	sigs    map[string]string // recognisable → original
}

func newCapture() *capture {
	return &capture{secrets: map[string]bool{}, sigs: map[string]string{}}
}

var sigRE = regexp.MustCompile(`X-Amz-Signature=([0-9A-Za-z]+)`)

func (c *capture) Secrets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for s := range c.secrets {
		out = append(out, s)
	}
	return out
}

// Signatures counts the presigned URLs handed out.
func (c *capture) Signatures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sigs)
}

func (c *capture) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
			c.secrets[tok] = true
		}
		if m := sigRE.FindStringSubmatch(r.URL.RawQuery); m != nil {
			if orig, ok := c.sigs[m[1]]; ok {
				r = r.Clone(r.Context())
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, m[1], orig, 1)
				r.RequestURI = r.URL.RequestURI()
			}
		}
		c.mu.Unlock()
		if r.URL.Path != "/graphql" && r.URL.Path != "/oauth/token" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		c.mu.Lock()
		body = sigRE.ReplaceAllFunc(body, func(m []byte) []byte {
			orig := string(sigRE.FindSubmatch(m)[1])
			fake := fmt.Sprintf(recognisableSigFmt, len(c.sigs))
			c.sigs[fake] = orig
			c.secrets[fake], c.secrets[orig] = true, true
			return []byte("X-Amz-Signature=" + fake)
		})
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(body, &tok) == nil && tok.AccessToken != "" {
			c.secrets[tok.AccessToken] = true
		}
		c.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// captureWiz starts a Wiz stand-in behind c and points h at it.
func (h *harness) captureWiz(c *capture, o wiztest.Options) {
	h.t.Helper()
	if o.ClientID == "" {
		o.ClientID, o.ClientSecret = testClientID, testClientSecret
	}
	wz := wiztest.New(o)
	hs := httptest.NewServer(c.wrap(wz.Handler()))
	h.t.Cleanup(hs.Close)
	wz.URL = hs.URL
	h.wz = wz
	h.vars["WIZ_API_ENDPOINT"], h.vars["WIZ_AUTH_URL"] = wz.APIEndpoint(), wz.AuthURL()
}

// outputs collects everything commands printed.
type outputs struct{ bytes.Buffer }

func (o *outputs) run(h *harness, want func(int) bool, args ...string) (int, string) {
	h.t.Helper()
	code, out, errOut := h.run(args...)
	fmt.Fprintf(o, "$ %v\n%s\n%s\n", args, out, errOut)
	if !want(code) {
		h.t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errOut)
	}
	return code, out
}

func ok(code int) bool     { return code == 0 }
func failed(code int) bool { return code != 0 }

// TestNoSecretLeaksFromAnyCommand runs every command, on its happy and its
// failing paths, with recognisable credentials, and then looks for them in
// everything the commands printed, wrote and uploaded. Only the 0600
// credentials file may hold one.
func TestNoSecretLeaksFromAnyCommand(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	c := newCapture()
	h.captureWiz(c, wiztest.Options{})
	h.sg.Update(func(ds *semgreptest.Dataset) { ds.Token, ds.NoScopeToken = testSemgrepToken, testNoScopeToken })
	h.vars["SEMGREP_APP_TOKEN"] = testSemgrepToken
	h.vars["SEMGREP_WIZ_DEBUG"] = "1" // the debug log must be clean too
	// The Wiz secret comes from the credentials file, the one place allowed to hold it.
	creds := filepath.Join(h.dir, "credentials.yaml")
	if err := config.FileStore(creds).Set(config.SecretWizClientSecret, testClientSecret); err != nil {
		t.Fatal(err)
	}
	delete(h.vars, "WIZ_CLIENT_SECRET")

	var o outputs
	o.run(h, ok, "check")
	o.run(h, ok, "check", "--upload")
	o.run(h, ok, "check", "--json")
	for _, args := range [][]string{{}, {"--json"}, {"--csv"}, {"--all"}} {
		o.run(h, ok, append([]string{"preview"}, args...)...)
	}
	o.run(h, ok, "sync", "--yes")
	_, out := o.run(h, ok, "sync", "--yes", "--json")
	runID := decodeResult(t, out).RunID
	o.run(h, ok, "sync", "--dry-run", "--out", filepath.Join(h.dir, "out"))
	o.run(h, ok, "history")
	o.run(h, ok, "history", "--json")
	o.run(h, ok, "history", "show", runID)
	o.run(h, ok, "history", "show", runID, "--json")
	o.run(h, ok, "history", "refresh", runID)
	o.run(h, ok, "version")
	o.run(h, ok, "demo", "--headless", "--state-dir", filepath.Join(h.dir, "demo"))

	// watch, until its sync of a new scan has uploaded (about a second;
	// longer under -race). While it holds the ledger open, its write-ahead
	// log exists: copy the state files then, to scan them too.
	newFullScan(h.sg, "acme/payments-api")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	var wout, werr bytes.Buffer
	done := make(chan int)
	before := len(h.wz.Uploads())
	go func() {
		done <- run(ctx, []string{"watch", "--interval", "300ms"}, env{getenv: func(k string) string { return h.vars[k] },
			stdin: strings.NewReader(""), stdout: &wout, stderr: &werr, pollInterval: 10 * time.Millisecond, wizRate: 1000,
			secrets: config.FileStore(creds), testing: true})
	}()
	during := map[string][]byte{}
	for ctx.Err() == nil && len(during) == 0 {
		time.Sleep(20 * time.Millisecond)
		if len(h.wz.Uploads()) == before {
			continue
		}
		state := h.vars["SEMGREP_WIZ_STATE_DIR"]
		filepath.WalkDir(state, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, err := os.ReadFile(p); err == nil {
					rel, _ := filepath.Rel(state, p)
					during["state/"+filepath.ToSlash(rel)+" (during watch)"] = b
				}
			}
			return nil
		})
	}
	cancel()
	code := <-done
	fmt.Fprintf(&o, "$ watch\n%s\n%s\n", wout.String(), werr.String())
	if code != 0 || !strings.Contains(werr.String(), "watch:") || len(during) == 0 {
		t.Fatalf("watch: exit %d, uploads %d → %d\n%s", code, before, len(h.wz.Uploads()), werr.String())
	}

	// Failing paths: a wrong Wiz secret, …
	h.vars["WIZ_CLIENT_SECRET"] = wrongWizSecret
	o.run(h, failed, "check")
	o.run(h, failed, "sync", "--yes")
	delete(h.vars, "WIZ_CLIENT_SECRET")
	// … a Semgrep token that is rejected (401) or lacks the Web API scope (404), …
	for _, tok := range []string{wrongSemgrepToken, testNoScopeToken} {
		h.vars["SEMGREP_APP_TOKEN"] = tok
		o.run(h, failed, "check")
		o.run(h, failed, "preview")
		o.run(h, failed, "sync", "--yes", "--json")
	}
	h.vars["SEMGREP_APP_TOKEN"] = testSemgrepToken
	if n := len(h.sg.RequestsFor(semgreptest.OpDeployments)); n == 0 {
		t.Fatal("the Semgrep stand-in saw no requests")
	}
	// … and a service account without the upload permission.
	h.captureWiz(c, wiztest.Options{Scopes: []string{"read:system_activities", "read:resources"}})
	o.run(h, failed, "check", "--upload")
	o.run(h, failed, "sync", "--yes")

	if c.Signatures() < 3 {
		t.Fatalf("only %d presigned URLs handed out; the test did not exercise uploads", c.Signatures())
	}
	secrets := append([]string{testClientSecret, wrongWizSecret, testSemgrepToken, wrongSemgrepToken, testNoScopeToken,
		demoClientSecret, semgreptest.DemoToken}, c.Secrets()...)
	scan := func(what string, b []byte) {
		t.Helper()
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret (%.12s…)", what, s)
			}
		}
		for _, pat := range leakPatterns {
			if m := pat.Find(b); m != nil {
				t.Errorf("%s holds %q", what, m)
			}
		}
	}
	scan("command output", o.Bytes())

	// Every file under the test's directory: config, state (ledger and its
	// -wal, log, work files), dry-run output, the demo's own state.
	seen := map[string]bool{}
	err := filepath.WalkDir(h.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if p == creds {
			return nil // the one place allowed to hold a secret; its mode is checked below
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(h.dir, p)
		seen[filepath.ToSlash(rel)] = true
		scan(rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"config.yaml", "state/" + ledger.FileName, "state/semgrep-wiz.log", "demo/" + ledger.FileName} {
		if !seen[want] {
			t.Errorf("%s was not there to scan (files: %v)", want, keys(seen))
		}
	}
	if st, err := os.Stat(creds); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file: %v, want mode 0600 (%v)", st, err)
	}
	for name, b := range during {
		scan(name, b)
	}
	if during["state/"+ledger.FileName+"-wal (during watch)"] == nil {
		t.Errorf("no ledger -wal file to scan while watch ran (files: %v)", keys(seen))
	}
	if outs, _ := filepath.Glob(filepath.Join(h.dir, "out", "*")); len(outs) == 0 {
		t.Error("no dry-run payload file was written to scan")
	}
	log, _ := os.ReadFile(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], "semgrep-wiz.log"))
	if !bytes.Contains(log, []byte(`"msg":"http request"`)) || !bytes.Contains(log, []byte(`"Authorization":"[redacted]"`)) {
		t.Error("the debug log has no request lines: the scan proved less than it should")
	}
	// What was uploaded is a payload too.
	for _, u := range h.wz.Uploads() {
		scan("upload "+u.Filename, u.Body)
	}
	// The presigned PUT carries no Authorization header.
	for _, r := range h.wz.Requests() {
		if r.Op == "put" && r.Authorization {
			t.Error("the presigned PUT carried an Authorization header")
		}
	}
}

// leakPatterns are shapes of credentials whatever their value: a presigned
// query, a bearer token, a form-encoded secret.
var leakPatterns = []*regexp.Regexp{
	regexp.MustCompile(`X-Amz-Signature=`),
	regexp.MustCompile(`X-Amz-Credential=`),
	regexp.MustCompile(`Bearer [A-Za-z0-9._~+/-]{8,}`),
	regexp.MustCompile(`client_secret=[^&\s"]+`),
}

// newFullScan records a completed full scan of project's default branch,
// which makes watch sync again.
func newFullScan(sg *semgreptest.Server, project string) {
	sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			p := &ds.Projects[i]
			if p.Name != project {
				continue
			}
			branch := p.PrimaryBranch
			if branch == "" {
				branch = p.DefaultBranch
			}
			now := time.Now().UTC()
			p.Scans = append(p.Scans, semgreptest.Scan{ID: 1 << 41, Branch: branch, IsFullScan: true, Status: "SCAN_STATUS_COMPLETED",
				StartedAt: now.Add(-2 * time.Minute), CompletedAt: now.Add(-time.Minute)})
		}
	})
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
