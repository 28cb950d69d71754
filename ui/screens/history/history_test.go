package history

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

var t0 = uitest.Fixed

// fixtureRuns are the runs of a week, newest first, as the ledger lists them.
func fixtureRuns() []ledger.Run {
	run := func(ago, took time.Duration, suffix string, r ledger.Run) ledger.Run {
		r.StartedAt = t0.Add(-ago)
		r.FinishedAt = r.StartedAt.Add(took)
		r.ID = r.StartedAt.Format("20060102T150405Z") + "-" + suffix
		return r
	}
	return []ledger.Run{
		run(2*time.Hour+14*time.Minute+48*time.Second, 15*time.Minute+49*time.Second, "9f3c2a", ledger.Run{
			Trigger: "tui", User: "ana", Host: "sec-admin-01", Source: "api:acme", Status: "failure",
			Sent: 1204, New: 31, Unchanged: 1076, Resolved: 97, Excluded: 312, Repositories: 38, Delivered: true,
			Error: "waiting for Wiz to process upload 8d6f0c1e (activity 3b1f6a40-5c2e-4d8e-9a77-0e4f1c2d9b10): deadline exceeded after 15m0s"}),
		run(29*time.Hour+59*time.Minute+59*time.Second, 47*time.Second, "1a2b3c", ledger.Run{
			Trigger: "watch", User: "svc-wiz", Host: "ci-runner-3", Source: "api:acme", Status: "success",
			Sent: 1180, New: 12, Unchanged: 1168, Resolved: 4, Excluded: 305, Repositories: 38}),
		run(43*time.Hour+50*time.Minute+18*time.Second, 6*time.Second+200*time.Millisecond, "c0ffee", ledger.Run{
			Trigger: "cli", User: "ana", Host: "laptop", Source: "files", DryRun: true, Status: "dry_run",
			Sent: 57, New: 57, Repositories: 2}),
		run(77*time.Hour+59*time.Minute+57*time.Second, 3*time.Second, "77aa01", ledger.Run{
			Trigger: "watch", Source: "api:acme", Status: "nothing_to_do", Unchanged: 1180, Excluded: 301, Repositories: 0}),
		run(101*time.Hour+59*time.Minute+58*time.Second, 2*time.Minute+13*time.Second, "5e5e5e", ledger.Run{
			Trigger: "watch", Source: "api:acme", Status: "partial", Sent: 1172, New: 1172, Repositories: 37}),
		run(121*time.Hour+45*time.Minute, 1*time.Second, "0badf0", ledger.Run{
			Trigger: "tui", Source: "api:acme", Status: "cancelled", Error: "cancelled by the user"}),
	}
}

// fixtureDetail is the failed run: Wiz had the file but had not finished
// processing it when the poll deadline passed.
func fixtureDetail() common.RunDetail {
	r := fixtureRuns()[0]
	s := r.StartedAt
	ev := func(sec int, kind, step, repo, msg string) ledger.Event {
		return ledger.Event{Time: s.Add(time.Duration(sec) * time.Second), Kind: kind, Step: step, Repo: repo, Message: msg}
	}
	act := ledger.Event{Time: s.Add(58 * time.Second), Kind: "activity_status", Step: "poll",
		ActivityID: "3b1f6a40-5c2e-4d8e-9a77-0e4f1c2d9b10", ActivityStatus: "IN_PROGRESS"}
	return common.RunDetail{
		Run: r,
		Events: []ledger.Event{
			ev(0, "step_started", "collect", "", "deployment acme"),
			ev(41, "repo_failed", "collect", "acme/legacy-billing", "listing findings: 502 Bad Gateway (left out of this upload, nothing resolved)"),
			ev(44, "step_finished", "collect", "", "38 repositories, 1,516 findings"),
			ev(44, "warning", "select", "", "acme/payments-api would mark 61% of its findings fixed; held back (use --allow-mass-resolve to send it)"),
			ev(45, "step_finished", "encode", "", "1,204 findings, 2.3 MiB, schema valid"),
			ev(51, "step_finished", "upload", "", "upload 8d6f0c1e"),
			act,
			ev(948, "step_failed", "poll", "", "deadline exceeded after 15m0s"),
		},
		Uploads: []ledger.Upload{{
			ID: 1, RunID: r.ID, File: "/var/lib/semgrep-wiz/uploads/semgrep-wiz-" + r.ID + ".json", Bytes: 2411724,
			SHA256: "3fa9c1e2b7d44c0aa1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8", UploadID: "8d6f0c1e",
			SystemActivityID: "3b1f6a40-5c2e-4d8e-9a77-0e4f1c2d9b10", Status: "PENDING",
			StatusInfo: "Processing: 3 of 38 data sources ingested", FindingsIncoming: 1204, FindingsHandled: 0,
			DataSources: []string{"semgrep:github.com/acme/payments-api", "semgrep:github.com/acme/web", "semgrep:github.com/acme/auth", "semgrep:github.com/acme/infra"},
			Delivered:   true,
		}},
	}
}

