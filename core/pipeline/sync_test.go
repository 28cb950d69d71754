package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

var vcsHosts = map[string]string{"git.acme-corp.internal": "GitLab"}

type rig struct {
	sg     *semgreptest.Server
	ds     *semgreptest.Dataset
	wz     *wiztest.Server
	wiz    *wiz.Client
	semg   *semgrep.Client
	work   string
	mu     sync.Mutex
	events []Event
}

func newRig(t *testing.T, wo wiztest.Options, wc func(*wiz.Config)) *rig {
	t.Helper()
	return newRigDS(t, semgreptest.DemoDataset(time.Now()), wo, wc)
}

func newRigDS(t *testing.T, ds *semgreptest.Dataset, wo wiztest.Options, wc func(*wiz.Config), so ...semgreptest.Option) *rig {
	t.Helper()
	r := &rig{ds: ds, sg: semgreptest.NewServer(ds, so...), wz: wiztest.NewServer(wo), work: t.TempDir()}
	t.Cleanup(r.sg.Close)
	t.Cleanup(r.wz.Close)
	cfg := wiz.Config{
		RequestsPerSecond: 1000, // tests poll every few milliseconds
		APIEndpoint:       r.wz.APIEndpoint(), AuthURL: r.wz.AuthURL(),
		ClientID: wiztest.DefaultClientID, ClientSecret: wiztest.DefaultClientSecret,
		RetryBase: time.Millisecond, PollInterval: 5 * time.Millisecond, PollMaxInterval: 20 * time.Millisecond,
	}
	if wc != nil {
		wc(&cfg)
	}
	var err error
	if r.wiz, err = wiz.New(cfg); err != nil {
		t.Fatal(err)
	}
	r.semg = semgrep.New(semgrep.Options{BaseURL: r.sg.URL, Token: ds.Token, RetryBase: time.Millisecond})
	return r
}

func (r *rig) options() Options {
	return Options{
		Collect: CollectOptions{Policy: policy.Default(), Semgrep: r.semg, Deployment: r.ds.Deployment.Slug, VCSHosts: vcsHosts},
		Schema:  wizschema.Options{VCSHosts: vcsHosts},
		Wiz:     r.wiz,
		WorkDir: r.work,
		Events: func(e Event) {
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
		},
	}
}

func (r *rig) kinds(step Step) []Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Kind
	for _, e := range r.events {
		if e.Step == step && (e.Kind == StepStarted || e.Kind == StepFinished || e.Kind == StepFailed) {
			out = append(out, e.Kind)
		}
	}
	return out
}

func workFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestRunEmitsEveryStepAndUploadsOnce(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	res, err := Run(context.Background(), r.options())
	if err != nil || res.Status != StatusSuccess {
		t.Fatalf("status %s, err %v", res.Status, err)
	}
	for _, step := range []Step{StepCollect, StepSelect, StepEncode, StepUpload, StepPoll} {
		k := r.kinds(step)
		if len(k) != 2 || k[0] != StepStarted || k[1] != StepFinished {
			t.Errorf("step %s emitted %v", step, k)
		}
	}
	var lastBytes, total int64
	var sawActivity bool
	for _, e := range r.events {
		switch e.Kind {
		case BytesSent:
			lastBytes, total = e.Done, e.Total
		case ActivityStatus:
			sawActivity = sawActivity || (e.Activity != nil && e.Activity.ID == res.Uploads[0].SystemActivityID)
		}
	}
	if total == 0 || lastBytes != total || total != res.Uploads[0].Bytes {
		t.Errorf("byte progress ended at %d of %d, file is %d", lastBytes, total, res.Uploads[0].Bytes)
	}
	if !sawActivity {
		t.Error("no activity status event")
	}
	if n := len(r.wz.Uploads()); n != 1 || r.wz.SlotsRequested() != 1 {
		t.Fatalf("uploads %d, slots %d", n, r.wz.SlotsRequested())
	}
	if files := workFiles(t, r.work); len(files) != 0 {
		t.Errorf("upload file left behind: %v", files)
	}
}

func TestRepositoryWithNoFindingsIsSentEmpty(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	if _, err := Run(context.Background(), r.options()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DataSources []struct {
			ID     string
			Assets []struct {
				SASTFindings []json.RawMessage `json:"sastFindings"`
			}
		}
	}
	body := r.wz.Uploads()[0].Body
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range doc.DataSources {
		if strings.HasSuffix(d.ID, "acme/docs-site") {
			found = len(d.Assets) == 1 && d.Assets[0].SASTFindings != nil && len(d.Assets[0].SASTFindings) == 0
		}
	}
	if !found || !bytes.Contains(body, []byte(`"sastFindings":[]`)) {
		t.Fatal("a repository with no findings was not sent with an empty list")
	}
}

