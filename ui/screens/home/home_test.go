package home

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

var t0 = uitest.Fixed

// lastRun finished ago before the test clock.
func lastRun(status string, ago time.Duration) *ledger.Run {
	start := t0.Add(-ago - 47*time.Second)
	return &ledger.Run{
		ID: start.Format("20060102T150405Z") + "-1a2b3c", StartedAt: start, FinishedAt: start.Add(47 * time.Second),
		Trigger: "watch", Source: "api:acme", Status: status,
		Sent: 1180, New: 12, Unchanged: 1168, Resolved: 4, Excluded: 305, Repositories: 38,
	}
}

func configured(r *ledger.Run, pending int) common.HomeInfo {
	if r == nil {
		return common.HomeInfo{Configured: true, WizEndpoint: "https://api.us17.app.wiz.io/graphql", Deployment: "acme",
			Source: "Semgrep API", Policy: policy.Default().Describe()}
	}
	return common.HomeInfo{
		Configured: true, WizEndpoint: "https://api.us17.app.wiz.io/graphql", Deployment: "acme", Source: "Semgrep API",
		Policy: policy.Default().Describe(), LastRun: r, DataSources: 38, HeldTotal: 1180, Pending: pending,
	}
}

func fakeWith(info common.HomeInfo, err error) *uitest.Fake {
	return &uitest.Fake{HomeFn: func() (common.HomeInfo, error) { return info, err }}
}

func feed(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	for _, msg := range uitest.Exec(cmd) {
		s, next := m.Update(msg)
		if s != common.Screen(m) {
			t.Fatal("Update returned another screen")
		}
		feed(t, m, next)
	}
}

func loaded(t *testing.T, f *uitest.Fake, w, h int) *Model {
	t.Helper()
	m := New(uitest.Common(f))
	m.SetSize(w, h)
	feed(t, m, m.Init())
	return m
}

// navigation runs the command a key returned and expects one NavigateMsg.
func navigation(t *testing.T, m *Model, k string) common.NavigateMsg {
	t.Helper()
	_, cmd := m.Update(uitest.Key(k))
	msgs := uitest.Exec(cmd)
	if len(msgs) != 1 {
		t.Fatalf("%s gave %v", k, msgs)
	}
	nav, ok := msgs[0].(common.NavigateMsg)
	if !ok {
		t.Fatalf("%s gave %T", k, msgs[0])
	}
	return nav
}

func fold(view string) string { return strings.Join(strings.Fields(uitest.Plain(view)), " ") }

func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	n, width := uitest.Lines(view)
	if n > h || width > w {
		t.Fatalf("view is %d lines × %d cells, more than %d×%d:\n%s", n, width, h, w, uitest.Plain(view))
	}
}

func TestLoadShowsState(t *testing.T) {
	info := configured(lastRun("success", 30*time.Hour), 1)
	f := fakeWith(info, nil)
	m := loaded(t, f, 120, 38)
	if f.Count("Home") != 1 {
		t.Fatalf("Home called %d times", f.Count("Home"))
	}
	if !strings.Contains(m.View(), m.c.Styles.OK.Render("✓ success")) {
		t.Error("the status word is not in its colour")
	}
	v := fold(m.View())
	for _, want := range []string{
		"https://api.us17.app.wiz.io/graphql", "deployment acme · source Semgrep API",
		"severities high,critical", "✓ success", "✓ success · 30 hours ago · 2026-11-28 05:59 UTC · by watch",
		"1,180 sent · 12 new · 4 marked fixed · 38 repositories",
		"38 data sources (one per repository) · 1,180 findings from us",
		"1 upload has not finished processing at Wiz", "semgrep-wiz history refresh RUN",
		"press 4 to sync", "Wiz drops findings not refreshed within 7 days",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("home lacks %q:\n%s", want, uitest.Plain(m.View()))
		}
	}
}