func fake() *uitest.Fake {
	f := &uitest.Fake{}
	f.RunsFn = func(int) ([]ledger.Run, error) { return fixtureRuns(), nil }
	f.RunFn = func(id string) (common.RunDetail, error) {
		if id == fixtureRuns()[0].ID {
			return fixtureDetail(), nil
		}
		for _, r := range fixtureRuns() {
			if r.ID == id {
				return common.RunDetail{Run: r}, nil
			}
		}
		return common.RunDetail{}, errors.New("no run " + id)
	}
	return f
}

// feed runs cmd and gives every message it produced back to the model.
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

func press(t *testing.T, m *Model, keys ...string) tea.Cmd {
	t.Helper()
	var last tea.Cmd
	for _, k := range keys {
		_, last = m.Update(uitest.Key(k))
	}
	return last
}

func loaded(t *testing.T, f *uitest.Fake, runID string, w, h int) *Model {
	t.Helper()
	m := New(uitest.Common(f), runID)
	m.SetSize(w, h)
	feed(t, m, m.Init())
	return m
}

func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	n, width := uitest.Lines(view)
	if n > h || width > w {
		t.Fatalf("view is %d lines × %d cells, more than %d×%d:\n%s", n, width, h, w, uitest.Plain(view))
	}
}

func TestLoadShowsRunsNewestFirst(t *testing.T) {
	f := fake()
	var asked int
	f.RunsFn = func(n int) ([]ledger.Run, error) { asked = n; return fixtureRuns(), nil }
	m := loaded(t, f, "", 120, 38)
	if f.Count("Runs") != 1 || asked != listLimit {
		t.Fatalf("Runs called %d times with n=%d", f.Count("Runs"), asked)
	}
	if f.Count("Run") != 0 {
		t.Fatal("the list view opened a run by itself")
	}
	if len(m.runs) != 6 || m.cursor != 0 {
		t.Fatalf("runs=%d cursor=%d", len(m.runs), m.cursor)
	}
	v := uitest.Plain(m.View())
	first := strings.Index(v, "20261129T094512Z-9f3c2a")
	second := strings.Index(v, fixtureRuns()[1].ID)
	if first < 0 || second < 0 || first > second {
		t.Fatalf("runs not listed newest first:\n%s", v)
	}
	for _, want := range []string{"✗ failure", "✓ success", "• dry run", "• nothing to do", "! partial", "✗ cancelled", "1,204", "1,180", "1,172", "2026-11-29 09:45:12"} {
		if !strings.Contains(v, want) {
			t.Errorf("list lacks %q:\n%s", want, v)
		}
	}
}

func TestEnterOpensSelectedRunAndEscReturns(t *testing.T) {
	f := fake()
	m := loaded(t, f, "", 120, 38)
	press(t, m, "j", "down", "k") // on the second run
	if m.cursor != 1 {
		t.Fatalf("cursor %d after j, down, k", m.cursor)
	}
	var askedID string
	f.RunFn = func(id string) (common.RunDetail, error) {
		askedID = id
		return common.RunDetail{Run: fixtureRuns()[1]}, nil
	}
	feed(t, m, press(t, m, "enter"))
	if f.Count("Run") != 1 || askedID != fixtureRuns()[1].ID {
		t.Fatalf("Run called %d times with %q", f.Count("Run"), askedID)
	}
	if m.openID == "" || m.detail == nil {
		t.Fatal("enter did not open the detail view")
	}
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Run "+fixtureRuns()[1].ID) || !strings.Contains(v, "Uploads (0)") {
		t.Fatalf("detail view:\n%s", v)
	}
	if cmd := press(t, m, "esc"); cmd != nil {
		t.Fatalf("esc in the detail asked for something: %v", uitest.Exec(cmd))
	}
	if m.openID != "" || m.detail != nil || m.cursor != 1 {
		t.Fatalf("after esc: open=%q cursor=%d", m.openID, m.cursor)
	}
	if !strings.Contains(uitest.Plain(m.View()), "Runs, newest first") {
		t.Fatal("esc did not return to the list")
	}
	// esc on the list goes home.
	msgs := uitest.Exec(press(t, m, "esc"))
	if len(msgs) != 1 || msgs[0] != (common.NavigateMsg{To: common.Home}) {
		t.Fatalf("esc on the list: %v", msgs)
	}
}

