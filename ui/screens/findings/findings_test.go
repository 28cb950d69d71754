package findings

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// drive runs a command and feeds what it produces back into the model,
// following the commands that returns, until nothing is left. Spinner
// ticks are not fed: they would re-arm forever.
func drive(t testing.TB, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var seen []tea.Msg
	for i := 0; cmd != nil; i++ {
		if i > 50 {
			t.Fatal("commands keep coming")
		}
		var next []tea.Cmd
		for _, msg := range uitest.Exec(cmd) {
			if _, tick := msg.(spinner.TickMsg); tick {
				continue
			}
			seen = append(seen, msg)
			_, c := m.Update(msg)
			next = append(next, c)
		}
		cmd = tea.Batch(next...)
	}
	return seen
}

func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(uitest.Key(k))
		drive(t, m, cmd)
	}
}

func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		press(t, m, string(r))
	}
}

func loaded(t *testing.T, w, h int) (*Model, *uitest.Fake) {
	t.Helper()
	svc, _ := fake(t)
	m := New(uitest.Common(svc))
	m.SetSize(w, h)
	drive(t, m, m.Init())
	if !m.loaded {
		t.Fatalf("not loaded: err %v", m.err)
	}
	return m, svc
}

func selectWhere(t *testing.T, m *Model, what string, ok func(*Row) bool) {
	t.Helper()
	press(t, m, "g")
	for range m.table.Len() {
		if r, found := m.Selected(); found && ok(r) {
			return
		}
		press(t, m, "j")
	}
	t.Fatalf("%s is not in the table", what)
}

func selectWizID(t *testing.T, m *Model, id string) {
	t.Helper()
	selectWhere(t, m, id, func(r *Row) bool { return r.WizID == id })
}

func assertFits(t *testing.T, m *Model, w, h int) {
	t.Helper()
	n, width := uitest.Lines(m.View())
	if n > h || width > w {
		t.Fatalf("view is %d lines × %d cells; the screen has %d × %d:\n%s", n, width, h, w, uitest.Plain(m.View()))
	}
}

func TestLoadingThenLoaded(t *testing.T) {
	svc, alls := fake(t)
	m := New(uitest.Common(svc))
	m.SetSize(80, 22)
	cmd := m.Init()
	if !m.loading || m.loaded {
		t.Fatal("Init did not start loading")
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Building the preview") {
		t.Errorf("loading view:\n%s", v)
	}
	if len(m.ShortHelp()) != 0 {
		t.Error("keys offered while loading")
	}
	drive(t, m, cmd)
	if svc.Count("PreviewStream") != 1 || len(*alls) != 1 || !(*alls)[0] {
		t.Fatalf("Preview calls %d with all=%v; want one with all=true", svc.Count("PreviewStream"), *alls)
	}
	if m.loading || !m.loaded {
		t.Fatal("not loaded")
	}
	want := Totals{New: 4, Unchanged: 2, Fixed: 4, Excluded: 4, Repositories: 5, Failed: 1}
	if m.Totals() != want {
		t.Errorf("totals %+v, want %+v", m.Totals(), want)
	}
	// Excluded rows are hidden at first: 4 new + 2 unchanged + 4 fixed.
	if m.table.Len() != 10 || m.table.Total() != 14 {
		t.Errorf("rows shown %d of %d, want 10 of 14", m.table.Len(), m.table.Total())
	}
	v := uitest.Plain(m.View())
	for _, s := range []string{"new 4 · unchanged 2 · will be fixed 4 · excluded 4 — 5 repositories (1 failed)",
		"+ new", "= unchanged", "✓ will be fixed", "id sg-44d1e0a", "Repo acme/…", "old-service", "row 1 of 10"} {
		if !strings.Contains(v, s) {
			t.Errorf("loaded view lacks %q:\n%s", s, v)
		}
	}
	// Nothing is filtered yet: the hidden excluded rows are not "filtered".
	if strings.Contains(v, "filtered from") {
		t.Errorf("an unfiltered view says filtered:\n%s", v)
	}
	assertFits(t, m, 80, 22)
}