func TestNextAction(t *testing.T) {
	cases := []struct {
		name string
		info common.HomeInfo
		key  string
		to   common.ScreenID
	}{
		{"not configured", common.HomeInfo{}, "s", common.Setup},
		{"never synced", configured(nil, 0), "2", common.Check},
		{"failed", configured(lastRun("failure", time.Hour), 0), "2", common.Check},
		{"interrupted", configured(lastRun(ledger.StatusInterrupted, time.Hour), 0), "2", common.Check},
		{"dry run", configured(lastRun("dry_run", time.Hour), 0), "4", common.Sync},
		{"cancelled", configured(lastRun("cancelled", time.Hour), 0), "4", common.Sync},
		{"partial", configured(lastRun("partial", time.Hour), 0), "5", common.History},
		{"running", configured(lastRun(ledger.StatusRunning, time.Minute), 0), "5", common.History},
		{"recent success", configured(lastRun("success", 2*time.Hour), 0), "3", common.Findings},
		{"old success", configured(lastRun("success", 3*24*time.Hour), 0), "4", common.Sync},
		{"old nothing to do", configured(lastRun("nothing_to_do", 25*time.Hour), 0), "4", common.Sync},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := next(c.info, t0)
			if a.key != c.key || a.to != c.to {
				t.Fatalf("next = press %s → %s, want press %s → %s", a.key, a.to, c.key, c.to)
			}
			// The menu cursor starts on that action, so enter does it.
			m := loaded(t, fakeWith(c.info, nil), 80, 22)
			if !strings.Contains(fold(m.View()), "Next step press "+c.key+" to "+a.verb) {
				t.Fatalf("next step not spelled out:\n%s", uitest.Plain(m.View()))
			}
			if nav := navigation(t, m, "enter"); nav.To != c.to {
				t.Fatalf("enter went to %s, want %s", nav.To, c.to)
			}
		})
	}
}

func TestMenuNavigates(t *testing.T) {
	m := loaded(t, fakeWith(configured(lastRun("success", time.Hour), 0), nil), 80, 22)
	want := []common.NavigateMsg{
		{To: common.Check}, {To: common.Findings}, {To: common.Sync}, {To: common.History},
		{To: common.Setup}, {To: common.Setup, Arg: "delete"},
	}
	for range 10 {
		m.Update(uitest.Key("up"))
	}
	for i, w := range want {
		if got := navigation(t, m, "enter"); got != w {
			t.Fatalf("item %d: %+v, want %+v", i, got, w)
		}
		m.Update(uitest.Key("j"))
	}
	if m.cursor != len(want)-1 {
		t.Fatalf("cursor went past the end: %d", m.cursor)
	}
	m.Update(uitest.Key("k"))
	if m.cursor != len(want)-2 {
		t.Fatalf("k: cursor %d", m.cursor)
	}
	if got := navigation(t, m, "s"); got != (common.NavigateMsg{To: common.Setup}) {
		t.Fatalf("s: %+v", got)
	}
}

func TestNotConfiguredMenu(t *testing.T) {
	m := loaded(t, fakeWith(common.HomeInfo{}, nil), 80, 22)
	if got := navigation(t, m, "enter"); got != (common.NavigateMsg{To: common.Setup}) {
		t.Fatalf("enter: %+v", got)
	}
	v := fold(m.View())
	if strings.Contains(v, "Delete integration") || strings.Contains(v, "Sync now") {
		t.Fatalf("actions that need a configuration are offered:\n%s", v)
	}
	if !strings.Contains(v, "press s to set up the integration") {
		t.Fatalf("next action missing:\n%s", v)
	}
}

