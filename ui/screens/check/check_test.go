package check

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// mixed is a realistic report: a missing permission, a wrong data
// center, the upload probe not asked for.
func mixed() []pipeline.CheckResult {
	return []pipeline.CheckResult{
		{Name: "Wiz token", OK: true, Detail: "expires in 59 minutes"},
		{Name: "Wiz data center", Detail: "token data center us17, endpoint data center us20",
			Hint: "your token belongs to data center us17 but the endpoint is us20 — use https://api.us17.app.wiz.io/graphql"},
		{Name: "read:resources", OK: true, Detail: "the service account can list repositories"},
		{Name: "read:system_activities", Detail: "missing permission read:system_activities",
			Hint: "add read:system_activities to the service account in Wiz → Settings → Service Accounts"},
		{Name: "create:external_data_ingestion", Skipped: true, Detail: "run with --upload to test; it allocates an upload slot"},
		{Name: "Semgrep token", OK: true, Detail: "the token works and can see 1 deployment(s)"},
		{Name: "Semgrep deployment", OK: true, Detail: "Acme Corp (slug acme, id 4411)"},
	}
}

func allOK(upload bool) []pipeline.CheckResult {
	rs := mixed()
	for i := range rs {
		rs[i].OK, rs[i].Skipped, rs[i].Hint = true, false, ""
	}
	rs[1].Detail = "token and endpoint both use data center us17"
	rs[3].Detail = "the service account can read system activities"
	if upload {
		rs[4].Detail = "upload slot 7f3c allocated; nothing was uploaded"
	} else {
		rs[4].OK, rs[4].Skipped = false, true
		rs[4].Detail = "run with --upload to test; it allocates an upload slot"
	}
	return rs
}

// only returns the result messages a command produced (ticks dropped).
func results(t *testing.T, cmd tea.Cmd) []resultMsg {
	t.Helper()
	var out []resultMsg
	for _, msg := range uitest.Exec(cmd) {
		if r, ok := msg.(resultMsg); ok {
			out = append(out, r)
		}
	}
	return out
}

func newModel(f *uitest.Fake, w, h int) *Model {
	m := New(uitest.Common(f))
	m.SetSize(w, h)
	return m
}

func assertFits(t *testing.T, v string, w, h int) {
	t.Helper()
	n, width := uitest.Lines(v)
	if n > h || width > w {
		t.Fatalf("view is %d lines × %d columns, more than %d×%d:\n%s", n, width, w, h, uitest.Plain(v))
	}
}

func TestRunningShowsPendingRows(t *testing.T) {
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) { return mixed(), nil }}
	m := newModel(f, 80, 22)
	cmd := m.Init()
	if !m.Running() {
		t.Fatal("not running after Init")
	}
	v := uitest.Plain(m.View())
	for _, name := range Expected {
		if !strings.Contains(v, name) {
			t.Errorf("pending view lacks %q", name)
		}
	}
	if got := strings.Count(v, "checking"); got != len(Expected)-1 {
		t.Errorf("%d rows pending, want %d (all but the upload probe):\n%s", got, len(Expected)-1, v)
	}
	if !strings.Contains(v, "tested only when you press u") {
		t.Errorf("the upload probe row does not say how to run it:\n%s", v)
	}
	uitest.Golden(t, "check-running-80x24", m.View())
	m.SetSize(120, 38)
	uitest.Golden(t, "check-running-120x40", m.View())
	assertFits(t, m.View(), 120, 38)

	rs := results(t, cmd)
	if len(rs) != 1 || f.Count("Check") != 1 || rs[0].upload {
		t.Fatalf("Init produced %v, %d Check calls; want one plain check", rs, f.Count("Check"))
	}
}

func TestResultsRenderPassFailSkipWithHints(t *testing.T) {
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) { return mixed(), nil }}
	m := newModel(f, 120, 38)
	for _, r := range results(t, m.Init()) {
		m.Update(r)
	}
	if m.Running() {
		t.Fatal("still running after the answer")
	}
	v := uitest.Plain(m.View())
	for _, want := range []string{
		"✓ pass     Wiz token",
		"✗ FAIL     Wiz data center",
		"token data center us17, endpoint data center us20",
		"Fix: your token belongs to data center us17",
		"✗ FAIL     read:system_activities",
		"Fix: add read:system_activities to the service account",
		"○ not run  create:external_data_ingestion",
		"\n             press u to test it\n",
		"✗ 2 checks failed (1 not run)",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "checking") {
		t.Errorf("pending rows remain after the answer:\n%s", v)
	}
	uitest.Golden(t, "check-done-120x40", m.View())
	assertFits(t, m.View(), 120, 38)
	m.SetSize(80, 22)
	uitest.Golden(t, "check-done-80x24", m.View())
	assertFits(t, m.View(), 80, 22)
}

func TestAllPassedPointsToPreview(t *testing.T) {
	f := &uitest.Fake{CheckFn: func(up bool) ([]pipeline.CheckResult, error) { return allOK(up), nil }}
	m := newModel(f, 80, 22)
	for _, r := range results(t, m.Init()) {
		m.Update(r)
	}
	v := uitest.Plain(m.View())
	// The upload permission was not tested: the summary does not claim
	// that every check passed.
	if !strings.Contains(v, "✓ 6 passed, 1 not run — press 3 to preview what will be sent") || strings.Contains(v, "All checks passed") {
		t.Errorf("summary missing or claims too much:\n%s", v)
	}
}

