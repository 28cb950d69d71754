package vtable

import (
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

type trow struct {
	id    string
	cells []string
	extra string
}

func (r *trow) ID() string                 { return r.id }
func (r *trow) Cell(c int) string          { return r.cells[c] }
func (r *trow) SearchText() string         { return r.extra }
func row(id string, cells ...string) *trow { return &trow{id: id, cells: cells} }

var testCols = []Column{
	{Title: "Name", Flex: 2, Min: 4},
	{Title: "Sev", Width: 8},
	{Title: "N", Width: 5, Align: Right},
}

func rows(n int) []Row {
	out := make([]Row, n)
	sev := []string{"LOW", "HIGH", "MEDIUM", "CRITICAL"}
	for i := range out {
		out[i] = row(fmt.Sprintf("r%d", i), fmt.Sprintf("name-%05d", i), sev[i%4], fmt.Sprint(i%7))
	}
	return out
}

func newTable(t *testing.T, rs []Row, w, h int) *Model {
	t.Helper()
	st := theme.Default()
	m := New(&st, testCols)
	m.SetSize(w, h)
	m.SetData(NewData(testCols, rs), Query{}, nil)
	return m
}

// press is the key press Bubble Tea delivers for s.
func press(s string) tea.KeyPressMsg { return uitest.Key(s) }

func selectedID(t *testing.T, m *Model) string {
	t.Helper()
	r, ok := m.Selected()
	if !ok {
		t.Fatal("no row selected")
	}
	return r.ID()
}

func TestViewIsExactlyTheSizeAndOnlyTheWindow(t *testing.T) {
	m := newTable(t, rows(1000), 40, 10)
	for range 500 {
		m.Update(press("down"))
	}
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) != 10 {
		t.Fatalf("got %d lines, want 10", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w != 40 {
			t.Errorf("line %d is %d wide, want 40: %q", i, w, ansi.Strip(l))
		}
	}
	plain := ansi.Strip(v)
	// 8 body lines, cursor at 500 on the last line: rows 493..500.
	if !strings.Contains(plain, "name-00500") || !strings.Contains(plain, "name-00493") {
		t.Errorf("window misses the cursor rows:\n%s", plain)
	}
	if strings.Contains(plain, "name-00492") || strings.Contains(plain, "name-00501") {
		t.Errorf("rows outside the window are drawn:\n%s", plain)
	}
	if !strings.Contains(lines[9], "row 501 of 1,000") {
		t.Errorf("footer = %q", ansi.Strip(lines[9]))
	}
}

func TestTruncationAndCleaning(t *testing.T) {
	rs := []Row{
		row("a", "a-very-long-name-that-does-not-fit", "HIGH", "1"),
		row("b", "漢字漢字漢字漢字漢字漢字漢字", "LOW", "2"),
		row("c", "evil\x1b[31mred\x1b]0;title\x07\nline", "LOW", "3"),
	}
	m := newTable(t, rs, 30, 6)
	plain := ansi.Strip(m.View())
	if !strings.Contains(plain, "a-very-long-na…") {
		t.Errorf("ASCII cell not cut with an ellipsis:\n%s", plain)
	}
	if !strings.Contains(plain, "漢字漢字漢字漢…") {
		t.Errorf("wide cell not cut by cells:\n%s", plain)
	}
	for i, l := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(l); w != 30 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
	c := m.Data().Cell(2, 0)
	if strings.ContainsAny(c, "\x1b\x07\n") {
		t.Errorf("control characters survived: %q", c)
	}
	if c != "evil [31mred ]0;title  line" {
		t.Errorf("cleaned cell = %q", c)
	}
	if got := Clean("ok\xffbad"); got != "ok\uFFFDbad" {
		t.Errorf("Clean(invalid UTF-8) = %q", got)
	}
}

func TestLayout(t *testing.T) {
	st := theme.Default()
	cols := []Column{{Title: "A", Flex: 1}, {Title: "B", Width: 6}, {Title: "C", Flex: 3}, {Title: "D", Width: 4, Hidden: true}}
	m := New(&st, cols)
	m.SetSize(50, 5)
	// 50 - 6 fixed - 2 separators = 42 flexible: the minimum (1) each,
	// then the 40 left by weight 1:3.
	if !slices.Equal(m.widths, []int{11, 6, 31, 0}) {
		t.Errorf("widths = %v", m.widths)
	}
	m.SetSize(12, 5) // too narrow: columns are cut at the right edge
	sum := 0
	for i, w := range m.widths {
		if w > 0 {
			if sum > 0 {
				sum++
			}
			sum += w
		}
		_ = i
	}
	if sum > 12 {
		t.Errorf("widths %v overflow 12 cells", m.widths)
	}
}

func TestKeepEndCutsTheStart(t *testing.T) {
	var b strings.Builder
	writeCell(&b, "src/very/deep/package/views.py:42", 14, Left, true)
	if got := b.String(); got != "…e/views.py:42" {
		t.Errorf("ASCII: %q", got)
	}
	b.Reset()
	writeCell(&b, "漢字/漢字/views.py:42", 14, Left, true)
	if got := b.String(); ansi.StringWidth(got) != 14 || !strings.HasSuffix(strings.TrimRight(got, " "), "views.py:42") || !strings.HasPrefix(got, "…") {
		t.Errorf("wide: %q (%d cells)", got, ansi.StringWidth(got))
	}
	b.Reset()
	writeCell(&b, "42", 5, Right, false)
	if got := b.String(); got != "   42" {
		t.Errorf("right aligned: %q", got)
	}
}

func TestComputeFilterAndSort(t *testing.T) {
	rs := []Row{
		row("1", "Alpha", "HIGH", "3"),
		row("2", "beta", "LOW", "1"),
		row("3", "alphabet", "HIGH", "2"),
		row("4", "gamma", "HIGH", "1"),
	}
	rs[3].(*trow).extra = "hidden-token"
	cols := slices.Clone(testCols)
	cols[2].Compare = func(a, b Row) int { return strings.Compare(a.Cell(2), b.Cell(2)) }
	d := NewData(cols, rs)
	ids := func(p []int) string {
		var s []string
		for _, i := range p {
			s = append(s, d.Row(i).ID())
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		q    Query
		want string
	}{
		{Query{}, "1,2,3,4"},
		{Query{Filter: "ALPHA"}, "1,3"},
		{Query{Filter: "alpha high"}, "1,3"},
		{Query{Filter: "alpha low"}, ""},
		{Query{Filter: "hidden-token"}, "4"},
		{Query{Keep: func(r Row) bool { return r.Cell(1) == "HIGH" }}, "1,3,4"},
		{Query{Sort: true, SortCol: 0}, "1,3,2,4"}, // byte order: "Alpha" < "alphabet"
		{Query{Sort: true, SortCol: 1}, "1,3,4,2"}, // stable: HIGH rows keep data order
		{Query{Sort: true, SortCol: 1, Desc: true}, "2,1,3,4"},
		{Query{Sort: true, SortCol: 2}, "2,4,3,1"}, // custom Compare, stable
		{Query{Filter: "a", Sort: true, SortCol: 2, Desc: true}, "1,3,2,4"},
	}
	for _, c := range cases {
		if got := ids(d.Compute(c.q)); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.q, got, c.want)
		}
	}
	// A superseded computation stops.
	if p, ok := d.compute(Query{Filter: "a"}, func() bool { return true }); ok || p != nil {
		t.Errorf("stale compute returned %v, %v", p, ok)
	}
}

