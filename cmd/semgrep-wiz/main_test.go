package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// Recognisable secret values: no command may print them anywhere.
const (
	testClientID     = "testclientid000000000000000000000000000000000000000001"
	testClientSecret = "SECRETwizSECRETwizSECRETwizSECRETwizSECRETwizSECRETwizSECRETwiz1"
)

type harness struct {
	t     *testing.T
	sg    *semgreptest.Server
	ds    *semgreptest.Dataset
	wz    *wiztest.Server
	vars  map[string]string
	dir   string
	stdin string
	// now, when set, is the commands' expiry clock (env.now).
	now func() time.Time
	// uploadCap, when set, is env.uploadCap.
	uploadCap int64
}

func newHarness(t *testing.T, wo wiztest.Options) *harness {
	t.Helper()
	now := time.Now()
	ds := semgreptest.DemoDataset(now)
	token := ds.Token
	sg := semgreptest.NewServer(ds)
	t.Cleanup(sg.Close)
	if wo.ClientID == "" {
		wo.ClientID, wo.ClientSecret = testClientID, testClientSecret
	}
	wz := wiztest.NewServer(wo)
	t.Cleanup(wz.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("wiz:\n  vcs_hosts:\n    git.acme-corp.internal: GitLab\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, sg: sg, ds: ds, wz: wz, dir: dir, vars: map[string]string{
		"SEMGREP_WIZ_CONFIG":    cfg,
		"SEMGREP_WIZ_STATE_DIR": filepath.Join(dir, "state"),
		"HOME":                  dir,
		"XDG_CONFIG_HOME":       filepath.Join(dir, "xdg"),
		"WIZ_API_ENDPOINT":      wz.APIEndpoint(),
		"WIZ_AUTH_URL":          wz.AuthURL(),
		"WIZ_CLIENT_ID":         testClientID,
		"WIZ_CLIENT_SECRET":     testClientSecret,
		"SEMGREP_API_URL":       sg.URL,
		"SEMGREP_APP_TOKEN":     token,
		"SEMGREP_DEPLOYMENT":    ds.Deployment.Slug,
	}}
}

// run runs one command in-process and returns its exit status and output.
func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	e := env{
		getenv:       func(k string) string { return h.vars[k] },
		stdin:        strings.NewReader(h.stdin),
		stdout:       &out,
		stderr:       &errb,
		interactive:  func() bool { return h.stdin != "" },
		pollInterval: 10 * time.Millisecond, wizRate: 1000,
		secrets:   config.FileStore(filepath.Join(h.dir, "credentials.yaml")),
		now:       h.now,
		uploadCap: h.uploadCap,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, e)
	for _, s := range []string{testClientSecret, h.vars["SEMGREP_APP_TOKEN"]} {
		if s != "" && (strings.Contains(out.String(), s) || strings.Contains(errb.String(), s)) {
			h.t.Fatalf("%v printed a secret", args)
		}
	}
	return code, out.String(), errb.String()
}

func decodeResult(t *testing.T, stdout string) pipeline.Result {
	t.Helper()
	var r pipeline.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("sync --json printed no JSON document: %v\n%s", err, stdout)
	}
	return r
}

// uploadedDoc decodes the one document the Wiz stand-in received.
func (h *harness) uploadedDoc() wizschema.Document {
	h.t.Helper()
	ups := h.wz.Uploads()
	if len(ups) != 1 {
		h.t.Fatalf("Wiz received %d uploads, want 1", len(ups))
	}
	if err := wizschema.Validate(bytes.NewReader(ups[0].Body)); err != nil {
		h.t.Fatalf("uploaded document does not validate: %v", err)
	}
	var doc wizschema.Document
	if err := json.Unmarshal(ups[0].Body, &doc); err != nil {
		h.t.Fatal(err)
	}
	return doc
}

func dataSourceIDs(doc wizschema.Document) []string {
	var ids []string
	for _, d := range doc.DataSources {
		ids = append(ids, d.ID)
	}
	sort.Strings(ids)
	return ids
}