func TestReloadAndErrors(t *testing.T) {
	f := fakeWith(common.HomeInfo{}, errors.New("opening ledger: database is locked"))
	m := loaded(t, f, 80, 22)
	v := fold(m.View())
	if !strings.Contains(v, "Could not read the integration's state: opening ledger: database is locked") || !strings.Contains(v, "Press r to try again") {
		t.Fatalf("error not shown:\n%s", v)
	}
	if strings.Contains(v, "Next step") {
		t.Fatal("a next step is guessed without the state")
	}
	// The menu stays usable.
	if !strings.Contains(v, "Check connection") {
		t.Fatal("menu hidden by the error")
	}
	checkSize(t, m.View(), 80, 22)

	f.HomeFn = func() (common.HomeInfo, error) { return configured(nil, 0), nil }
	_, cmd := m.Update(uitest.Key("r"))
	feed(t, m, cmd)
	if f.Count("Home") != 2 || m.err != nil || m.info == nil {
		t.Fatalf("r: Home ×%d err=%v", f.Count("Home"), m.err)
	}
	if !strings.Contains(fold(m.View()), "press 2 to check the connection") {
		t.Fatal("state after reload not shown")
	}
}

func TestStaleAnswerDropped(t *testing.T) {
	f := fakeWith(common.HomeInfo{}, nil)
	m := New(uitest.Common(f))
	m.SetSize(80, 22)
	first := m.Init()
	_, second := m.Update(uitest.Key("r"))
	f.HomeFn = func() (common.HomeInfo, error) { return configured(nil, 0), nil }
	newer := uitest.Exec(second)
	f.HomeFn = func() (common.HomeInfo, error) { return common.HomeInfo{}, nil }
	older := uitest.Exec(first)
	m.Update(newer[0])
	m.Update(older[0])
	if m.info == nil || !m.info.Configured {
		t.Fatal("a stale answer replaced a newer one")
	}
}

func TestLoadingView(t *testing.T) {
	m := New(uitest.Common(&uitest.Fake{}))
	m.SetSize(80, 22)
	m.Init()
	if v := fold(m.View()); !strings.Contains(v, "Reading the integration's state") || !strings.Contains(v, "Check connection") {
		t.Fatalf("loading view:\n%s", v)
	}
}

func TestFitsWithEverything(t *testing.T) {
	// The longest state: a failed run with an error, pending uploads,
	// files as the source and a long policy, at the smallest size.
	r := lastRun("failure", time.Hour)
	r.Error = "waiting for Wiz to process upload 8d6f0c1e (activity 3b1f6a40-5c2e-4d8e-9a77-0e4f1c2d9b10): deadline exceeded after 15m0s"
	info := configured(r, 3)
	info.Deployment, info.Source = "", "files ci/semgrep-main.json, ci/semgrep-web.sarif, ci/semgrep-payments.json"
	info.Policy += "; include acme/*, platform/*; exclude acme/legacy-*, acme/sandbox-*, platform/experiments-*"
	m := loaded(t, fakeWith(info, nil), 80, 22)
	v := m.View()
	checkSize(t, v, 80, 22)
	if !strings.Contains(uitest.Plain(v), "Delete integration") {
		t.Fatalf("menu cut off:\n%s", uitest.Plain(v))
	}
	if m.height < 10 {
		t.Fatal("size not kept")
	}
	m.SetSize(80, 12)
	checkSize(t, m.View(), 80, 12)
	if !strings.Contains(uitest.Plain(m.View()), "Delete integration") {
		t.Fatalf("menu cut off when short:\n%s", uitest.Plain(m.View()))
	}
}

func TestGoldens(t *testing.T) {
	states := map[string]common.HomeInfo{
		"home-not-configured": {},
		"home":                configured(lastRun("success", 30*time.Hour), 1),
		"home-never-synced":   configured(nil, 0),
	}
	for name, info := range states {
		for _, sz := range [][2]int{{80, 22}, {120, 38}} {
			m := loaded(t, fakeWith(info, nil), sz[0], sz[1])
			v := m.View()
			checkSize(t, v, sz[0], sz[1])
			uitest.Golden(t, name+"-"+textfmt.Commas(sz[0])+"x"+textfmt.Commas(sz[1]+2), v)
		}
	}
}

