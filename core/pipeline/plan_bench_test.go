package pipeline

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

// BenchmarkPlan1MAcross2000 computes a plan for 2,000 repositories of 500
// findings each against a ledger that holds 1,000,000 sent ids: per data
// source 450 unchanged, 50 new, 50 to be marked fixed.
//
//	go test ./core/pipeline/ -run '^$' -bench Plan1M -benchtime 3x -benchmem
func BenchmarkPlan1MAcross2000(b *testing.B) {
	const sources, per = 2000, 500
	ctx := context.Background()
	dir := b.TempDir()
	l, err := ledger.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	col := &Collection{Deployment: "bench"}
	var sets []ledger.SentSet
	for s := 0; s < sources; s++ {
		repo := finding.Repository{Name: fmt.Sprintf("acme/repo-%04d", s), URL: fmt.Sprintf("https://github.com/acme/repo-%04d", s), Deployment: "bench"}
		ds := finding.DataSourceID(repo)
		held := make([]string, 0, per)
		r := &Repo{Repo: repo, Name: repo.Name, URL: repo.URL, DataSourceID: ds, Branch: "main", InScope: true}
		for i := 0; i < per; i++ {
			held = append(held, fmt.Sprintf("sg-%04d%028d", s, i))
		}
		for i := 50; i < per+50; i++ { // 450 unchanged, 50 new
			r.Sent = append(r.Sent, finding.Finding{ID: fmt.Sprintf("sg-%04d%028d", s, i), Branch: "main", IsDefaultBranch: true})
		}
		sets = append(sets, ledger.SentSet{Source: ledger.DataSource{ID: ds, RepoName: repo.Name, RepoURL: repo.URL, Deployment: "bench", Branch: "main"}, FindingIDs: held})
		col.Repos = append(col.Repos, r)
	}
	if err := l.StartRun(ctx, ledger.Run{ID: "bench", Trigger: "cli", Status: "running"}); err != nil {
		b.Fatal(err)
	}
	up, err := l.AddUpload(ctx, ledger.Upload{RunID: "bench", Delivered: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := l.CommitSent(ctx, up, sets); err != nil {
		b.Fatal(err)
	}
	sets = nil
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	var p *Plan
	for i := 0; i < b.N; i++ {
		p, err = BuildPlan(ctx, col, l, PlanOptions{Guards: Guards{MassResolveShare: 0.5, MassResolveMin: 20}, FullRun: true})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if p.New != sources*50 || p.Unchanged != sources*450 || p.Resolved != sources*50 {
		b.Fatalf("plan new %d unchanged %d resolved %d", p.New, p.Unchanged, p.Resolved)
	}
	// The fixture (1,000,000 findings held in memory) dwarfs the plan;
	// report both, so the plan's own footprint is visible.
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(before.HeapInuse)/(1<<20), "fixture-MiB")
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "plan-MiB")
	runtime.KeepAlive(p)
	if os.Getenv("BENCH_VERBOSE") != "" {
		b.Logf("held ids %d, plan sources %d", sources*per, len(p.Sources))
	}
}