func TestRowStatesFollowThePlan(t *testing.T) {
	m, _ := loaded(t, 120, 38)
	press(t, m, "x")
	got := map[string]string{}
	d := m.table.Data()
	for i := range d.Len() {
		r := d.Row(i).(*Row)
		key := idOf(r)
		got[key] = r.stateText()
	}
	want := map[string]string{
		"sg-7f3a91c2e4": "= unchanged", "sg-c40e5d7719": "= unchanged",
		"sg-1b88d0f3a2": "+ new", "sg-e9a2b6f051": "+ new", "sg-2f9e8d7c6b": "+ new", "sg-6a5b4c3d2e": "+ new",
		"sg-44d1e0aa93": "✓ will be fixed", "sg-b7f6e5d4c3": "✓ will be fixed",
		"sg-aa1100ff22": "✓ will be fixed", "sg-bb2211ee33": "✓ will be fixed",
		"sg-0a1b2c3d4e": "✗ excluded: severity", "sg-5e6f7a8b9c": "✗ excluded: branch",
		"sg-9d8c7b6a5f": "✗ excluded: status", "sg-3c2b1a0f9e": "✗ excluded: suppressed (nosemgrep)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("states:\n got %v\nwant %v", got, want)
	}
	// The excluded finding on another branch shows that branch.
	for i := range d.Len() {
		r := d.Row(i).(*Row)
		if r.HasFinding() && idOf(r) == "sg-5e6f7a8b9c" && r.Branch != "feature/checkout" {
			t.Errorf("branch of the feature-branch finding = %q", r.Branch)
		}
	}
}

func TestFilterAppliesAndCursorKeepsItsFinding(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	selectWizID(t, m, "sg-2f9e8d7c6b") // payments-api, weak crypto
	press(t, m, "/")
	if !m.InputFocused() {
		t.Fatal("filter input has no focus after /")
	}
	typeText(t, m, "go.lang")
	if m.table.Len() != 10 {
		t.Error("the filter applied before enter")
	}
	// Keys that mean something elsewhere are text while typing.
	typeText(t, m, " x")
	press(t, m, "backspace", "backspace")
	press(t, m, "enter")
	if m.InputFocused() {
		t.Error("input kept the focus after enter")
	}
	if m.table.Len() != 2 {
		t.Fatalf("filter go.lang shows %d rows, want 2", m.table.Len())
	}
	if r, _ := m.Selected(); r == nil || r.WizID != "sg-2f9e8d7c6b" {
		t.Errorf("cursor moved to %+v", r)
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "filter: go.lang") || !strings.Contains(v, "row 1 of 2 (filtered from 10)") {
		t.Errorf("filter not shown:\n%s", v)
	}
	// Several words must all match; the rule id matches beyond its short cell.
	press(t, m, "/")
	m.filter.SetValue("")
	typeText(t, m, "CRITICAL tainted")
	press(t, m, "enter")
	if m.table.Len() != 2 {
		t.Errorf("CRITICAL tainted shows %d rows, want 2", m.table.Len())
	}
	// esc in the input clears the filter; the cursor's finding stays.
	selectWizID(t, m, "sg-6a5b4c3d2e")
	press(t, m, "/", "esc")
	if m.vq.text != "" || m.table.Len() != 10 {
		t.Errorf("esc left filter %q and %d rows", m.vq.text, m.table.Len())
	}
	if r, _ := m.Selected(); r == nil || r.WizID != "sg-6a5b4c3d2e" {
		t.Errorf("cursor moved to %+v after clearing", r)
	}
	// esc outside the input clears an applied filter too, then leaves.
	press(t, m, "/")
	typeText(t, m, "shop")
	press(t, m, "enter", "esc")
	if m.vq.text != "" {
		t.Error("esc did not clear the applied filter")
	}
	_, cmd := m.Update(uitest.Key("esc"))
	if msgs := uitest.Exec(cmd); len(msgs) != 1 || msgs[0] != (common.NavigateMsg{To: common.Home}) {
		t.Errorf("esc with nothing to close sent %v", msgs)
	}
}

func TestStaleFilterResultIsDropped(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	press(t, m, "/")
	typeText(t, m, "shop")
	_, first := m.Update(uitest.Key("enter"))
	older := uitest.Exec(first) // computed, but not yet delivered
	press(t, m, "/")
	m.filter.SetValue("payments-api")
	_, second := m.Update(uitest.Key("enter"))
	newer := uitest.Exec(second)
	if len(older) != 1 || len(newer) != 1 {
		t.Fatalf("answers: %d older, %d newer", len(older), len(newer))
	}
	m.Update(newer[0])
	m.Update(older[0])
	if m.table.Len() != 2 {
		t.Errorf("after a stale answer %d rows, want payments' 2", m.table.Len())
	}
	for _, i := range m.table.Visible() {
		if r := m.table.Data().Row(i).(*Row); r.Repo != "acme/payments-api" {
			t.Errorf("row of %s shown for filter payments", r.Repo)
		}
	}
}