func TestCursorKeysStayInRange(t *testing.T) {
	m := loaded(t, fake(), "", 80, 22)
	press(t, m, "G")
	if m.cursor != 5 {
		t.Fatalf("G: cursor %d", m.cursor)
	}
	press(t, m, "j", "down")
	if m.cursor != 5 {
		t.Fatalf("past the end: cursor %d", m.cursor)
	}
	press(t, m, "g")
	if m.cursor != 0 {
		t.Fatalf("g: cursor %d", m.cursor)
	}
	press(t, m, "up", "k")
	if m.cursor != 0 {
		t.Fatalf("before the start: cursor %d", m.cursor)
	}
}

func TestScrollKeepsCursorVisible(t *testing.T) {
	f := fake()
	many := make([]ledger.Run, 0, 60)
	for i := range 60 {
		r := fixtureRuns()[i%6]
		r.ID = r.ID[:17] + strings.Repeat(string(rune('a'+i%26)), 6)
		r.StartedAt = t0.Add(-time.Duration(i) * time.Hour)
		many = append(many, r)
	}
	f.RunsFn = func(int) ([]ledger.Run, error) { return many, nil }
	m := loaded(t, f, "", 80, 22)
	for range 40 {
		press(t, m, "j")
	}
	if m.cursor != 40 || m.offset > 40 || m.offset+m.rowsVisible() <= 40 {
		t.Fatalf("cursor %d offset %d rows %d", m.cursor, m.offset, m.rowsVisible())
	}
	v := m.View()
	checkSize(t, v, 80, 22)
	if !strings.Contains(uitest.Plain(v), "› ") || !strings.Contains(uitest.Plain(v), "41 of 60") {
		t.Fatalf("cursor row or position missing:\n%s", uitest.Plain(v))
	}
	press(t, m, "pgdown")
	if m.cursor != 40+m.rowsVisible() {
		t.Fatalf("pgdown: cursor %d", m.cursor)
	}
}

func TestDirectOpen(t *testing.T) {
	f := fake()
	id := fixtureRuns()[0].ID
	var askedID string
	f.RunFn = func(got string) (common.RunDetail, error) { askedID = got; return fixtureDetail(), nil }
	m := loaded(t, f, id, 120, 38)
	if askedID != id || f.Count("Run") != 1 || f.Count("Runs") != 1 {
		t.Fatalf("direct open asked Run(%q) ×%d, Runs ×%d", askedID, f.Count("Run"), f.Count("Runs"))
	}
	if m.detail == nil {
		t.Fatal("detail not shown")
	}
	// esc lands on that run in the (already loaded) list.
	press(t, m, "esc")
	if m.openID != "" || m.cursor != 0 || len(m.runs) != 6 {
		t.Fatalf("after esc: open=%q cursor=%d runs=%d", m.openID, m.cursor, len(m.runs))
	}
}

func TestDirectOpenBeforeListArrives(t *testing.T) {
	// The run answer may arrive first; the list arriving later must not
	// close the detail.
	f := fake()
	id := fixtureRuns()[1].ID
	m := New(uitest.Common(f), id)
	m.SetSize(80, 22)
	var runsMsgs, runMsgs []tea.Msg
	for _, msg := range uitest.Exec(m.Init()) {
		switch msg.(type) {
		case runsMsg:
			runsMsgs = append(runsMsgs, msg)
		case runMsg:
			runMsgs = append(runMsgs, msg)
		}
	}
	if len(runsMsgs) != 1 || len(runMsgs) != 1 {
		t.Fatalf("Init gave %d list and %d run answers", len(runsMsgs), len(runMsgs))
	}
	m.Update(runMsgs[0])
	m.Update(runsMsgs[0])
	if m.detail == nil || m.detail.Run.ID != id {
		t.Fatal("detail lost when the list arrived")
	}
	press(t, m, "esc")
	if m.cursor != 1 {
		t.Fatalf("cursor %d, want the opened run (1)", m.cursor)
	}
}

