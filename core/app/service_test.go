package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

const (
	testClientID     = "testclientid000000000000000000000000000000000000000001"
	testClientSecret = "SECRETwizSECRETwizSECRETwizSECRETwizSECRETwizSECRETwizSECRETwiz1"
)

// fixture is the Semgrep and Wiz stand-ins with the demo data, and the
// environment that points the layer at them, with a configuration, a
// state directory and a secret store of its own.
type fixture struct {
	t    *testing.T
	sg   *semgreptest.Server
	ds   *semgreptest.Dataset
	wz   *wiztest.Server
	vars map[string]string
	dir  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ds := semgreptest.DemoDataset(time.Now())
	sg := semgreptest.NewServer(ds)
	t.Cleanup(sg.Close)
	wz := wiztest.NewServer(wiztest.Options{ClientID: testClientID, ClientSecret: testClientSecret})
	t.Cleanup(wz.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("wiz:\n  vcs_hosts:\n    git.acme-corp.internal: GitLab\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, sg: sg, ds: ds, wz: wz, dir: dir, vars: map[string]string{
		"SEMGREP_WIZ_CONFIG":    cfg,
		"SEMGREP_WIZ_STATE_DIR": filepath.Join(dir, "state"),
		"HOME":                  dir,
		"XDG_CONFIG_HOME":       filepath.Join(dir, "xdg"),
		"WIZ_API_ENDPOINT":      wz.APIEndpoint(),
		"WIZ_AUTH_URL":          wz.AuthURL(),
		"WIZ_CLIENT_ID":         testClientID,
		"WIZ_CLIENT_SECRET":     testClientSecret,
		"SEMGREP_API_URL":       sg.URL,
		"SEMGREP_APP_TOKEN":     ds.Token,
		"SEMGREP_DEPLOYMENT":    ds.Deployment.Slug,
	}}
}

func (h *fixture) env() Env {
	return Env{Getenv: func(k string) string { return h.vars[k] }, PollInterval: 10 * time.Millisecond, WizRate: 1000,
		Secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml"))}
}

// service is a Service over the fixture, closed when the test ends.
func (h *fixture) service() *Service {
	s := NewService(Options{}, h.env())
	h.t.Cleanup(s.Close)
	return s
}

// sync runs one sync through a Service of its own (as another process
// would) and wants it to succeed.
func (h *fixture) sync() *pipeline.Result {
	h.t.Helper()
	s := NewService(Options{}, h.env())
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := s.Sync(ctx, SyncOptions{}, nil)
	if err != nil || r.Status != pipeline.StatusSuccess {
		h.t.Fatalf("sync: %v (%+v)", err, r)
	}
	return r
}

// keepTenth leaves a tenth of a project's findings: the next sync would
// mark the rest fixed, which trips the mass-resolve guard.
func keepTenth(sg *semgreptest.Server, project string) {
	sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			if p := &ds.Projects[i]; p.Name == project {
				var kept []semgreptest.Finding
				for j, f := range p.Findings {
					if j%10 == 0 {
						kept = append(kept, f)
					}
				}
				p.Findings = kept
			}
		}
	})
}

// uploadedFindings counts the findings each data source carries in one
// upload the Wiz stand-in received.
func uploadedFindings(t *testing.T, body []byte) map[string]int {
	t.Helper()
	var doc wizschema.Document
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range doc.DataSources {
		for _, a := range d.Assets {
			out[d.ID] += len(a.SASTFindings)
		}
	}
	return out
}