func TestSortCyclesAndReverses(t *testing.T) {
	m, _ := loaded(t, 120, 38)
	selectWizID(t, m, "sg-c40e5d7719")
	press(t, m, "s", "s", "s") // repository, branch, severity
	if m.vq.sortCol != colSeverity || m.vq.desc {
		t.Fatalf("sort column %d desc %v", m.vq.sortCol, m.vq.desc)
	}
	first := func() *Row { return m.table.Data().Row(m.table.Visible()[0]).(*Row) }
	last := func() *Row { return m.table.Data().Row(m.table.Visible()[m.table.Len()-1]).(*Row) }
	if r := first(); !r.HasFinding() || r.Cell(colSeverity) != "CRITICAL" {
		t.Errorf("first row by severity: %+v", r)
	}
	if r := last(); r.State != StateFixed {
		t.Errorf("rows without a severity are not last: %+v", r)
	}
	if r, _ := m.Selected(); r.WizID != "sg-c40e5d7719" {
		t.Errorf("cursor left its finding for %s", r.WizID)
	}
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Severit▲") || !strings.Contains(v, "sort: severity ▲") {
		t.Errorf("sort not shown:\n%s", v)
	}
	press(t, m, "S")
	if r := first(); r.State != StateFixed {
		t.Errorf("reversed: first row %+v", r)
	}
	if r := last(); r.Cell(colSeverity) != "CRITICAL" {
		t.Errorf("reversed: last row %+v", r)
	}
	// Stable: the two CRITICAL rows keep preview order both ways.
	press(t, m, "s", "s") // rule, file:line
	if m.vq.sortCol != colFile {
		t.Fatalf("sort column %d", m.vq.sortCol)
	}
	if r := first(); !r.HasFinding() || r.s.Path(r.i) != "app/ops/tasks.py" {
		t.Errorf("first by file: %+v", first())
	}
	for range numCols - colFile {
		press(t, m, "s")
	}
	if m.vq.sortCol != -1 || !strings.Contains(uitest.Plain(m.View()), "preview order") {
		t.Errorf("sort did not cycle back to preview order: %d", m.vq.sortCol)
	}
	_, cmd := m.Update(uitest.Key("S"))
	if msgs := uitest.Exec(cmd); len(msgs) != 1 {
		t.Error("S without a sort column says nothing")
	}
}