func TestSyncSendsWhatPreviewShows(t *testing.T) {
	h := newHarness(t, wiztest.Options{})

	code, out, stderr := h.run("preview", "--json")
	if code != 0 {
		t.Fatalf("preview exit %d: %s", code, stderr)
	}
	var prev struct {
		Totals       map[string]int
		Repositories []struct {
			Name, State  string
			DataSourceID string `json:"data_source_id"`
			Findings     []struct{ ID, Severity, State string }
		}
	}
	if err := json.Unmarshal([]byte(out), &prev); err != nil {
		t.Fatal(err)
	}
	wantSources := map[string]int{}
	for _, r := range prev.Repositories {
		if r.State == "send" {
			wantSources[r.DataSourceID] = len(r.Findings)
		}
	}
	if len(wantSources) < 3 {
		t.Fatalf("demo data should put several repositories in scope, got %v", wantSources)
	}
	if len(h.wz.Requests()) != 0 {
		t.Fatal("preview contacted Wiz")
	}

	code, out, stderr = h.run("sync", "--yes", "--json")
	if code != 0 {
		t.Fatalf("sync exit %d: %s\n%s", code, stderr, out)
	}
	res := decodeResult(t, out)
	if res.Status != pipeline.StatusSuccess || len(res.Uploads) != 1 || res.Uploads[0].Status != "SUCCESS" {
		t.Fatalf("result %+v", res)
	}
	if res.Findings.Sent != prev.Totals["send"] || res.Uploads[0].FindingsIncoming != res.Findings.Sent {
		t.Fatalf("sent %d, preview said %d, Wiz received %d", res.Findings.Sent, prev.Totals["send"], res.Uploads[0].FindingsIncoming)
	}

	doc := h.uploadedDoc()
	if doc.IntegrationID != wizschema.CustomerIntegrationID {
		t.Errorf("integration id %q", doc.IntegrationID)
	}
	for _, d := range doc.DataSources {
		n, ok := wantSources[d.ID]
		if !ok {
			t.Errorf("uploaded data source %s that preview did not show as sent", d.ID)
			continue
		}
		delete(wantSources, d.ID)
		if len(d.Assets) != 1 || !strings.HasPrefix(d.Assets[0].Details.RepositoryBranch.AssetID, d.ID+"@") {
			t.Errorf("%s: want one asset for its default branch, got %+v", d.ID, d.Assets)
		}
		if got := len(d.Assets[0].SASTFindings); got != n {
			t.Errorf("%s: uploaded %d findings, preview showed %d", d.ID, got, n)
		}
		for _, f := range d.Assets[0].SASTFindings {
			if f.Severity != "High" && f.Severity != "Critical" {
				t.Errorf("%s: sent a %s finding under the default policy", d.ID, f.Severity)
			}
		}
	}
	if len(wantSources) > 0 {
		t.Errorf("data sources missing from the upload: %v", wantSources)
	}
	// A repository with no recent full scan is not sent at all.
	for _, id := range dataSourceIDs(doc) {
		if strings.Contains(id, "legacy-billing") {
			t.Error("a repository without a recent full scan was uploaded")
		}
	}
	// What Wiz holds now is exactly what was sent.
	held := h.wz.DataSources()
	for _, d := range doc.DataSources {
		if len(held[d.ID].Open) != len(d.Assets[0].SASTFindings) {
			t.Errorf("%s: Wiz holds %d open, sent %d", d.ID, len(held[d.ID].Open), len(d.Assets[0].SASTFindings))
		}
	}
}

func TestSyncIDsStableAcrossRuns(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatal(stderr)
	}
	first := h.wz.DataSources()
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatal(stderr)
	}
	second := h.wz.DataSources()
	for id, d := range second {
		if len(d.Resolved) != 0 {
			t.Errorf("%s: an unchanged dataset resolved %d findings on the second sync", id, len(d.Resolved))
		}
		if strings.Join(d.Open, ",") != strings.Join(first[id].Open, ",") {
			t.Errorf("%s: open set changed between two syncs of the same data", id)
		}
	}
}

