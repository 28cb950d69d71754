package findings

import (
	"context"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// namesPreview has repositories whose names only differ at the end, under
// one owner or under several, each with a sent and an excluded finding.
func namesPreview(t *testing.T, names ...string) *common.Preview {
	t.Helper()
	col := &pipeline.Collection{Deployment: deployment}
	for i, name := range names {
		rp := repo(name)
		sr := &pipeline.Repo{Repo: rp, Name: rp.Name, URL: rp.URL, DataSourceID: finding.DataSourceID(rp), Branch: "main", InScope: true}
		id := "sg-" + strings.Repeat(string(rune('a'+i)), 10)
		sr.Sent = append(sr.Sent, fnd(rp, id, "python.lang.security.audit.eval-detected", "high", "app/run.py", 10+i, []string{"CWE-95"}, nil, "eval"))
		low := fnd(rp, id+"x", "python.lang.security.audit.md5-used", "low", "app/hash.py", 3, []string{"CWE-327"}, nil, "md5")
		sr.Excluded = append(sr.Excluded, excluded(low, "severity", "low is below the policy's high"))
		col.Repos = append(col.Repos, sr)
	}
	plan, err := pipeline.BuildPlan(context.Background(), col, nil, pipeline.PlanOptions{Guards: pipeline.DefaultGuards()})
	if err != nil {
		t.Fatal(err)
	}
	return &common.Preview{Collection: col, Plan: plan}
}

func loadedWith(t *testing.T, p *common.Preview, w, h int) *Model {
	t.Helper()
	m := New(uitest.Common(&uitest.Fake{PreviewFn: func(bool) (*common.Preview, error) { return p, nil }}))
	m.SetSize(w, h)
	drive(t, m, m.Init())
	if !m.loaded {
		t.Fatalf("not loaded: %v", m.err)
	}
	return m
}

// repoCells are the repository cells as drawn, one per table line.
func repoCells(t *testing.T, m *Model) []string {
	t.Helper()
	lines := strings.Split(uitest.Plain(m.View()), "\n")
	var out []string
	for _, l := range lines[3:] { // totals, status, header
		if strings.HasPrefix(l, "row ") || strings.TrimSpace(l) == "" {
			break
		}
		out = append(out, strings.Fields(l)[0]) // names hold no spaces
	}
	return out
}

func TestRepositoryNamesStayApartAt80Columns(t *testing.T) {
	names := []string{"acme/payments-gateway-service", "acme/payments-gateway-worker", "acme/payments-gateway-admin"}
	m := loadedWith(t, namesPreview(t, names...), 80, 22)
	cells := repoCells(t, m)
	if len(cells) != 3 {
		t.Fatalf("cells %q", cells)
	}
	seen := map[string]bool{}
	for i, c := range cells {
		if seen[c] {
			t.Errorf("two repositories look the same at 80 columns: %q", cells)
		}
		seen[c] = true
		// The shared owner goes to the title; the tail that differs stays.
		tail := names[i][strings.LastIndexByte(names[i], '-'):]
		if strings.HasPrefix(c, "acme/") || !strings.HasSuffix(c, tail) {
			t.Errorf("cell %q for %s: want the owner left out and the tail %q kept", c, names[i], tail)
		}
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Repo acme/…") {
		t.Errorf("the title does not name the shared owner:\n%s", v)
	}
	// The filter still finds a repository by its full name.
	press(t, m, "/")
	typeText(t, m, "acme/payments-gateway-admin")
	press(t, m, "enter")
	if m.table.Len() != 1 {
		t.Errorf("filter by full name shows %d rows", m.table.Len())
	}
	assertFits(t, m, 80, 22)
}

func TestRepositoryNamesOfSeveralOwnersAreCutInTheMiddle(t *testing.T) {
	names := []string{"acme-group/data-pipeline-ingest", "acme-group/data-pipeline-export", "platform/data-pipeline-ingest"}
	for _, w := range []int{80, 120} {
		m := loadedWith(t, namesPreview(t, names...), w, 22)
		cells := repoCells(t, m)
		seen := map[string]bool{}
		for i, c := range cells {
			if seen[c] {
				t.Errorf("%d columns: two repositories look the same: %q", w, cells)
			}
			seen[c] = true
			owner := names[i][:4]
			if !strings.HasPrefix(c, owner) || !strings.HasSuffix(c, names[i][len(names[i])-4:]) {
				t.Errorf("%d columns: cell %q keeps neither end of %s", w, c, names[i])
			}
		}
		uitest.Golden(t, "findings-names-"+map[int]string{80: "80x24", 120: "120x40"}[w], m.View())
	}
}

func TestExclusionReasonIsReadableAt80Columns(t *testing.T) {
	m := loadedWith(t, namesPreview(t, "acme/api", "acme/web"), 80, 22)
	press(t, m, "x")
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "✗ severity") {
		t.Errorf("the state cell does not say why it is excluded:\n%s", v)
	}
	selectWhere(t, m, "an excluded row", func(r *Row) bool { return r.State == StateExcluded })
	press(t, m, "enter")
	if v := uitest.Plain(m.View()); !strings.Contains(v, "severity: low is below the policy's high") {
		t.Errorf("the detail pane lacks the whole reason:\n%s", v)
	}
	assertFits(t, m, 80, 22)
}