func TestReload(t *testing.T) {
	f := fake()
	m := loaded(t, f, "", 120, 38)
	press(t, m, "j", "j") // on the dry run
	// A new run arrives at the top; the cursor stays on the same run.
	f.RunsFn = func(int) ([]ledger.Run, error) {
		nr := ledger.Run{ID: "20261129T115900Z-aaaaaa", StartedAt: t0.Add(-time.Minute), Trigger: "watch", Status: ledger.StatusRunning}
		return append([]ledger.Run{nr}, fixtureRuns()...), nil
	}
	feed(t, m, press(t, m, "r"))
	if f.Count("Runs") != 2 {
		t.Fatalf("r: Runs called %d times", f.Count("Runs"))
	}
	if len(m.runs) != 7 || m.runs[m.cursor].ID != fixtureRuns()[2].ID {
		t.Fatalf("after reload: %d runs, cursor on %s", len(m.runs), m.runs[m.cursor].ID)
	}
	if !strings.Contains(uitest.Plain(m.View()), "… running") {
		t.Fatal("the running run is not shown as running")
	}

	// In the detail, r reloads the run (and the list).
	feed(t, m, press(t, m, "enter"))
	feed(t, m, press(t, m, "r"))
	if f.Count("Run") != 2 || f.Count("Runs") != 3 {
		t.Fatalf("r in detail: Run ×%d, Runs ×%d", f.Count("Run"), f.Count("Runs"))
	}
	if m.detail == nil {
		t.Fatal("detail gone after reload")
	}
}

func TestStaleAnswersDropped(t *testing.T) {
	f := fake()
	m := New(uitest.Common(f), "")
	m.SetSize(80, 22)
	first := m.Init()
	second := m.loadRuns() // r pressed before the first answer came back
	f.RunsFn = func(int) ([]ledger.Run, error) { return fixtureRuns()[:2], nil }
	newer := uitest.Exec(second)
	f.RunsFn = func(int) ([]ledger.Run, error) { return fixtureRuns(), nil }
	older := uitest.Exec(first)
	m.Update(newer[0])
	m.Update(older[0])
	if len(m.runs) != 2 {
		t.Fatalf("a stale list answer replaced a newer one: %d runs", len(m.runs))
	}

	// A run answer arriving after esc does not reopen the detail.
	feed(t, m, nil)
	cmd := press(t, m, "enter")
	press(t, m, "esc")
	feed(t, m, cmd)
	if m.openID != "" || m.detail != nil {
		t.Fatal("a late run answer reopened the detail")
	}
}

func TestErrorsShown(t *testing.T) {
	f := fake()
	f.RunsFn = func(int) ([]ledger.Run, error) { return nil, errors.New("opening ledger: database is locked") }
	m := loaded(t, f, "", 80, 22)
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Could not read the history: opening ledger: database is locked") || !strings.Contains(v, "Press r to try again") {
		t.Fatalf("list error:\n%s", v)
	}
	// r recovers.
	f.RunsFn = func(int) ([]ledger.Run, error) { return fixtureRuns(), nil }
	feed(t, m, press(t, m, "r"))
	if m.err != nil || len(m.runs) != 6 {
		t.Fatal("r did not recover from the error")
	}

	f.RunFn = func(id string) (common.RunDetail, error) {
		return common.RunDetail{}, errors.New("run \"" + id + "\": not found")
	}
	feed(t, m, press(t, m, "enter"))
	v = fold(m.View())
	if !strings.Contains(v, "Could not open run 20261129T094512Z-9f3c2a") || !strings.Contains(v, "not found") {
		t.Fatalf("run error:\n%s", v)
	}
	checkSize(t, m.View(), 80, 22)
}