func TestQueryKeepsCursorOnItsRowAndDropsStaleResults(t *testing.T) {
	m := newTable(t, rows(100), 40, 12)
	m.SetCursor(42)
	want := selectedID(t, m) // r42, CRITICAL? 42%4=2 → MEDIUM

	sortCmd := m.SetQuery(Query{Sort: true, SortCol: 1})
	if !m.Pending() {
		t.Error("not pending after SetQuery")
	}
	filterCmd := m.SetQuery(Query{Filter: "MEDIUM", Sort: true, SortCol: 0, Desc: true})
	stale, fresh := sortCmd(), filterCmd()
	if !m.Update(fresh) || m.Pending() {
		t.Fatal("fresh result not applied")
	}
	if got := selectedID(t, m); got != want {
		t.Errorf("cursor moved to %s, want %s", got, want)
	}
	if m.Len() != 25 {
		t.Errorf("Len = %d, want 25", m.Len())
	}
	before := slices.Clone(m.Visible())
	if !m.Update(stale) {
		t.Error("stale result of this table not consumed")
	}
	if !slices.Equal(before, m.Visible()) {
		t.Error("stale result was applied")
	}
	// Descending by name: r98 (MEDIUM rows are 2,6,…,98) first.
	if first := m.Data().Row(m.Visible()[0]).ID(); first != "r98" {
		t.Errorf("first row = %s", first)
	}
	if p := m.Position(); p != "row "+fmt.Sprint(m.Cursor()+1)+" of 25 (filtered from 100)" {
		t.Errorf("Position = %q", p)
	}

	// Another table's result is not ours.
	other := newTable(t, rows(3), 40, 5)
	if m.Update(other.SetQuery(Query{})()) {
		t.Error("took another table's result")
	}

	// A filter that drops the cursor's row keeps the position in range.
	m.Update(m.SetQuery(Query{Filter: "name-0000"})())
	if _, ok := m.Selected(); !ok || m.Cursor() >= m.Len() {
		t.Errorf("cursor %d out of %d rows", m.Cursor(), m.Len())
	}
	m.Update(m.SetQuery(Query{Filter: "no such row"})())
	if _, ok := m.Selected(); ok {
		t.Error("a row is selected in an empty table")
	}
	if !strings.Contains(ansi.Strip(m.View()), "No rows match.") {
		t.Error("empty message missing")
	}
}

