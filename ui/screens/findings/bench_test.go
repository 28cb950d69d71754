package findings

import (
	"context"
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/findings/store"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// bigPreview is 100,000 findings over 200 repositories, a fifth of them
// excluded, planned against an empty ledger.
func bigPreview(b *testing.B) *common.Preview {
	b.Helper()
	col := &pipeline.Collection{Deployment: deployment}
	for r := range 200 {
		rp := repo(fmt.Sprintf("acme/service-%03d", r))
		sr := &pipeline.Repo{Repo: rp, Name: rp.Name, URL: rp.URL, DataSourceID: finding.DataSourceID(rp), Branch: "main", InScope: true}
		for i := range 500 {
			f := fnd(rp, fmt.Sprintf("sg-%03d%07d", r, i), "python.django.security.injection.sql.sql-injection-using-raw", "high",
				fmt.Sprintf("app/module_%d/views.py", i%37), 10+i, []string{"CWE-89"}, nil, "Detected user input used to construct a SQL string.")
			if i%5 == 0 {
				sr.Excluded = append(sr.Excluded, excluded(f, "severity", "low"))
			} else {
				sr.Sent = append(sr.Sent, f)
			}
		}
		col.Repos = append(col.Repos, sr)
	}
	plan, err := pipeline.BuildPlan(context.Background(), col, nil, pipeline.PlanOptions{Guards: pipeline.DefaultGuards()})
	if err != nil {
		b.Fatal(err)
	}
	return &common.Preview{Collection: col, Plan: plan}
}

func bigModel(b *testing.B) *Model {
	b.Helper()
	p := bigPreview(b)
	m := New(uitest.Common(&uitest.Fake{PreviewFn: func(bool) (*common.Preview, error) { return p, nil }}))
	m.SetSize(120, 38)
	drive(b, m, m.Init())
	if m.table.Total() != 100_000 {
		b.Fatalf("%d rows", m.table.Total())
	}
	m.table.SetCursor(40_000)
	return m
}

// The screen's own cost per key at 100,000 findings: a cursor move with
// its frame, detail pane closed and open.
func BenchmarkScreenCursorDown(b *testing.B) {
	m := bigModel(b)
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	b.ReportAllocs()
	for b.Loop() {
		m.Update(down)
		_ = m.View()
	}
}

func BenchmarkScreenCursorDownDetail(b *testing.B) {
	m := bigModel(b)
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	b.ReportAllocs()
	for b.Loop() {
		m.Update(down)
		_ = m.View()
	}
}

// Filling the row store from a stream of 100,000 findings and computing
// the first view (off the event loop).
func BenchmarkScreenPrepare100k(b *testing.B) {
	p := bigPreview(b)
	b.ReportAllocs()
	for b.Loop() {
		st := store.New()
		if err := pipeline.ReplayPreview(context.Background(), p.Collection, p.Plan, st); err != nil {
			b.Fatal(err)
		}
		st.Snap().View(store.Query{SortCol: -1}, nil)
	}
}