func TestDryRunWritesValidFileAndContactsNoWiz(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	out := filepath.Join(h.dir, "out")
	code, stdout, stderr := h.run("sync", "--dry-run", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := decodeResult(t, stdout)
	if res.Status != pipeline.StatusDryRun || len(res.Files) != 1 {
		t.Fatalf("result %+v", res)
	}
	if filepath.Dir(res.Files[0]) != out {
		t.Fatalf("file %s not in %s", res.Files[0], out)
	}
	if err := wizschema.ValidateFile(res.Files[0]); err != nil {
		t.Fatalf("dry-run file invalid: %v", err)
	}
	st, err := os.Stat(res.Files[0])
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", st.Mode(), err)
	}
	if n := len(h.wz.Requests()); n != 0 {
		t.Fatalf("a dry run sent %d requests to Wiz", n)
	}
}

func TestSyncNeedsConfirmation(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, _, stderr := h.run("sync")
	if code != 2 || !strings.Contains(stderr, "--yes") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// Interactively, "n" cancels before anything reaches Wiz.
	h.stdin = "n\n"
	code, _, stderr = h.run("sync")
	if code != 1 || len(h.wz.Uploads()) != 0 || h.wz.SlotsRequested() != 0 {
		t.Fatalf("declined sync: exit %d, uploads %d, stderr %s", code, len(h.wz.Uploads()), stderr)
	}
	h.stdin = "y\n"
	if code, _, stderr = h.run("sync"); code != 0 || len(h.wz.Uploads()) != 1 {
		t.Fatalf("confirmed sync: exit %d, stderr %s", code, stderr)
	}
}

func TestFailedRepositoryIsLeftOutNotSentPartially(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	// Page 0 of one repository answers, then every later page fails.
	h.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Query: url.Values{"repos": {"acme/payments-api"}, "page": {"1"}}, Status: 500, Times: 100})
	h.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Query: url.Values{"repos": {"acme/payments-api"}}, Status: 500, Times: 100})
	code, out, _ := h.run("sync", "--yes", "--json")
	res := decodeResult(t, out)
	if code != 1 || res.Status != pipeline.StatusPartial {
		t.Fatalf("exit %d status %s", code, res.Status)
	}
	for _, id := range dataSourceIDs(h.uploadedDoc()) {
		if strings.HasSuffix(id, "acme/payments-api") {
			t.Fatal("the repository whose fetch failed was uploaded")
		}
	}
	var failed bool
	for _, r := range res.Repositories {
		if r.Name == "acme/payments-api" {
			failed = r.State == "failed" && r.Reason != ""
		}
	}
	if !failed {
		t.Fatalf("failed repository not reported: %+v", res.Repositories)
	}
}