func TestRerunDropsStaleAnswer(t *testing.T) {
	calls := 0
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) {
		calls++
		if calls == 1 {
			return mixed(), nil
		}
		return allOK(false), nil
	}}
	m := newModel(f, 80, 22)
	first := results(t, m.Init())
	_, cmd := m.Update(uitest.Key("r"))
	if m.gen != 2 || !m.Running() {
		t.Fatalf("r: gen %d running %v; want a new generation running", m.gen, m.Running())
	}
	second := results(t, cmd)
	if f.Count("Check") != 2 {
		t.Fatalf("%d Check calls, want 2", f.Count("Check"))
	}
	// The first run answers late: it must not replace the pending rows.
	m.Update(first[0])
	if !m.Running() || m.results != nil {
		t.Fatal("a stale answer was taken")
	}
	m.Update(second[0])
	if m.Running() || !pipeline.Passed(m.results) {
		t.Fatalf("the current answer was not taken: %+v", m.results)
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "passed, 1 not run") {
		t.Errorf("view after re-run:\n%s", v)
	}
}

func TestUploadProbeAsksFirst(t *testing.T) {
	var asked []bool
	f := &uitest.Fake{CheckFn: func(up bool) ([]pipeline.CheckResult, error) {
		asked = append(asked, up)
		return allOK(up), nil
	}}
	m := newModel(f, 80, 22)
	for _, r := range results(t, m.Init()) {
		m.Update(r)
	}

	// u then n: nothing runs.
	if _, cmd := m.Update(uitest.Key("u")); cmd != nil {
		t.Fatal("u ran something before the answer")
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "This allocates an upload slot in Wiz; nothing is uploaded — continue? y/N") {
		t.Fatalf("no confirmation:\n%s", v)
	}
	m.Update(uitest.Key("n"))
	if m.confirming || m.Running() {
		t.Fatal("n did not dismiss the question")
	}

	m.Update(uitest.Key("u"))
	_, cmd := m.Update(uitest.Key("y"))
	rs := results(t, cmd)
	if len(asked) != 2 || !asked[1] {
		t.Fatalf("Check calls with includeUpload %v; want [false true]", asked)
	}
	m.Update(rs[0])
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "upload slot 7f3c allocated") || strings.Contains(v, "skipped") {
		t.Errorf("upload probe result not shown:\n%s", v)
	}
	// r repeats the same kind of run.
	results(t, func() tea.Cmd { _, c := m.Update(uitest.Key("r")); return c }())
	if len(asked) != 3 || !asked[2] {
		t.Errorf("r after u: includeUpload %v; want it kept", asked)
	}
}

func TestCheckErrorOffersRetry(t *testing.T) {
	fail := true
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) {
		if fail {
			return nil, errors.New("reading the config: ~/.config/semgrep-wiz/config.yaml: permission denied")
		}
		return allOK(false), nil
	}}
	m := newModel(f, 80, 22)
	for _, r := range results(t, m.Init()) {
		m.Update(r)
	}
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "The check could not run") || !strings.Contains(v, "permission denied") || !strings.Contains(v, "press r to try again") {
		t.Fatalf("error view:\n%s", v)
	}
	fail = false
	_, cmd := m.Update(uitest.Key("r"))
	for _, r := range results(t, cmd) {
		m.Update(r)
	}
	if m.err != nil || !strings.Contains(uitest.Plain(m.View()), "passed, 1 not run") {
		t.Fatalf("retry did not recover:\n%s", uitest.Plain(m.View()))
	}
}

func TestSpinnerStopsWhenIdle(t *testing.T) {
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) { return mixed(), nil }}
	m := newModel(f, 80, 22)
	var tick tea.Msg
	for _, msg := range uitest.Exec(m.Init()) {
		if _, ok := msg.(resultMsg); !ok {
			tick = msg
		}
	}
	if tick == nil {
		t.Fatal("no spinner tick while running")
	}
	if _, cmd := m.Update(tick); cmd == nil {
		t.Fatal("spinner not re-armed while running")
	}
	m.running = false
	if _, cmd := m.Update(tick); cmd != nil || m.spinning {
		t.Fatal("spinner keeps ticking while idle")
	}
}

func TestNarrowAndShortViewsFit(t *testing.T) {
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) { return mixed(), nil }}
	for _, sz := range [][2]int{{80, 22}, {60, 10}, {40, 6}, {120, 38}} {
		m := newModel(f, sz[0], sz[1])
		cmd := m.Init()
		assertFits(t, m.View(), sz[0], sz[1])
		for _, r := range results(t, cmd) {
			m.Update(r)
		}
		assertFits(t, m.View(), sz[0], sz[1])
		for range 30 {
			m.Update(uitest.Key("j"))
		}
		assertFits(t, m.View(), sz[0], sz[1])
		if sz[1] == 10 && !strings.Contains(uitest.Plain(m.View()), "2 checks failed") {
			t.Errorf("summary scrolled away at %v:\n%s", sz, uitest.Plain(m.View()))
		}
	}
}

var _ common.Screen = (*Model)(nil)

// Unconfigured, the check points to the wizard, and s opens it.
func TestNotSetUpPointsToTheWizard(t *testing.T) {
	ns := &common.NotSetUpError{Settings: []string{"wiz.client_id"}, Err: errors.New("wiz.client_id: is not set — set WIZ_CLIENT_ID"), Hint: common.SetUpHint}
	f := &uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) { return nil, ns }}
	m := newModel(f, 80, 22)
	m.Init()
	m.Update(resultMsg{gen: m.gen, err: ns})
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Press s to set up") || strings.Contains(v, "WIZ_CLIENT_ID") {
		t.Errorf("the unconfigured check does not point to the wizard:\n%s", v)
	}
	_, cmd := m.Update(uitest.Key("s"))
	if cmd == nil {
		t.Fatal("s does nothing")
	}
	if msg, _ := cmd().(common.NavigateMsg); msg.To != common.Setup {
		t.Errorf("s navigates to %+v", msg)
	}
}