func TestSetDataKeepsCursorByID(t *testing.T) {
	m := newTable(t, rows(50), 40, 10)
	m.SetCursor(30)
	rs := rows(50)
	slices.Reverse(rs)
	m.SetData(NewData(testCols, rs), Query{}, nil)
	if got := selectedID(t, m); got != "r30" {
		t.Errorf("after reload cursor on %s, want r30", got)
	}
	// A pending query for the old data is dropped.
	cmd := m.SetQuery(Query{Filter: "x"})
	m.SetData(NewData(testCols, rows(10)), Query{}, nil)
	m.Update(cmd())
	if m.Len() != 10 || m.Pending() {
		t.Errorf("Len %d pending %v after reload", m.Len(), m.Pending())
	}
}

func TestKeys(t *testing.T) {
	m := newTable(t, rows(100), 40, 12) // 10 body lines
	steps := []struct {
		key          string
		cursor, offs int
	}{
		{"j", 1, 0}, {"down", 2, 0}, {"k", 1, 0}, {"up", 0, 0}, {"up", 0, 0},
		{"pgdown", 10, 10}, {"ctrl+d", 15, 15}, {"ctrl+u", 10, 10}, {"pgup", 0, 0},
		{"G", 99, 90}, {"pgdown", 99, 90}, {"g", 0, 0},
	}
	for _, s := range steps {
		if !m.Update(press(s.key)) {
			t.Fatalf("%s not handled", s.key)
		}
		if m.Cursor() != s.cursor || m.Offset() != s.offs {
			t.Fatalf("after %s: cursor %d offset %d, want %d %d", s.key, m.Cursor(), m.Offset(), s.cursor, s.offs)
		}
	}
	if m.Update(press("x")) {
		t.Error("x handled")
	}
	for range 15 {
		m.Update(press("j"))
	}
	if m.Offset() != 6 {
		t.Errorf("window did not follow the cursor: offset %d", m.Offset())
	}
}