func TestHelp(t *testing.T) {
	m := New(uitest.Common(&uitest.Fake{}))
	if m.InputFocused() {
		t.Fatal("no input to focus")
	}
	descs := map[string]bool{}
	for _, g := range m.FullHelp() {
		for _, b := range g {
			descs[b.Help().Key] = true
		}
	}
	for _, k := range []string{"enter", "s", "r", "↑/k", "↓/j"} {
		if !descs[k] {
			t.Errorf("full help lacks %s", k)
		}
	}
}

func TestMain(m *testing.M) {
	// Model tests run every command to its end; a look that ticks forever
	// would make each wait. TestElsewhere turns it on where it is tested.
	pollElsewhere = false
	os.Exit(m.Run())
}

// TestElsewhere: a sync another process runs shows on home with who and
// since when, and the next step follows it on the sync screen; the look
// that ticks notices it start and end.
func TestElsewhere(t *testing.T) {
	run := &ledger.Run{ID: "r1", Trigger: "watch", Status: ledger.StatusRunning, StartedAt: t0.Add(-2 * time.Minute)}
	var elsewhere *ledger.Elsewhere
	f := &uitest.Fake{ConfiguredV: true}
	f.HomeFn = func() (common.HomeInfo, error) {
		return common.HomeInfo{Configured: true, LastRun: run, Elsewhere: elsewhere}, nil
	}
	f.ElsewhereFn = func() (*ledger.Elsewhere, error) { return elsewhere, nil }
	m := loaded(t, f, 100, 30)
	if strings.Contains(m.View(), "Running") {
		t.Fatal("nothing runs elsewhere yet")
	}

	// watch starts a sync: the next look reloads home.
	elsewhere = &ledger.Elsewhere{PID: 4242, Host: "build-1", Since: t0.Add(-2 * time.Minute), Run: run}
	_, cmd := m.Update(elsewhereTickMsg{gen: m.tickGen})
	if cmd == nil {
		t.Fatal("the tick did not look")
	}
	for _, msg := range uitest.Exec(cmd) {
		if _, ok := msg.(elsewhereMsg); ok {
			feed(t, m, func() tea.Msg { return msg })
		}
	}
	v := uitest.Plain(m.View())
	for _, want := range []string{"Running", "by watch", "pid 4242 on host build-1", "2 minutes ago", "press 4 to follow it live"} {
		if !strings.Contains(strings.Join(strings.Fields(v), " "), want) {
			t.Errorf("home does not say %q:\n%s", want, v)
		}
	}
	if na := next(*m.info, t0); na.to != common.Sync {
		t.Errorf("next step goes to %v", na.to)
	}

	// It ends: the line goes.
	elsewhere = nil
	feed(t, m, func() tea.Msg { return elsewhereMsg{} })
	if strings.Contains(m.View(), "pid 4242") {
		t.Error("home still shows the finished sync")
	}
}

// A dry run, a cancelled or a failed run never says its findings were sent.
func TestLastSyncNeverSaysSentWhenNothingWas(t *testing.T) {
	for _, tc := range []struct {
		status string
		dry    bool
		want   string
	}{
		{"dry_run", true, "1,180 in the upload file · 12 new · 4 would be marked fixed"},
		{"cancelled", false, "1,180 planned, not sent · 12 new · 4 would be marked fixed"},
		{"failure", false, "1,180 planned, not sent"},
	} {
		r := lastRun(tc.status, time.Hour)
		r.DryRun = tc.dry
		m := loaded(t, fakeWith(configured(r, 0), nil), 120, 38)
		v := fold(m.View())
		if regexp.MustCompile(`\d sent ·`).MatchString(v) || !strings.Contains(v, tc.want) {
			t.Errorf("%s: home lacks %q or says sent:\n%s", tc.status, tc.want, uitest.Plain(m.View()))
		}
	}
}
