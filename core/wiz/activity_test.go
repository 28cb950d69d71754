package wiz

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

func TestSystemActivityNotFoundBeforePut(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, nil)
	up, err := c.RequestUpload(testCtx(t), "a.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.SystemActivity(testCtx(t), up.SystemActivityID)
	if a != nil || !errors.Is(err, ErrNotFound) {
		t.Errorf("before the PUT: %v, %v", a, err)
	}
}

func TestWaitActivityGraceThenSuccess(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{NotFoundPolls: 2, PollsInProgress: 2}, nil)
	up := uploadDoc(t, c, customerDoc("f1", "f2", "f3"))
	var seen []string
	a, err := c.WaitActivity(testCtx(t), up.SystemActivityID, func(a *Activity, notFound bool) {
		if notFound {
			seen = append(seen, "NOT_FOUND")
		} else {
			seen = append(seen, a.Status)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, ","); got != "NOT_FOUND,NOT_FOUND,IN_PROGRESS,IN_PROGRESS,SUCCESS" {
		t.Errorf("polls saw %s", got)
	}
	if a.Status != StatusSuccess || a.Partial() || a.Findings != (Stats{3, 3}) || a.DataSources != (Stats{1, 1}) ||
		a.FileUploadID != up.ID || a.ID != up.SystemActivityID {
		t.Errorf("activity %+v", a)
	}
}

func TestWaitActivityUnknownIntegrationID(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.NotFoundGrace = 150 * time.Millisecond })
	doc := wiztest.SampleDocument("placeholder-integration-id", "ds", "https://github.com/acme/app", "f1")
	up := uploadDoc(t, c, doc)
	start := time.Now()
	polls := 0
	a, err := c.WaitActivity(testCtx(t), up.SystemActivityID, func(*Activity, bool) { polls++ })
	e := mustKind(t, err, KindNotFound)
	if a != nil || !strings.Contains(e.Hint, "integration id") || !strings.Contains(e.Message, up.SystemActivityID) {
		t.Errorf("activity %v, error %+v", a, e)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("gave up after %v, before the grace period", d)
	}
	if polls < 3 {
		t.Errorf("only %d polls", polls)
	}
	if u := s.Uploads(); len(u) != 1 || u[0].Visible || !strings.Contains(u[0].StatusInfo, "Integration id not found: placeholder-integration-id") {
		t.Errorf("stand-in upload %+v", u)
	}
}

func TestWaitActivityDeadline(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{PollsInProgress: 1 << 20}, func(cfg *Config) { cfg.PollDeadline = 100 * time.Millisecond })
	up := uploadDoc(t, c, customerDoc("f1"))
	start := time.Now()
	_, err := c.WaitActivity(testCtx(t), up.SystemActivityID, nil)
	e := mustKind(t, err, KindTimeout)
	if !strings.Contains(e.Message, up.SystemActivityID) || !strings.Contains(e.Hint, up.SystemActivityID) {
		t.Errorf("error does not name the activity: %+v", e)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
		t.Errorf("timed out after %v", d)
	}
}

func TestWaitActivityCancel(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{PollsInProgress: 1 << 20}, func(cfg *Config) { cfg.PollInterval = 10 * time.Second })
	up := uploadDoc(t, c, customerDoc("f1"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.WaitActivity(ctx, up.SystemActivityID, nil)
	mustKind(t, err, KindCanceled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, context.Canceled) false: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned %v after cancel", d)
	}
}

func TestWaitActivitySkippedIsPartial(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{UnresolvedRepoURLs: []string{"https://github.com/acme/app.git"}}, nil)
	up := uploadDoc(t, c, customerDoc("f1", "f2"))
	a, err := c.WaitActivity(testCtx(t), up.SystemActivityID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != StatusSkipped || !a.Partial() || a.Findings != (Stats{2, 0}) || a.UnresolvedAssets != 1 || len(a.UnresolvedIDs) != 1 {
		t.Errorf("activity %+v", a)
	}
}

func TestWaitActivitySchemaFailure(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, nil)
	doc := strings.Replace(string(customerDoc("f1")), `"severity":"High"`, `"severity":"High","ruleId":"x"`, 1)
	up := uploadDoc(t, c, []byte(doc))
	a, err := c.WaitActivity(testCtx(t), up.SystemActivityID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != StatusFailure || !strings.HasPrefix(a.StatusInfo, "error parsing as ingestion model: json schema validation failed:") || a.Partial() {
		t.Errorf("activity %+v", a)
	}
}

func TestWaitActivityTransientErrorsRetried(t *testing.T) {
	c, s := newPair(t, wiztest.Options{NotFoundPolls: -1, PollsInProgress: -1}, nil)
	up := uploadDoc(t, c, customerDoc("f1"))
	s.Inject(wiztest.Fault{Op: "activity", Status: 504})
	s.Inject(wiztest.Fault{Op: "activity", Status: 429, RetryAfter: "0"})
	a, err := c.WaitActivity(testCtx(t), up.SystemActivityID, nil)
	if err != nil || a.Status != StatusSuccess {
		t.Fatalf("%v %v", a, err)
	}
	if n := s.RequestCount("activity"); n != 3 {
		t.Errorf("activity requests %d, want 3", n)
	}
}

func TestActivityStatusRules(t *testing.T) {
	cases := []struct {
		a                        Activity
		terminal, partial, known bool
	}{
		{Activity{Status: "IN_PROGRESS"}, false, false, true},
		{Activity{Status: ""}, false, false, false},
		{Activity{Status: "SUCCESS", Findings: Stats{3, 3}, DataSources: Stats{1, 1}}, true, false, true},
		{Activity{Status: "SUCCESS", Findings: Stats{3, 2}}, true, true, true},
		{Activity{Status: "SUCCESS", DataSources: Stats{2, 1}}, true, true, true},
		{Activity{Status: "SUCCESS", UnresolvedAssets: 1}, true, true, true},
		{Activity{Status: "SKIPPED", Findings: Stats{3, 2}}, true, true, true},
		{Activity{Status: "FAILURE", Findings: Stats{3, 0}}, true, false, true},
		{Activity{Status: "CANCELLED"}, true, false, false},
	}
	for _, tc := range cases {
		if tc.a.Terminal() != tc.terminal || tc.a.Partial() != tc.partial || tc.a.KnownStatus() != tc.known {
			t.Errorf("%+v: terminal %v partial %v known %v", tc.a, tc.a.Terminal(), tc.a.Partial(), tc.a.KnownStatus())
		}
	}
	var nilA *Activity
	if nilA.Terminal() || nilA.Partial() {
		t.Error("nil activity")
	}
}