func TestStylerAsksOnlyVisibleCells(t *testing.T) {
	m := newTable(t, rows(10000), 60, 12)
	calls := 0
	m.SetStyler(func(st *theme.Styles) []lipgloss.Style { return []lipgloss.Style{st.SevHigh} },
		func(r Row, col int) int {
			calls++
			if col == 1 && r.Cell(1) == "HIGH" {
				return 0
			}
			return -1
		})
	v := m.View()
	if calls > 10*3 {
		t.Errorf("styler called %d times for 10 visible rows", calls)
	}
	if n := strings.Count(v, "HIGH"); n == 0 {
		t.Error("no HIGH cell drawn")
	}
	if strings.Count(ansi.Strip(v), "\n") != 11 {
		t.Error("wrong line count")
	}
	// The styled cell is still exactly its width.
	for i, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w != 60 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
}

func TestHeaderShowsSortDirection(t *testing.T) {
	m := newTable(t, rows(5), 40, 5)
	m.Update(m.SetQuery(Query{Sort: true, SortCol: 1, Desc: true})())
	head := ansi.Strip(strings.Split(m.View(), "\n")[0])
	if !strings.Contains(head, "Sev ▼") {
		t.Errorf("header = %q", head)
	}
	// A title as wide as its column gives way to the arrow.
	cols := slices.Clone(testCols)
	cols[1].Title = "Severity"
	m.SetColumns(cols)
	head = ansi.Strip(strings.Split(m.View(), "\n")[0])
	if !strings.Contains(head, "Severit▼") {
		t.Errorf("header = %q", head)
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000", 100000: "100,000"} {
		if got := Commas(n); got != want {
			t.Errorf("Commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPaintMatchesRender(t *testing.T) {
	st := theme.Default()
	for _, s := range []lipgloss.Style{st.SevCritical, st.Selected, st.Muted, lipgloss.NewStyle()} {
		if got, want := NewPaint(s).Render("HIGH"), s.Render("HIGH"); got != want {
			t.Errorf("Paint %q, Render %q", got, want)
		}
	}
	// A style that changes layout is rendered, not split.
	padded := st.Button
	if got, want := NewPaint(padded).Render("OK"), padded.Render("OK"); got != want {
		t.Errorf("padded: Paint %q, Render %q", got, want)
	}
}

func TestMiddleEllipsisKeepsBothEnds(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"payments-gateway-service", 13, "paym…-service"},
		{"short", 13, "short"},
		{"exactly-13-ch", 13, "exactly-13-ch"},
		{"漢字漢字漢字漢字", 9, "漢…字漢字"},
		{"abc", 1, "…"},
	} {
		got := MiddleEllipsis(c.in, c.w)
		if got != c.want || ansi.StringWidth(got) > c.w {
			t.Errorf("MiddleEllipsis(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

func TestShortenIsAskedForEveryVisibleCell(t *testing.T) {
	calls := 0
	cols := []Column{{Title: "Name", Width: 10, Shorten: func(s string, w int) string {
		calls++
		return MiddleEllipsis(s, w)
	}}}
	rows := []Row{row("a", "fits"), row("b", "a-long-name-that-is-cut")}
	m := New(nil, cols)
	m.SetData(NewData(cols, rows), Query{}, nil)
	m.SetSize(10, 5)
	v := m.View()
	if calls != 2 || !strings.Contains(v, "a-l…is-cut") || !strings.Contains(v, "fits") {
		t.Errorf("calls %d, view:\n%s", calls, v)
	}
}

// "filtered from" counts the rows a filter can reach: rows Keep hides are
// not filtered out by the user.
func TestPositionCountsOnlyReachableRows(t *testing.T) {
	m := newTable(t, rows(100), 40, 5)
	notLow := func(r Row) bool { return r.Cell(1) != "LOW" }
	m.SetData(m.Data(), Query{Keep: notLow}, nil)
	if p := m.Position(); p != "row 1 of 75" {
		t.Errorf("Position without a filter = %q, want no \"filtered from\"", p)
	}
	m.Update(m.SetQuery(Query{Keep: notLow, Filter: "HIGH"})())
	if p := m.Position(); p != "row 1 of 25 (filtered from 75)" {
		t.Errorf("Position with a filter = %q", p)
	}
}