func TestToggleExcluded(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	press(t, m, "x")
	if m.table.Len() != 14 {
		t.Fatalf("with excluded: %d rows, want 14", m.table.Len())
	}
	v := uitest.Plain(m.View())
	// At 80 columns the state cell says ✗ and the reason, without "excluded:".
	if !strings.Contains(v, "excluded shown") || !strings.Contains(v, "✗ severity") {
		t.Errorf("excluded rows not shown:\n%s", v)
	}
	n := 0
	for _, i := range m.table.Visible() {
		if m.table.Data().Row(i).(*Row).State == StateExcluded {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d excluded rows shown, want 4", n)
	}
	selectWhere(t, m, "an excluded row", func(r *Row) bool { return r.State == StateExcluded })
	press(t, m, "x")
	if m.table.Len() != 10 {
		t.Errorf("hidden again: %d rows", m.table.Len())
	}
	if r, _ := m.Selected(); r.State == StateExcluded {
		t.Error("cursor on a hidden row")
	}
}

func TestDetailShowsTheJSONMapFindingProduces(t *testing.T) {
	m, _ := loaded(t, 120, 38)
	selectWizID(t, m, "sg-c40e5d7719") // its message holds <script> and &
	press(t, m, "enter")
	if !m.detail {
		t.Fatal("enter did not open the detail")
	}
	r, _ := m.Selected()
	sf := wizschema.MapFinding(findingOf(t, r))
	var got wizschema.SASTFinding
	if err := json.Unmarshal([]byte(m.DetailJSON()), &got); err != nil {
		t.Fatalf("detail JSON does not parse: %v\n%s", err, m.DetailJSON())
	}
	if !reflect.DeepEqual(got, sf) {
		t.Errorf("detail JSON is not MapFinding's:\n got %+v\nwant %+v", got, sf)
	}
	indented, _ := json.MarshalIndent(sf, "", "  ")
	// Same document as MarshalIndent except for HTML escaping, which the
	// upload encoder turns off too.
	if strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(string(indented), `\u003c`, "<"), `\u003e`, ">"), `\u0026`, "&") != m.DetailJSON() {
		t.Errorf("detail JSON differs from the indented mapping:\n%s\n---\n%s", m.DetailJSON(), indented)
	}
	if !strings.Contains(m.DetailJSON(), "<script>") {
		t.Error("HTML in the description was escaped; the upload does not escape it")
	}
	v := uitest.Plain(m.View())
	for _, s := range []string{`"id": "sg-c40e5d7719"`, `"severity": "High"`, "JSON sent to Wiz", "A07:2017", "web/templates/cart.js:23", "CWE-79"} {
		if !strings.Contains(v, s) {
			t.Errorf("detail lacks %q:\n%s", s, v)
		}
	}
	assertFits(t, m, 120, 38)

	// Moving the cursor follows with the detail.
	selectWizID(t, m, "sg-2f9e8d7c6b")
	if !strings.Contains(m.DetailJSON(), `"id": "sg-2f9e8d7c6b"`) {
		t.Error("detail did not follow the cursor")
	}
	// A fixed id has no JSON: only its id is known.
	selectWizID(t, m, "sg-44d1e0aa93")
	if m.DetailJSON() != "" || !strings.Contains(uitest.Plain(m.View()), "Wiz marks it fixed") {
		t.Errorf("fixed row detail:\n%s", uitest.Plain(m.View()))
	}
	// An excluded finding says why and sends nothing.
	press(t, m, "x")
	selectWhere(t, m, "the feature-branch finding", func(r *Row) bool { return r.HasFinding() && idOf(r) == "sg-5e6f7a8b9c" })
	v = uitest.Plain(m.View())
	if m.DetailJSON() != "" || !strings.Contains(v, "Not sent") || !strings.Contains(v, "is not the default branch main") {
		t.Errorf("excluded row detail:\n%s", v)
	}
	// tab focuses the detail: j scrolls it, not the table.
	before := m.table.Cursor()
	press(t, m, "tab", "j")
	if m.table.Cursor() != before {
		t.Error("j moved the table while the detail had the focus")
	}
	press(t, m, "esc", "esc")
	if m.detail {
		t.Error("esc did not close the detail")
	}
}

func TestDetailScrollsAtBottomLayout(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	selectWizID(t, m, "sg-2f9e8d7c6b")
	press(t, m, "d")
	if m.lay.right {
		t.Fatal("detail beside the table at 80 columns")
	}
	if len(m.detailLines) <= m.detailBodyH() {
		t.Fatalf("detail fits (%d lines); the test needs it to scroll", len(m.detailLines))
	}
	press(t, m, "tab", "G")
	if n := len(m.detailLines); m.scroll == 0 || !strings.Contains(uitest.Plain(m.View()), fmt.Sprintf("–%d of %d", n, n)) {
		t.Errorf("G did not scroll to the end (scroll %d)", m.scroll)
	}
	assertFits(t, m, 80, 22)
	press(t, m, "tab", "j") // back to the table: j moves the cursor, the detail resets
	if m.scroll != 0 {
		t.Errorf("scroll %d after moving to another finding", m.scroll)
	}
}

func TestErrorThenRetryCallsPreviewTwice(t *testing.T) {
	good := fixturePreview(t, pipeline.DefaultGuards())
	fail := true
	svc := &uitest.Fake{PreviewFn: func(bool) (*common.Preview, error) {
		if fail {
			fail = false
			return nil, errors.New("collecting findings: Semgrep API token rejected (401); check SEMGREP_APP_TOKEN")
		}
		return good, nil
	}}
	m := New(uitest.Common(svc))
	m.SetSize(80, 22)
	drive(t, m, m.Init())
	if m.loaded || m.err == nil {
		t.Fatal("error not kept")
	}
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "token rejected (401)") || !strings.Contains(v, "Press r to try again") {
		t.Errorf("error view:\n%s", v)
	}
	if h := m.ShortHelp(); len(h) != 1 || h[0].Help().Desc != "retry" {
		t.Errorf("help while failed: %v", h)
	}
	press(t, m, "j", "x") // nothing to move or toggle yet
	press(t, m, "r")
	if svc.Count("PreviewStream") != 2 {
		t.Errorf("Preview called %d times, want 2", svc.Count("PreviewStream"))
	}
	if !m.loaded || m.err != nil || m.table.Len() != 10 {
		t.Errorf("retry did not load: err %v, %d rows", m.err, m.table.Len())
	}
}

