package pipeline

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

const (
	soakRepos    = 200
	soakFindings = 50_000
	soakRate     = 0.10
	// soakDeadline bounds the whole sync. It takes seconds on two cores
	// (about 40 s under -race); the margin is for a busy machine.
	soakDeadline = 3 * time.Minute
)

// TestSoak: 50,000 findings in 200 repositories while 10 % of all calls to
// Semgrep and Wiz fail transiently at random (500, 503, 429 with
// Retry-After: 0, reset connections; never the same request twice in a
// row). The sync must succeed with every data source uploaded exactly
// once, and the ledger must hold exactly what Wiz holds.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: 50,000 findings")
	}
	now := time.Now()
	ds := semgreptest.GenerateDataset(5, soakRepos, soakFindings, now)
	if n := ds.FindingCount(); n != soakFindings {
		t.Fatalf("dataset has %d findings", n)
	}
	for _, p := range ds.Projects {
		// Only github.com, whose VCS needs no VCSHosts entry.
		if !strings.HasPrefix(p.URL, "https://github.com/") {
			t.Fatalf("%s: unexpected host in %s", p.Name, p.URL)
		}
	}
	sg := semgreptest.NewServer(ds, semgreptest.WithFaultRate(soakRate, 11))
	defer sg.Close()
	// Wiz sees a handful of calls, one after another, so its draws are
	// the same every run: with seed 1093 the PUT (connection reset) and
	// three of the activity polls fail.
	wz := wiztest.NewServer(wiztest.Options{FaultRate: soakRate, FaultSeed: 1093})
	defer wz.Close()
	l, err := ledger.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wc, err := wiz.New(wiz.Config{
		RequestsPerSecond: 1000, // tests poll every few milliseconds
		APIEndpoint:       wz.APIEndpoint(), AuthURL: wz.AuthURL(),
		ClientID: wiztest.DefaultClientID, ClientSecret: wiztest.DefaultClientSecret,
		RetryBase: time.Millisecond, PollInterval: 5 * time.Millisecond, PollMaxInterval: 20 * time.Millisecond,
		NotFoundGrace: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	g := DefaultGuards()
	g.UploadsPerDay = 0
	// Every severity and several statuses: the API then serves all 50,000
	// findings; the policy still leaves out the other branches' and the
	// triaged-away ones.
	pol := policy.Default()
	pol.Severities = []finding.Severity{finding.SeverityLow, finding.SeverityMedium, finding.SeverityHigh, finding.SeverityCritical}
	pol.Statuses = []string{"open", "reviewing", "fixing"}
	o := Options{
		Collect: CollectOptions{Policy: pol, Deployment: ds.Deployment.Slug, Concurrency: 8,
			Semgrep: semgrep.New(semgrep.Options{BaseURL: sg.URL, Token: ds.Token, RetryBase: time.Millisecond})},
		Wiz: wc, Ledger: l, Guards: g, WorkDir: t.TempDir(),
	}

	ctx, cancel := context.WithTimeout(context.Background(), soakDeadline)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, o)
	took := time.Since(start)
	sgReqs, wzReqs := len(sg.Requests()), len(wz.Requests())
	t.Logf("soak: %s in %v; %d findings read, %d sent from %d repositories; Semgrep %d requests (%d faulted), Wiz %d requests (%d faulted)",
		res.Status, took.Round(time.Millisecond), res.Findings.Sent+res.Findings.Excluded, res.Findings.Sent, len(res.Repositories),
		sgReqs, sg.RandomFaults(), wzReqs, wz.RandomFaults())
	if err != nil || res.Status != StatusSuccess {
		t.Fatalf("status %s: %v", res.Status, err)
	}

	// The faults did happen: about 10 % of Semgrep's hundreds of requests
	// (retries count as requests), and some of Wiz's few.
	if f := float64(sg.RandomFaults()) / float64(sgReqs); f < 0.05 || f > 0.15 {
		t.Errorf("Semgrep: %d random faults in %d requests, want about %.0f %%", sg.RandomFaults(), sgReqs, soakRate*100)
	}
	if wz.RandomFaults() == 0 || wz.RequestCount("put") != 2 {
		t.Errorf("Wiz: %d random faults, %d PUTs; the seed should fail the first PUT", wz.RandomFaults(), wz.RequestCount("put"))
	}

	// Every repository in scope, in one upload, each data source once.
	var want []string
	for _, r := range res.Repositories {
		if r.State != "sent" {
			t.Errorf("%s: %s (%s)", r.Name, r.State, r.Reason)
			continue
		}
		want = append(want, r.DataSourceID)
	}
	slices.Sort(want)
	if len(want) != soakRepos {
		t.Errorf("%d repositories sent, want %d", len(want), soakRepos)
	}
	ups := wz.Uploads()
	if len(ups) != 1 || wz.SlotsRequested() != 1 {
		t.Fatalf("Wiz received %d uploads from %d slots, want 1 and 1", len(ups), wz.SlotsRequested())
	}
	if ups[0].Status != "SUCCESS" {
		t.Fatalf("Wiz processed the upload as %s: %s", ups[0].Status, ups[0].StatusInfo)
	}
	var doc struct {
		DataSources []struct {
			ID     string `json:"id"`
			Assets []struct {
				SastFindings []json.RawMessage `json:"sastFindings"`
			} `json:"assets"`
		} `json:"dataSources"`
	}
	if err := json.Unmarshal(ups[0].Body, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	findings := 0
	for _, d := range doc.DataSources {
		got = append(got, d.ID)
		for _, a := range d.Assets {
			findings += len(a.SastFindings)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("the upload carried %d data sources (%d distinct), want the %d sent, each once", len(got), len(slices.Compact(slices.Clone(got))), len(want))
	}
	if read := res.Findings.Sent + res.Findings.Excluded; read != soakFindings {
		t.Errorf("%d findings read, want all %d", read, soakFindings)
	}
	if findings != res.Findings.Sent || findings == 0 {
		t.Errorf("the upload carried %d findings, the run reports %d sent", findings, res.Findings.Sent)
	}

	// What Wiz holds: each data source uploaded once; the ledger holds the same.
	held := wz.DataSources()
	if len(held) != len(want) {
		t.Errorf("Wiz holds %d data sources, want %d", len(held), len(want))
	}
	mem, err := l.DataSources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(mem) != len(held) {
		t.Errorf("the ledger knows %d data sources, Wiz %d", len(mem), len(held))
	}
	total := 0
	for _, d := range mem {
		w, ok := held[d.ID]
		if !ok {
			t.Errorf("%s: in the ledger, not in Wiz", d.ID)
			continue
		}
		if w.Uploads != 1 {
			t.Errorf("%s: uploaded %d times", d.ID, w.Uploads)
		}
		ids, err := l.Held(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, w.Open) {
			t.Errorf("%s: the ledger holds %d findings, Wiz %d", d.ID, len(ids), len(w.Open))
		}
		total += len(ids)
	}
	if total != res.Findings.Sent {
		t.Errorf("the ledger holds %d findings, the run sent %d", total, res.Findings.Sent)
	}
}