func TestExpiredUploadURLGetsOneFreshSlot(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	r.wz.ExpireUploadURLs()
	r.wz.Inject(wiztest.Fault{Op: "put", Status: 403, Body: `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`, Times: 1})
	res, err := Run(context.Background(), r.options())
	if err != nil || res.Status != StatusSuccess {
		t.Fatalf("status %s, err %v", res.Status, err)
	}
	if r.wz.SlotsRequested() != 2 || len(r.wz.Uploads()) != 1 {
		t.Fatalf("slots %d, uploads %d; want 2 slots and 1 upload", r.wz.SlotsRequested(), len(r.wz.Uploads()))
	}
	// A second expiry is not retried again.
	r2 := newRig(t, wiztest.Options{}, nil)
	r2.wz.Inject(wiztest.Fault{Op: "put", Status: 403, Body: `<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`, Times: 5})
	res, err = Run(context.Background(), r2.options())
	if err == nil || res.Status != StatusFailure || r2.wz.SlotsRequested() != 2 || len(r2.wz.Uploads()) != 0 {
		t.Fatalf("status %s err %v slots %d uploads %d", res.Status, err, r2.wz.SlotsRequested(), len(r2.wz.Uploads()))
	}
}

func TestMissingIngestionScopeFailsBeforeAnythingIsSent(t *testing.T) {
	r := newRig(t, wiztest.Options{Scopes: []string{"read:resources", "read:system_activities"}}, nil)
	res, err := Run(context.Background(), r.options())
	var we *wiz.Error
	if !errors.As(err, &we) || we.Kind != wiz.KindMissingScope || we.Scope != "create:external_data_ingestion" {
		t.Fatalf("err %v", err)
	}
	if res.Status != StatusFailure || len(r.wz.Uploads()) != 0 {
		t.Fatalf("status %s, uploads %d", res.Status, len(r.wz.Uploads()))
	}
	if files := workFiles(t, r.work); len(files) != 0 {
		t.Errorf("upload file left behind: %v", files)
	}
}

func TestUnknownIntegrationIDFailsWithHint(t *testing.T) {
	r := newRig(t, wiztest.Options{}, func(c *wiz.Config) { c.NotFoundGrace = 100 * time.Millisecond })
	o := r.options()
	o.Schema.IntegrationID = "semgrep-local-test"
	res, err := Run(context.Background(), o)
	if err == nil || res.Status != StatusFailure || !strings.Contains(strings.ToLower(wiz.HintOf(err)+err.Error()), "integration") {
		t.Fatalf("status %s err %v hint %q", res.Status, err, wiz.HintOf(err))
	}
	if res.Uploads[0].UploadID == "" || res.Uploads[0].SystemActivityID == "" {
		t.Error("the upload and activity ids were not kept for the user to look up")
	}
}

func TestUnresolvedRepositoryIsReportedNotHidden(t *testing.T) {
	r := newRig(t, wiztest.Options{UnresolvedRepoURLs: []string{"https://github.com/acme/web-frontend"}}, nil)
	res, err := Run(context.Background(), r.options())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status == StatusSuccess {
		t.Fatalf("an upload with unresolved assets reported plain success: %+v", res.Uploads)
	}
	u := res.Uploads[0]
	if u.FindingsHandled >= u.FindingsIncoming {
		t.Errorf("handled %d of %d", u.FindingsHandled, u.FindingsIncoming)
	}
}

func TestDeclinedOrCancelledRunSendsNothing(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	o := r.options()
	var asked *Plan
	o.Confirm = func(p *Plan) bool { asked = p; return false }
	res, err := Run(context.Background(), o)
	if err == nil || res.Status != StatusCancelled || r.wz.SlotsRequested() != 0 {
		t.Fatalf("status %s, slots %d", res.Status, r.wz.SlotsRequested())
	}
	if asked.Findings == 0 || asked.Repositories == 0 {
		t.Fatalf("confirmation got an empty plan: %+v", asked)
	}

	// Cancelled while Wiz processes the upload: recorded as cancelled, no
	// file left behind.
	r2 := newRig(t, wiztest.Options{PollsInProgress: 1000}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	o2 := r2.options()
	inner := o2.Events
	o2.Events = func(e Event) {
		inner(e)
		if e.Kind == ActivityStatus {
			cancel()
		}
	}
	res, err = Run(ctx, o2)
	if err == nil || res.Status != StatusCancelled {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	if files := workFiles(t, r2.work); len(files) != 0 {
		t.Errorf("upload file left behind: %v", files)
	}
}

func TestDryRunTouchesNoWiz(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	o := r.options()
	o.Wiz, o.DryRun, o.OutDir = nil, true, filepath.Join(r.work, "out")
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusDryRun || len(res.Files) != 1 {
		t.Fatalf("status %s err %v files %v", res.Status, err, res.Files)
	}
	if err := wizschema.ValidateFile(res.Files[0]); err != nil {
		t.Fatal(err)
	}
	if len(r.wz.Requests()) != 0 {
		t.Fatal("dry run contacted Wiz")
	}
}

func TestEveryRepositoryFailingIsTheRunsFailure(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	r.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Status: 500, Times: 0})
	res, err := Run(context.Background(), r.options())
	if err == nil || res.Status != StatusFailure || r.wz.SlotsRequested() != 0 {
		t.Fatalf("status %s err %v slots %d", res.Status, err, r.wz.SlotsRequested())
	}
}