func TestDetailShowsPendingUploadAndFailure(t *testing.T) {
	m := loaded(t, fake(), fixtureRuns()[0].ID, 80, 22)
	content := uitest.Plain(strings.Join(m.detailLines(80), "\n"))
	folded := fold(content)
	for _, want := range []string{
		"✗ failure", "deadline exceeded after 15m0s",
		"Upload 8d6f0c1e Activity 3b1f6a40-5c2e-4d8e-9a77-0e4f1c2d9b10 Status … PENDING",
		"0 of 1,204 handled", "2.3 MiB · sha256 3fa9c1e2b7d4…", "Processing: 3 of 38 data sources ingested",
		"pending at Wiz: run semgrep-wiz history refresh 20261129T094512Z-9f3c2a",
		"and 1 more", "Steps (8)", "Repository failed: acme/legacy-billing:", "Reading findings started",
		"1,204 sent (31 new, 1,076 unchanged) · 97 to be marked fixed",
		"activity 3b1f6a40-5c2e-4d8e-9a77-0e4f1c2d9b10 IN_PROGRESS",
		"by tui · ana@sec-admin-01", "Semgrep API, deployment acme", "2 hours ago",
	} {
		if !strings.Contains(folded, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	for _, l := range strings.Split(content, "\n") {
		if n, w := uitest.Lines(l); n != 1 || w > 80 {
			t.Fatalf("detail line wider than 80: %q", l)
		}
	}
	// Scrolling reaches the last step and stays within the area.
	press(t, m, "G")
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "after 15m0s") || !strings.Contains(v, "Waiting for Wiz to process the upload failed") {
		t.Fatalf("G did not reach the last step:\n%s", v)
	}
	checkSize(t, m.View(), 80, 22)
	press(t, m, "g")
	if m.vp.YOffset() != 0 {
		t.Fatal("g did not go back to the top")
	}
	press(t, m, "j", "j")
	if m.vp.YOffset() != 2 {
		t.Fatalf("j j: offset %d", m.vp.YOffset())
	}
}

// A sync split into several uploads shows each: id, status, findings,
// size and data sources.
func TestDetailShowsEveryUploadOfASplitSync(t *testing.T) {
	d := fixtureDetail()
	d.Run.Status = "partial"
	one := d.Uploads[0]
	d.Uploads = nil
	for i, st := range []string{"SUCCESS", "NOT_SENT", "SUCCESS"} {
		u := one
		u.ID, u.UploadID, u.Status, u.StatusInfo = int64(i+1), fmt.Sprintf("up-%d", i+1), st, ""
		u.SystemActivityID = fmt.Sprintf("act-%d", i+1)
		u.Bytes, u.FindingsIncoming, u.FindingsHandled = int64(1+i)<<20, 100*(i+1), 100*(i+1)
		u.DataSources = []string{fmt.Sprintf("semgrep:github.com/acme/repo-%d", i+1)}
		if st == "NOT_SENT" {
			u.UploadID, u.SystemActivityID, u.FindingsIncoming, u.FindingsHandled, u.Delivered = "", "", 0, 0, false
		}
		d.Uploads = append(d.Uploads, u)
	}
	f := fake()
	f.RunFn = func(string) (common.RunDetail, error) { return d, nil }
	m := loaded(t, f, d.Run.ID, 120, 38)
	folded := fold(uitest.Plain(strings.Join(m.detailLines(120), "\n")))
	for _, want := range []string{
		"Uploads (3)",
		"Upload 1/3 · up-1 Activity act-1", "100 of 100 handled", "1.0 MiB", "semgrep:github.com/acme/repo-1",
		"Upload 2/3 · — Activity —", "semgrep:github.com/acme/repo-2",
		"Upload 3/3 · up-3 Activity act-3", "300 of 300 handled", "3.0 MiB", "semgrep:github.com/acme/repo-3",
	} {
		if !strings.Contains(folded, want) {
			t.Errorf("detail lacks %q:\n%s", want, folded)
		}
	}
}

func TestSuccessfulUploadIsNotPending(t *testing.T) {
	d := fixtureDetail()
	d.Uploads[0].Status, d.Uploads[0].FindingsHandled, d.Uploads[0].StatusInfo = "SUCCESS", 1150, ""
	f := fake()
	f.RunFn = func(string) (common.RunDetail, error) { return d, nil }
	m := loaded(t, f, d.Run.ID, 120, 38)
	content := uitest.Plain(strings.Join(m.detailLines(120), "\n"))
	if strings.Contains(content, "pending at Wiz") {
		t.Fatal("a finished upload is called pending")
	}
	if !strings.Contains(content, "! 1,150 of 1,204 handled (partial success)") {
		t.Fatalf("partial handling not reported:\n%s", content)
	}
}

func TestEmptyHistory(t *testing.T) {
	f := fake()
	f.ConfiguredV = true
	f.RunsFn = func(int) ([]ledger.Run, error) { return []ledger.Run{}, nil }
	for _, sz := range [][2]int{{80, 22}, {120, 38}} {
		m := loaded(t, f, "", sz[0], sz[1])
		v := m.View()
		if !strings.Contains(uitest.Plain(v), "No runs yet — press 4 to sync") {
			t.Fatalf("empty history:\n%s", uitest.Plain(v))
		}
		if cmd := press(t, m, "enter"); cmd != nil {
			t.Fatal("enter on an empty list asked for something")
		}
		press(t, m, "j", "G", "g")
		checkSize(t, v, sz[0], sz[1])
		uitest.Golden(t, name("history-empty", sz), v)
	}
}

func TestGoldens(t *testing.T) {
	for _, sz := range [][2]int{{80, 22}, {120, 38}} {
		// The cursor stays on the newest run, a failure: the footer shows
		// its error in full.
		m := loaded(t, fake(), "", sz[0], sz[1])
		v := m.View()
		checkSize(t, v, sz[0], sz[1])
		uitest.Golden(t, name("history", sz), v)

		m = loaded(t, fake(), fixtureRuns()[0].ID, sz[0], sz[1])
		v = m.View()
		checkSize(t, v, sz[0], sz[1])
		uitest.Golden(t, name("history-detail", sz), v)
		press(t, m, "G")
		v = m.View()
		checkSize(t, v, sz[0], sz[1])
		uitest.Golden(t, name("history-detail-end", sz), v)
	}
}

// name is the golden's name for a screen area (the terminal is 2 lines
// taller: the root's title and help lines).
func name(base string, sz [2]int) string {
	return base + "-" + itoa(sz[0]) + "x" + itoa(sz[1]+2)
}

func itoa(n int) string { return textfmt.Commas(n) }

func TestResizeRelaysOutDetail(t *testing.T) {
	m := loaded(t, fake(), fixtureRuns()[0].ID, 120, 38)
	m.SetSize(80, 22)
	checkSize(t, m.View(), 80, 22)
	if m.vpWidth != 80 {
		t.Fatalf("detail laid out for %d after resize", m.vpWidth)
	}
}

func TestHelpPerView(t *testing.T) {
	m := loaded(t, fake(), "", 80, 22)
	if !hasHelp(m.ShortHelp(), "open run") {
		t.Fatal("list help lacks enter")
	}
	feed(t, m, press(t, m, "enter"))
	if hasHelp(m.ShortHelp(), "open run") || !hasHelp(m.ShortHelp(), "scroll") {
		t.Fatal("detail help is the list's")
	}
	if m.InputFocused() {
		t.Fatal("no input to focus")
	}
}

func hasHelp(bs []key.Binding, desc string) bool {
	for _, b := range bs {
		if b.Help().Desc == desc {
			return true
		}
	}
	return false
}

// fold is the plain view with wrapped lines joined: what it says,
// whatever the width.
func fold(view string) string { return strings.Join(strings.Fields(uitest.Plain(view)), " ") }

func TestThemeSwitchRestylesDetail(t *testing.T) {
	m := loaded(t, fake(), fixtureRuns()[0].ID, 80, 22)
	dark := m.c.Styles.Err.Render("✗ failure")
	if !strings.Contains(m.View(), dark) {
		t.Fatal("status not in the dark theme's colour")
	}
	press(t, m, "j", "j")
	m.c.Styles = theme.For(false)
	press(t, m, "k")
	if m.vp.YOffset() != 1 {
		t.Fatalf("restyling lost the scroll position: offset %d", m.vp.YOffset())
	}
	press(t, m, "k")
	if v := m.View(); !strings.Contains(v, m.c.Styles.Err.Render("✗ failure")) || strings.Contains(v, dark) {
		t.Fatal("the open run kept the dark theme's colours")
	}
}

// A run that delivered nothing shows a dash under SENT, never its planned
// count, and says no step by its event name.
func TestRunsThatSentNothingDoNotSaySent(t *testing.T) {
	for _, r := range fixtureRuns() {
		got := sentCell(r)
		switch {
		case r.Status == "success", r.Status == "partial", r.Delivered:
			if got == "—" {
				t.Errorf("%s: a delivered run's SENT is a dash", r.Status)
			}
		default:
			if got != "—" {
				t.Errorf("%s: SENT is %q, want a dash", r.Status, got)
			}
		}
	}
}

// Unconfigured and empty, the history points to the wizard first.
func TestEmptyUnconfiguredHistoryPointsToTheWizard(t *testing.T) {
	f := &uitest.Fake{RunsFn: func(int) ([]ledger.Run, error) { return nil, nil }}
	m := loaded(t, f, "", 80, 22)
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "press s to set up") {
		t.Errorf("the empty history of an unconfigured app does not point to the wizard:\n%s", v)
	}
	cmd := press(t, m, "s")
	if cmd == nil {
		t.Fatal("s does nothing")
	}
	if msg, _ := cmd().(common.NavigateMsg); msg.To != common.Setup {
		t.Errorf("s navigates to %+v", msg)
	}
}