func TestReloadKeepsTheTableAndDropsStaleLoads(t *testing.T) {
	m, svc := loaded(t, 80, 22)
	selectWizID(t, m, "sg-6a5b4c3d2e")
	_, first := m.Update(uitest.Key("r"))
	if !m.loading || !strings.Contains(uitest.Plain(m.View()), "reloading") {
		t.Error("reload not shown")
	}
	m.loading = false // let a second reload start while the first is out
	_, second := m.Update(uitest.Key("r"))
	var fresh, stale tea.Msg
	for _, msg := range uitest.Exec(second) {
		if _, ok := msg.(doneMsg); ok {
			fresh = msg
		}
	}
	for _, msg := range uitest.Exec(first) {
		if _, ok := msg.(doneMsg); ok {
			stale = msg
		}
	}
	m.Update(fresh)
	m.Update(stale)
	if m.loadGen != stale.(doneMsg).gen+1 || m.loading {
		t.Error("stale load changed the state")
	}
	if r, _ := m.Selected(); r == nil || r.WizID != "sg-6a5b4c3d2e" {
		t.Errorf("reload moved the cursor to %+v", r)
	}
	if svc.Count("PreviewStream") != 3 {
		t.Errorf("Preview calls %d", svc.Count("PreviewStream"))
	}
}

func TestTotalsView(t *testing.T) {
	m, _ := loaded(t, 120, 38)
	press(t, m, "t")
	if !m.showTotals {
		t.Fatal("t did not open the totals")
	}
	v := uitest.Plain(m.View())
	for _, s := range []string{"Per-repository totals", "Repository (acme/)", "shop", "✓ send", "old-service", "✓ send empty",
		"– not in scope: no recent full scan", "✗ could not be read: reading findings"} {
		if !strings.Contains(v, s) {
			t.Errorf("totals view lacks %q:\n%s", s, v)
		}
	}
	var shop *RepoRow
	d := m.repos.Data()
	for i := range d.Len() {
		if r := d.Row(i).(*RepoRow); r.Name == "acme/shop" {
			shop = r
		}
	}
	if want := (Totals{New: 2, Unchanged: 2, Fixed: 2, Excluded: 3}); shop == nil || shop.Totals != want {
		t.Errorf("shop totals %+v, want %+v", shop, want)
	}
	press(t, m, "s", "s", "s") // by new, most first
	if r := d.Row(m.repos.Visible()[0]).(*RepoRow); r.Name != "acme/payments-api" && r.Name != "acme/shop" {
		t.Errorf("most new first: %s", r.Name)
	}
	press(t, m, "esc")
	if m.showTotals {
		t.Error("esc did not close the totals")
	}
}

func TestHeldBackRepositoryIsSaidSo(t *testing.T) {
	// A guard so tight it holds back shop (2 of its 4 held would be fixed).
	p := fixturePreview(t, pipeline.Guards{MassResolveShare: 0.25, MassResolveMin: 1})
	m := New(uitest.Common(&uitest.Fake{PreviewFn: func(bool) (*common.Preview, error) { return p, nil }}))
	m.SetSize(120, 38)
	drive(t, m, m.Init())
	if m.Totals().Held == 0 {
		t.Fatalf("nothing held back: %+v", m.Totals())
	}
	selectWizID(t, m, "sg-1b88d0f3a2")
	r, _ := m.Selected()
	if r.State != StateHeld || r.Inner != StateNew || !strings.Contains(r.Reason, "mass-resolve") {
		t.Errorf("held row %+v", r)
	}
	press(t, m, "enter")
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "! held back (new)") || !strings.Contains(v, "JSON sent once the repository is released") {
		t.Errorf("held detail:\n%s", v)
	}
	if !strings.Contains(v, "held back ") {
		t.Errorf("totals line lacks held back:\n%s", v)
	}
}

func TestViewsFitEverySize(t *testing.T) {
	for _, size := range [][2]int{{80, 22}, {120, 38}, {100, 30}, {200, 60}, {80, 5}} {
		m, _ := loaded(t, size[0], size[1])
		assertFits(t, m, size[0], size[1])
		press(t, m, "x", "enter")
		assertFits(t, m, size[0], size[1])
		press(t, m, "tab", "G")
		assertFits(t, m, size[0], size[1])
		press(t, m, "esc", "esc", "t")
		assertFits(t, m, size[0], size[1])
		press(t, m, "t", "/")
		typeText(t, m, strings.Repeat("long filter text ", 20))
		assertFits(t, m, size[0], size[1])
	}
}

