package vtable

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// The findings preview must stay instant at 100,000 rows: View and a
// cursor move well under a millisecond (a frame is 16 ms), filter and sort
// off the event loop.
const benchRows = 100_000

var benchCols = []Column{
	{Title: "Repository", Flex: 3, Min: 8},
	{Title: "Branch", Flex: 1, Min: 6},
	{Title: "Severity", Width: 8},
	{Title: "Rule", Flex: 4, Min: 8},
	{Title: "File:line", Flex: 4, Min: 8},
	{Title: "CWE", Width: 8},
	{Title: "State", Flex: 2, Min: 8},
}

func benchData() []Row {
	sev := []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}
	rules := []string{
		"python.django.security.injection.sql.sql-injection-using-raw",
		"javascript.express.security.audit.xss.mustache.explicit-unescape",
		"go.lang.security.audit.crypto.use_of_weak_crypto",
		"java.lang.security.audit.formatted-sql-string",
		"ruby.rails.security.audit.xss.avoid-html-safe",
	}
	states := []string{"+ new", "= unchanged", "✓ will be fixed", "✗ excluded: severity"}
	out := make([]Row, benchRows)
	for i := range out {
		out[i] = row(fmt.Sprintf("f%06d", i),
			fmt.Sprintf("acme/service-%03d", i%400), "main", sev[i%4], rules[i%len(rules)],
			fmt.Sprintf("src/pkg%02d/handler_%d.go:%d", i%50, i%997, 10+i%900), fmt.Sprintf("CWE-%d", 20+i%80), states[i%4])
	}
	return out
}

func benchTable(b *testing.B) *Model {
	b.Helper()
	st := theme.Default()
	m := New(&st, benchCols)
	m.SetSize(120, 38)
	m.SetStyler(func(st *theme.Styles) []lipgloss.Style {
		return []lipgloss.Style{st.SevCritical, st.SevHigh, st.SevMedium, st.SevLow}
	}, func(r Row, col int) int {
		if col != 2 {
			return -1
		}
		switch r.Cell(2)[0] {
		case 'C':
			return 0
		case 'H':
			return 1
		case 'M':
			return 2
		}
		return 3
	})
	m.SetData(NewData(benchCols, benchData()), Query{}, nil)
	m.SetCursor(benchRows / 2)
	return m
}

func BenchmarkView(b *testing.B) {
	m := benchTable(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func BenchmarkCursorDown(b *testing.B) {
	m := benchTable(b)
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	b.ReportAllocs()
	for b.Loop() {
		if m.Cursor() == m.Len()-1 {
			m.SetCursor(0)
		}
		m.Update(down)
		_ = m.View()
	}
}

func BenchmarkFilter(b *testing.B) {
	d := NewData(benchCols, benchData())
	q := Query{Filter: "sql-injection"}
	b.ReportAllocs()
	for b.Loop() {
		if len(d.Compute(q)) != benchRows/5 {
			b.Fatal("wrong match count")
		}
	}
}

func BenchmarkSort(b *testing.B) {
	d := NewData(benchCols, benchData())
	q := Query{Sort: true, SortCol: 4} // file:line, a string column with many distinct values
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Compute(q)
	}
}