func TestSortNeverPicksAHiddenColumn(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	hidden := map[int]bool{}
	for i, c := range m.table.Columns() {
		if c.Hidden {
			hidden[i] = true
		}
	}
	if !hidden[colBranch] || !hidden[colCWE] {
		t.Fatalf("the test needs branch and CWE hidden at 80 columns: %v", hidden)
	}
	var order []int
	for range numCols {
		press(t, m, "s")
		order = append(order, m.vq.sortCol)
		if hidden[m.vq.sortCol] {
			t.Errorf("s sorts by hidden column %s", colNames[m.vq.sortCol])
		}
		if m.vq.sortCol == -1 {
			break
		}
	}
	want := []int{colRepo, colSeverity, colRule, colFile, colState, -1}
	if len(order) != len(want) {
		t.Fatalf("sort cycle %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("sort cycle %v, want %v", order, want)
		}
	}

	// Sorted by branch at 120 columns, then narrowed: back to preview order.
	m, _ = loaded(t, 120, 38)
	press(t, m, "s", "s")
	if m.vq.sortCol != colBranch {
		t.Fatalf("sort column %d at 120", m.vq.sortCol)
	}
	m.SetSize(80, 22)
	if m.vq.sortCol != -1 || m.table.Query().Sort || !strings.Contains(uitest.Plain(m.View()), "preview order") {
		t.Errorf("after narrowing the sort is still on the hidden branch column: %d", m.vq.sortCol)
	}

	// Totals: the branch column is hidden below 100, held when none is held.
	m, _ = loaded(t, 80, 22)
	press(t, m, "t")
	for range len(repoColNames) + 1 {
		press(t, m, "s")
		if c := m.rq.sortCol; c == 1 || c == 5 {
			t.Errorf("totals sort by hidden column %s", repoColNames[c])
		}
	}
}

func TestEscClosesTheDetailPaneEvenWhenItHasTheFocus(t *testing.T) {
	for _, w := range []int{80, 120} {
		m, _ := loaded(t, w, 22)
		press(t, m, "enter", "tab")
		if !m.detail || !m.detailFocus {
			t.Fatal("tab did not give the detail pane the focus")
		}
		var closeKey string
		for _, b := range m.ShortHelp() {
			if b.Help().Desc == "close" {
				closeKey = b.Help().Key
			}
		}
		if closeKey != "esc" {
			t.Fatalf("the focused pane's help does not offer esc to close: %q", closeKey)
		}
		press(t, m, "esc")
		if m.detail || m.detailFocus {
			t.Errorf("%d columns: esc left the pane open (detail %v focus %v)", w, m.detail, m.detailFocus)
		}
		// Not focused: esc closes it too, and a second esc leaves the screen.
		press(t, m, "enter", "esc")
		if m.detail {
			t.Errorf("%d columns: esc did not close the pane", w)
		}
		_, cmd := m.Update(uitest.Key("esc"))
		if msgs := uitest.Exec(cmd); len(msgs) != 1 || msgs[0] != (common.NavigateMsg{To: common.Home}) {
			t.Errorf("esc with the pane closed: %v", msgs)
		}
	}
}

func TestTotalsShowTheSelectedRepositoryInFull(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	press(t, m, "t")
	want := "acme/legacy-portal @ main  – not in scope: no recent full scan: no completed full scan of main in the last 30 days"
	flat := func() string {
		lines := strings.Split(uitest.Plain(m.View()), "\n")
		return strings.Join(lines[len(lines)-repoNoteH:], " ")
	}
	if got := flat(); !strings.Contains(got, want) {
		t.Errorf("the note under the totals lacks the whole plan:\n%s", got)
	}
	press(t, m, "j")
	if got := flat(); !strings.Contains(got, "acme/mobile-backend @ main  ✗ could not be read: reading findings") {
		t.Errorf("the note does not follow the cursor:\n%s", got)
	}
	assertFits(t, m, 80, 22)
}

// The state column reads one way on every row: short at 80 columns, in
// full where there is room; the fixture's reasons differ in length.
func TestStateColumnIsConsistentPerWidth(t *testing.T) {
	for _, sz := range []struct {
		name      string
		w, h      int
		want, not string
	}{{"80x24", 80, 22, "✗ severity", "✗ excluded:"}, {"120x40", 120, 38, "✗ excluded: severity", "✗ severity"}} {
		m, _ := loaded(t, sz.w, sz.h)
		press(t, m, "x")
		v := uitest.Plain(m.View())
		if !strings.Contains(v, sz.want) || strings.Contains(v, sz.not) {
			t.Errorf("%s: want %q and no %q:\n%s", sz.name, sz.want, sz.not, v)
		}
		uitest.Golden(t, "findings-"+sz.name+"-excluded", m.View())
	}
}

func TestTabMovesBetweenTableAndDetail(t *testing.T) {
	m, _ := loaded(t, 80, 22)
	press(t, m, "tab")
	if !m.detail || !m.detailFocus {
		t.Fatalf("tab with the pane closed: detail %v focus %v", m.detail, m.detailFocus)
	}
	press(t, m, "tab")
	if !m.detail || m.detailFocus {
		t.Fatalf("tab back: detail %v focus %v", m.detail, m.detailFocus)
	}
	cur := m.table.Cursor()
	press(t, m, "j")
	if m.table.Cursor() != cur+1 {
		t.Error("after tab back, j does not move the table")
	}
}