func TestHostileFindingTextCannotEscape(t *testing.T) {
	p := fixturePreview(t, pipeline.DefaultGuards())
	shop := p.Collection.Repos[3]
	shop.Sent[0].Message = "evil\x1b]52;c;Zm9v\x07 \x1b[2J\u009b31m done"
	shop.Sent[0].RuleID = "rule\x1b[31m.red"
	m := New(uitest.Common(&uitest.Fake{PreviewFn: func(bool) (*common.Preview, error) { return p, nil }}))
	m.SetSize(120, 38)
	drive(t, m, m.Init())
	selectWizID(t, m, "sg-7f3a91c2e4")
	press(t, m, "enter")
	v := m.View()
	for _, bad := range []string{"\x1b]52", "\x1b[2J", "\u009b", "\x1b[31m.red"} {
		if strings.Contains(v, bad) {
			t.Errorf("view carries %q from finding text", bad)
		}
	}
}

func TestHelpFollowsTheMode(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	descs := func() string {
		var s []string
		for _, b := range m.ShortHelp() {
			s = append(s, b.Help().Desc)
		}
		return strings.Join(s, ",")
	}
	if d := descs(); !strings.Contains(d, "filter") || !strings.Contains(d, "detail") || !strings.Contains(d, "totals") {
		t.Errorf("table help: %s", d)
	}
	press(t, m, "/")
	if d := descs(); d != "apply filter,clear filter" {
		t.Errorf("filter help: %s", d)
	}
	press(t, m, "esc", "t")
	if d := descs(); !strings.Contains(d, "back to findings") {
		t.Errorf("totals help: %s", d)
	}
	n := 0
	for _, g := range m.FullHelp() {
		n += len(g)
	}
	if n < 15 {
		t.Errorf("full help has %d keys", n)
	}
}

func TestThemeChangeShowsAtTheNextFrame(t *testing.T) {
	m, _ := loaded(t, 120, 38)
	selectWizID(t, m, "sg-7f3a91c2e4")
	press(t, m, "enter")
	dark := m.View()
	m.c.Styles = theme.For(false) // the root does this on BackgroundColorMsg
	light := m.View()
	if light == dark {
		t.Error("the light theme draws like the dark one")
	}
	if uitest.Plain(light) != uitest.Plain(dark) {
		t.Error("the theme changed the text")
	}
	press(t, m, "j", "k")
	if m.View() != light {
		t.Error("after an update the frame differs from the first light one")
	}
}

// Unconfigured, the preview points to the wizard, and s opens it.
func TestNotSetUpPointsToTheWizard(t *testing.T) {
	ns := &common.NotSetUpError{Settings: []string{"semgrep.token"}, Err: errors.New("semgrep.token: is not set — set SEMGREP_APP_TOKEN"), Hint: common.SetUpHint}
	m := New(uitest.Common(&uitest.Fake{PreviewFn: func(bool) (*common.Preview, error) { return nil, ns }}))
	m.SetSize(80, 22)
	drive(t, m, m.Init())
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Press s to set up") || strings.Contains(v, "SEMGREP_APP_TOKEN") {
		t.Errorf("the unconfigured preview does not point to the wizard:\n%s", v)
	}
	_, cmd := m.Update(uitest.Key("s"))
	if cmd == nil {
		t.Fatal("s does nothing")
	}
	if msg, _ := cmd().(common.NavigateMsg); msg.To != common.Setup {
		t.Errorf("s navigates to %+v", msg)
	}
}

// A finding Semgrep no longer reports: the detail says so and how to
// reload; another failure is shown as it is.
func TestDetailOfAFindingNoLongerReported(t *testing.T) {
	m, _ := loaded(t, 120, 38)
	r, _ := m.Selected()
	lines, js := buildDetail(newPaints(&m.c.Styles), r, nil, fmt.Errorf("reading again: %w", common.ErrFindingGone), 80)
	if v := uitest.Plain(strings.Join(lines, "\n")); js != "" || !strings.Contains(strings.ReplaceAll(v, "\n", " "), "the finding is no longer reported: press r to reload the preview") {
		t.Errorf("detail for a finding gone:\n%s", v)
	}
	lines, _ = buildDetail(newPaints(&m.c.Styles), r, nil, errors.New("semgrep API: 503"), 80)
	if v := uitest.Plain(strings.Join(lines, "\n")); !strings.Contains(strings.ReplaceAll(v, "\n", " "), "could not read the finding again: semgrep API: 503") || strings.Contains(v, "press r") {
		t.Errorf("detail for another failure:\n%s", v)
	}
}