// The TUI confirms a plan, then runs: when the data changed in between so
// that the mass-resolve guard trips for a repository the confirmed plan
// did not show tripping, nothing resolving its findings reaches Wiz; the
// service stops and asks again.
func TestTUIRunsOnlyWhatWasConfirmed(t *testing.T) {
	h := newFixture(t)
	h.sync()
	svc := h.service()
	defer svc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Two repositories with many findings in Wiz.
	first := uploadedFindings(t, h.wz.Uploads()[0].Body)
	byCount, res := map[string]int{}, map[string]string{}
	var big []string
	for _, s := range mustPreview(t, svc).Plan.Sources {
		if first[s.DataSourceID] >= 40 {
			big = append(big, s.Name)
			byCount[s.Name], res[s.Name] = first[s.DataSourceID], s.DataSourceID
		}
	}
	sort.Slice(big, func(i, j int) bool { return byCount[big[i]] > byCount[big[j]] })
	if len(big) < 2 {
		t.Fatalf("the demo data needs two repositories with 40+ findings in Wiz; have %v", big)
	}
	x, y := big[0], big[1]

	keepTenth(h.sg, x)
	shown, err := svc.Preview(ctx, false)
	if err != nil || !shown.Plan.MassResolveHeld {
		t.Fatalf("the plan shown should hold %s back: %v", x, err)
	}
	// The user sends anyway what the plan showed; meanwhile y changes too.
	keepTenth(h.sg, y)
	_, err = svc.Sync(ctx, SyncOptions{AllowMassResolve: true, Confirmed: shown.Plan}, nil)
	for _, up := range h.wz.Uploads()[1:] {
		if n, in := uploadedFindings(t, up.Body)[res[y]]; in && n < byCount[y] {
			t.Fatalf("Wiz received an upload resolving %d of %s's findings that nobody confirmed", byCount[y]-n, y)
		}
	}
	if !errors.Is(err, ErrPlanChanged) || !strings.Contains(err.Error(), y) {
		t.Fatalf("the sync should stop and ask again naming %s; got %v", y, err)
	}
	// Asked again and confirmed, both go.
	again, err := svc.Preview(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Sync(ctx, SyncOptions{AllowMassResolve: true, Confirmed: again.Plan}, nil)
	if err != nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("confirmed sync: %v", err)
	}
	last := uploadedFindings(t, h.wz.Uploads()[len(h.wz.Uploads())-1].Body)
	if last[res[x]] >= byCount[x] || last[res[y]] >= byCount[y] {
		t.Fatalf("the confirmed upload did not resolve both: %v", last)
	}
}

// Confirming a plan without sending the held-back source anyway keeps it
// held back, also when the second read trips the same guard.
func TestTUIKeepsHeldWhatWasNotReleased(t *testing.T) {
	h := newFixture(t)
	h.sync()
	svc := h.service()
	defer svc.Close()
	ctx := context.Background()
	first := uploadedFindings(t, h.wz.Uploads()[0].Body)
	var x, xid string
	for _, p := range h.ds.Projects {
		id := ""
		for _, s := range mustPreview(t, svc).Plan.Sources {
			if s.Name == p.Name {
				id = s.DataSourceID
			}
		}
		if first[id] >= 40 {
			x, xid = p.Name, id
			break
		}
	}
	if x == "" {
		t.Fatal("no repository with 40+ findings")
	}
	keepTenth(h.sg, x)
	shown := mustPreview(t, svc)
	if !shown.Plan.MassResolveHeld {
		t.Fatal("the guard did not trip")
	}
	r, err := svc.Sync(ctx, SyncOptions{Confirmed: shown.Plan}, nil)
	if err != nil && r == nil {
		t.Fatal(err)
	}
	last := uploadedFindings(t, h.wz.Uploads()[len(h.wz.Uploads())-1].Body)
	if _, in := last[xid]; in {
		t.Fatalf("%s went into the upload although the user did not send it anyway", x)
	}
}