func TestCheckReportsMissingScope(t *testing.T) {
	h := newHarness(t, wiztest.Options{Scopes: []string{"read:system_activities", "create:external_data_ingestion"}})
	code, out, _ := h.run("check", "--json")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var rep struct {
		OK     bool
		Checks []pipeline.CheckResult
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	byName := map[string]pipeline.CheckResult{}
	for _, c := range rep.Checks {
		byName[c.Name] = c
	}
	if rep.OK || byName["read:resources"].OK || byName["read:resources"].Hint == "" {
		t.Fatalf("missing read:resources not reported: %+v", rep)
	}
	if !byName["read:system_activities"].OK || !byName["Wiz token"].OK || !byName["Semgrep deployment"].OK {
		t.Fatalf("unrelated checks failed: %+v", rep.Checks)
	}
	if !byName["create:external_data_ingestion"].Skipped || h.wz.SlotsRequested() != 0 {
		t.Fatal("the upload scope was tested without --upload")
	}
	if code, _, _ := h.run("check", "--upload"); code != 1 || h.wz.SlotsRequested() != 1 {
		t.Fatalf("check --upload: exit %d, slots %d", code, h.wz.SlotsRequested())
	}
}

func TestCheckWithWrongSecret(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	h.vars["WIZ_CLIENT_SECRET"] = strings.Repeat("x", 64)
	code, out, _ := h.run("check")
	if code != 1 || !strings.Contains(out, "✗") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, _ := h.run("version")
	if code != 0 || !strings.HasPrefix(out, "semgrep-wiz ") {
		t.Fatalf("exit %d: %q", code, out)
	}
	if code, _, _ := h.run("frobnicate"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	if code, _, _ := h.run("sync", "--bogus"); code != 2 {
		t.Fatalf("unknown flag exit %d", code)
	}
}

func TestDemoHeadless(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, stderr := h.run("demo", "--headless", "--state-dir", filepath.Join(h.dir, "demo"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"Semgrep deployment", "Would send", "SUCCESS", "semgrep:github.com/acme/payments-api"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

// samples is the shared folder of real Semgrep output, read in place.
func samples(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test")
		}
		dir = parent
	}
	s := filepath.Join(dir, "..", "shared", "samples", "semgrep")
	if _, err := os.Stat(s); err != nil {
		t.Skip("shared samples not present")
	}
	return s
}

func TestSyncFromFilesNeverCallsSemgrep(t *testing.T) {
	dir := samples(t)
	h := newHarness(t, wiztest.Options{})
	h.vars["SEMGREP_APP_TOKEN"] = "" // files need no Semgrep account
	code, out, stderr := h.run("sync", "--yes", "--json",
		"--from", filepath.Join(dir, "cli-json--v1.154.0-requires-login-juice-shop.json"),
		"--from", filepath.Join(dir, "sarif--v1.154.0-large-requires-login-notifications-juice-shop.sarif"),
		"--repo-url", "git@github.com:juice-shop/juice-shop.git", "--branch", "refs/heads/master")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	if len(h.sg.Requests()) != 0 {
		t.Fatal("--from called the Semgrep API")
	}
	doc := h.uploadedDoc()
	if ids := dataSourceIDs(doc); len(ids) != 1 || ids[0] != "semgrep:github.com/juice-shop/juice-shop" {
		t.Fatalf("data sources %v", ids)
	}
	rb := doc.DataSources[0].Assets[0].Details.RepositoryBranch
	if rb.BranchName != "master" || rb.Repository.URL != "https://github.com/juice-shop/juice-shop" || rb.VCS != "GitHub" {
		t.Fatalf("asset %+v", rb)
	}
	seen := map[string]bool{}
	for _, f := range doc.DataSources[0].Assets[0].SASTFindings {
		if seen[f.ID] {
			t.Fatalf("duplicate finding id %s", f.ID)
		}
		seen[f.ID] = true
	}
	if len(seen) == 0 {
		t.Fatal("no findings sent from the juice-shop files")
	}
}

func TestFileWithNoResultsStillSendsItsRepository(t *testing.T) {
	dir := samples(t)
	h := newHarness(t, wiztest.Options{})
	code, _, stderr := h.run("sync", "--yes", "--from", filepath.Join(dir, "cli-json--empty-results-errors-only--defectdojo.json"),
		"--repo-url", "https://gitlab.com/acme/empty", "--branch", "main")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := h.uploadedDoc()
	if len(doc.DataSources) != 1 || doc.DataSources[0].ID != "semgrep:gitlab.com/acme/empty" || len(doc.DataSources[0].Assets[0].SASTFindings) != 0 {
		t.Fatalf("document %+v", doc)
	}
}

func TestFromFileErrors(t *testing.T) {
	dir := samples(t)
	h := newHarness(t, wiztest.Options{})
	file := filepath.Join(dir, "cli-json--v1.100.0-requires-login--defectdojo.json")
	cases := []struct {
		name    string
		args    []string
		vars    map[string]string
		code    int
		mention string
	}{
		{"no repo url", []string{"--from", file, "--branch", "main"}, nil, 2, "--repo-url"},
		{"no branch", []string{"--from", file, "--repo-url", "https://github.com/a/b"}, nil, 2, "--branch"},
		{"pull request build", []string{"--from", file}, map[string]string{"GITHUB_REPOSITORY": "a/b", "GITHUB_REF_NAME": "7/merge", "GITHUB_EVENT_NAME": "pull_request"}, 2, "pull-request"},
		{"not a findings file", []string{"--from", filepath.Join(dir, "api-v1-findings--empty--defectdojo.json"), "--repo-url", "https://github.com/a/b", "--branch", "main"}, nil, 1, "api-v1-findings--empty--defectdojo.json"},
		{"missing file", []string{"--from", filepath.Join(dir, "nope.json"), "--repo-url", "https://github.com/a/b", "--branch", "main"}, nil, 1, "nope.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.vars {
				h.vars[k] = v
			}
			defer func() {
				for k := range c.vars {
					delete(h.vars, k)
				}
			}()
			code, _, stderr := h.run(append([]string{"sync", "--yes"}, c.args...)...)
			if code != c.code || !strings.Contains(stderr, c.mention) {
				t.Fatalf("exit %d (want %d), stderr %q should mention %q", code, c.code, stderr, c.mention)
			}
			if len(h.wz.Uploads()) != 0 {
				t.Fatal("something was uploaded")
			}
		})
	}
	// CI variables fill in what the file does not say.
	h.vars["GITHUB_REPOSITORY"], h.vars["GITHUB_REF_NAME"], h.vars["GITHUB_SHA"] = "acme/ci-app", "main", "0123456789abcdef0123456789abcdef01234567"
	code, out, stderr := h.run("sync", "--dry-run", "--json", "--out", filepath.Join(h.dir, "ci"), "--from", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if res := decodeResult(t, out); len(res.Repositories) != 1 || res.Repositories[0].DataSourceID != "semgrep:github.com/acme/ci-app" || res.Repositories[0].Branch != "main" {
		t.Fatalf("repositories %+v", res.Repositories)
	}
}

func TestDemoScaleRunNeedsRepos(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	// The scale run itself starts the stand-ins as a separate process of
	// the real binary: TestScaleDemoReportsItsNumbers.
	if code, _, _ := h.run("demo", "--findings", "10"); code != 2 {
		t.Fatalf("--findings without --repos: exit %d", code)
	}
}

// In CI, stdin is often /dev/null: a character device but no terminal.
// sync without --yes must refuse at once, before any request, and record
// nothing — not read everything, ask, read EOF and record a cancelled run.
func TestSyncWithoutYesAndWithoutTerminalRefusesAtOnce(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var out, errb bytes.Buffer
	e := env{getenv: func(k string) string { return h.vars[k] }, stdin: devNull, stdout: &out, stderr: &errb,
		pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml"))}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"sync"}, e)
	if code != 2 || out.Len() != 0 {
		t.Fatalf("sync < /dev/null: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if errb.String() != "semgrep-wiz: sync uploads to Wiz and needs confirmation: add --yes (or --dry-run to only write the file)\n" {
		t.Fatalf("not the one line asking for --yes: %q", errb.String())
	}
	if n, m := len(h.sg.Requests()), len(h.wz.Requests()); n != 0 || m != 0 {
		t.Fatalf("requests before refusing: %d to Semgrep, %d to Wiz", n, m)
	}
	if _, err := os.Stat(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], ledger.FileName)); err == nil {
		t.Fatal("a refused sync opened the ledger")
	}
	if code, hist, _ := h.run("history", "--json"); code != 0 || !strings.Contains(hist, `"runs": []`) {
		t.Fatalf("a refused sync was recorded: %s", hist)
	}
	// --dry-run needs no --yes: it sends nothing to Wiz.
	if code := run(ctx, []string{"sync", "--dry-run"}, e); code != 0 {
		t.Fatalf("sync --dry-run < /dev/null: exit %d: %s", code, errb.String())
	}
	if n := len(h.wz.Requests()); n != 0 {
		t.Fatalf("a dry run sent %d requests to Wiz", n)
	}
}