func mustPreview(t *testing.T, svc *Service) *Preview {
	t.Helper()
	p, err := svc.Preview(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The TUI's delete through the service: a dry run's upload file (every
// finding's details) goes when chosen; the history stays unless chosen.
func TestServiceDeleteRemovesUploadFilesWhenChosen(t *testing.T) {
	h := newFixture(t)
	svc := h.service()
	defer svc.Close()
	ctx := context.Background()
	r, err := svc.Sync(ctx, SyncOptions{DryRun: true}, nil)
	if err != nil || len(r.Files) != 1 {
		t.Fatalf("dry run: %v, files %v", err, r.Files)
	}
	svc.Close() // the ledger is released before its directory is touched
	plan, err := svc.DeletePlan(ctx, config.DeleteChoice{UploadFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, it := range plan {
		listed = listed || (it.Kind == config.DeleteUploadFiles && it.Remove && it.Path == filepath.Dir(r.Files[0]))
	}
	if !listed {
		t.Fatalf("the plan does not offer the upload file's folder: %+v", plan)
	}
	if _, err := svc.DeleteConfig(ctx, config.DeleteChoice{UploadFiles: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Files[0]); err == nil {
		t.Fatal("the dry run's upload file is still on disk")
	}
	if _, err := os.Stat(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], "ledger.db")); err != nil {
		t.Fatalf("the history went although it was not chosen: %v", err)
	}
	if _, err := os.Stat(h.vars["SEMGREP_WIZ_CONFIG"]); err == nil {
		t.Fatal("the config file is still there")
	}
}

func TestNotSetUpNamesTheMissingSettings(t *testing.T) {
	const hint = "Press s to set up."
	err := (&Service{SetUpHint: hint}).notSetUp(&config.ValidationError{Problems: []config.Problem{
		{Field: "wiz.client_id", Message: "is not set", Hint: "set WIZ_CLIENT_ID"},
		{Field: "wiz.api_endpoint", Origin: "env WIZ_API_ENDPOINT", Message: "is not a URL"},
	}})
	var ns *NotSetUpError
	if !errors.As(err, &ns) || !strings.HasSuffix(err.Error(), hint) || !strings.Contains(err.Error(), "wiz.client_id") || strings.Contains(err.Error(), "wiz.api_endpoint") ||
		strings.Contains(err.Error(), "WIZ_CLIENT_ID") {
		t.Errorf("notSetUp = %v", err)
	}
}

// A passed upload probe stays passed on a plain re-check (it allocates an
// upload slot, so it is not asked again) until the settings are saved.
func TestPassedUploadProbeStaysUntilSettingsChange(t *testing.T) {
	h := newFixture(t)
	svc := h.service()
	defer svc.Close()
	ctx := context.Background()
	ingestion := func(rs []pipeline.CheckResult) pipeline.CheckResult {
		for _, r := range rs {
			if r.Name == wiz.ScopeIngestion {
				return r
			}
		}
		t.Fatalf("no upload row in %+v", rs)
		return pipeline.CheckResult{}
	}
	rs, _ := svc.Check(ctx, false)
	if r := ingestion(rs); !r.Skipped {
		t.Fatalf("a plain first check tested uploading: %+v", r)
	}
	rs, _ = svc.Check(ctx, true)
	if r := ingestion(rs); !r.OK {
		t.Fatalf("the upload probe failed: %+v", r)
	}
	slots := h.wz.SlotsRequested()
	rs, _ = svc.Check(ctx, false)
	if r := ingestion(rs); !r.OK || r.Skipped {
		t.Errorf("a re-check reset the passed upload probe: %+v", r)
	}
	if h.wz.SlotsRequested() != slots {
		t.Error("a plain re-check asked Wiz for an upload slot")
	}
	svc.forgetChecks() // what saving the settings does
	rs, _ = svc.Check(ctx, false)
	if r := ingestion(rs); !r.Skipped {
		t.Errorf("the upload probe stayed passed after the settings changed: %+v", r)
	}
}

// Home's data sources agree with the repositories the upload carried: an
// empty one (a repository without findings, sent empty) is in Wiz too.
func TestHomeCountsEveryUploadedDataSource(t *testing.T) {
	h := newFixture(t)
	res := h.sync()
	// The demo data holds a repository without findings (acme/docs-site):
	// it is uploaded with an empty list.
	uploaded := 0
	for _, r := range res.Repositories {
		if r.State == "sent" || r.State == "sent_empty" {
			uploaded++
		}
	}
	svc := h.service()
	defer svc.Close()
	info, err := svc.Home(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.DataSources != uploaded || info.LastRun == nil || info.LastRun.Repositories != uploaded {
		t.Errorf("home: %d data sources, last run %v repositories; the upload carried %d", info.DataSources, info.LastRun, uploaded)
	}
}
