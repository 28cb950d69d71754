package store

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
)

var rules = []string{
	"python.django.security.injection.sql.sql-injection-using-raw",
	"go.lang.security.audit.crypto.use_of_weak_crypto",
	"javascript.express.security.audit.xss.mustache.explicit-unescape",
	"python.lang.best-practice.open-never-closed",
	"noDots",
}

// randomStore fills a store the way a stream does: repositories
// announced, pages interleaved, each repository done with its plan.
func randomStore(t testing.TB, r *rand.Rand, nRepos, perRepo int) *Store {
	t.Helper()
	s := New()
	var repos []*pipeline.Repo
	for i := range nRepos {
		owner := "acme/"
		if r.IntN(20) == 0 {
			owner = "Other/"
		}
		rp := &pipeline.Repo{Name: fmt.Sprintf("%sservice-%02d", owner, i), DataSourceID: fmt.Sprintf("ds-%d", i), Branch: []string{"main", "master", "Dev"}[r.IntN(3)], InScope: r.IntN(8) != 0}
		if !rp.InScope {
			rp.Reason = "no recent full scan: none in 30 days"
		}
		if r.IntN(10) == 0 {
			rp.FetchErr = errors.New("reading findings: 502")
		}
		repos = append(repos, rp)
		s.Repo(rp)
	}
	left := map[int][]pipeline.PreviewRow{}
	for i, rp := range repos {
		for k := range perRepo {
			f := &finding.Finding{RuleID: rules[r.IntN(len(rules))], Severity: finding.Severity(r.IntN(5)),
				Path: fmt.Sprintf("app/mod_%d/Views.py", r.IntN(7)), StartLine: r.IntN(300), Message: "msg " + fmt.Sprint(r.IntN(3))}
			f.RuleName = f.RuleID
			if r.IntN(3) == 0 {
				f.CWEs = []string{"CWE-89"}
			}
			if r.IntN(5) == 0 {
				f.Branch = "feature/x"
			}
			row := pipeline.PreviewRow{Finding: f}
			switch {
			case !rp.InScope || r.IntN(4) == 0:
				row.State, row.Reason = pipeline.RowExcluded, []string{"severity: low", "status: ignored", "branch: not the default"}[r.IntN(3)]
			default:
				row.State = pipeline.RowState(r.IntN(2))
				switch r.IntN(3) {
				case 0:
					row.WizID = fmt.Sprintf("sg-%032x", r.Uint64())
				case 1:
					row.WizID = fmt.Sprintf("sg-%032x@feature/X%d", r.Uint64(), k%2)
				default:
					row.WizID = fmt.Sprintf("sg-short%d", k)
				}
			}
			left[i] = append(left[i], row)
		}
	}
	// interleave pages of 7 rows
	for len(left) > 0 {
		for i, rows := range left {
			n := min(len(rows), 1+r.IntN(7))
			page := slices.Clone(rows[:n])
			s.Rows(repos[i], page)
			for j := range page {
				page[j].Finding.Path = "clobbered" // the sink must have copied
			}
			if left[i] = rows[n:]; len(left[i]) == 0 {
				delete(left, i)
				sp := &pipeline.SourcePlan{DataSourceID: repos[i].DataSourceID, Name: repos[i].Name, Branch: repos[i].Branch, Action: pipeline.ActionSend}
				switch {
				case !repos[i].InScope:
					sp = nil
				case repos[i].FetchErr != nil:
					sp.Action, sp.Reason = pipeline.ActionSkipFailed, "could not be read"
				case r.IntN(5) == 0:
					sp.Action, sp.Reason = pipeline.ActionSkipGuard, "mass-resolve guard: 80% would be marked fixed"
				}
				if sp != nil && r.IntN(2) == 0 {
					sp.Fixed = []string{fmt.Sprintf("sg-%032x", r.Uint64()), "sg-odd" + fmt.Sprint(i)}
				}
				s.Done(repos[i], sp)
			}
		}
	}
	s.Done(nil, &pipeline.SourcePlan{DataSourceID: "ds-left", Name: "acme/old", Branch: "master", Action: pipeline.ActionSendEmpty, Fixed: []string{"sg-aa11"}})
	return s
}

// naive is the reference: every row's text built in full, as the table
// used to cache it.
func naive(s *Snap, q Query) (perm []int, reach int) {
	order := make([]int, s.Len())
	for i := range order {
		order[i] = i
	}
	kind := func(i int) int {
		st := s.rows[i].state
		switch {
		case st == StateExcluded:
			return 2
		case st == StateFixed:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(s.rows[a].repo, s.rows[b].repo), cmp.Compare(kind(a), kind(b)))
	})
	terms := strings.Fields(strings.ToLower(vtable.Clean(q.Text)))
	for _, i := range order {
		st, _ := s.State(i)
		if !q.ShowExcluded && st == StateExcluded {
			continue
		}
		reach++
		var fields []string
		for c := range NumCols {
			fields = append(fields, strings.ToLower(vtable.Clean(s.Cell(i, c))))
		}
		fields = append(fields, strings.ToLower(vtable.Clean(s.SearchText(i))))
		hay := strings.Join(fields, "\x00")
		ok := true
		for _, t := range terms {
			ok = ok && strings.Contains(hay, t)
		}
		if ok {
			perm = append(perm, i)
		}
	}
	if q.SortCol < 0 {
		return perm, reach
	}
	sevRank := func(i int) int {
		if sev, ok := s.Severity(i); ok {
			return int(sev)
		}
		return -1
	}
	c := func(a, b int) int {
		switch q.SortCol {
		case ColSeverity:
			return cmp.Compare(sevRank(b), sevRank(a))
		case ColFile:
			fa, fb := !s.HasFinding(a), !s.HasFinding(b)
			switch {
			case fa && fb:
				return 0
			case fa:
				return 1
			case fb:
				return -1
			}
			return cmp.Or(strings.Compare(s.Path(a), s.Path(b)), cmp.Compare(s.Line(a), s.Line(b)))
		case ColState:
			sa, ia := s.State(a)
			sb, ib := s.State(b)
			return cmp.Or(cmp.Compare(sa, sb), cmp.Compare(ia, ib), strings.Compare(s.Reason(a), s.Reason(b)))
		}
		return strings.Compare(vtable.Clean(s.Cell(a, q.SortCol)), vtable.Clean(s.Cell(b, q.SortCol)))
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		if q.Desc {
			return c(b, a)
		}
		return c(a, b)
	})
	return perm, reach
}

func TestViewMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	s := randomStore(t, r, 30, 40)
	snap := s.Snap()
	if snap.Len() < 1000 {
		t.Fatalf("only %d rows", snap.Len())
	}
	words := []string{"", "new", "held", "sg-", ":1", "1", "id", "—", "excluded", "acme/", "views", "VIEWS.PY:2", "feature/x", "high sql",
		"will", "unchanged", "main", "cwe-89", "mass", "@feature/x1", "low", "s", "noDots", "other/service", "zzz", "✗", "!", "=", "+"}
	for range 40 {
		// a piece of a random row's text
		i := r.IntN(snap.Len())
		txt := snap.Cell(i, r.IntN(NumCols)) + " " + snap.SearchText(i)
		if n := len(txt); n > 4 {
			a := r.IntN(n - 3)
			words = append(words, strings.ToValidUTF8(txt[a:a+1+r.IntN(min(8, n-a-1))], ""))
		}
	}
	for _, w := range words {
		for col := -1; col < NumCols; col++ {
			for _, q := range []Query{{Text: w, SortCol: col, ShowExcluded: true}, {Text: w, SortCol: col, Desc: true}} {
				got, reach, ok := snap.View(q, nil)
				want, wantReach := naive(snap, q)
				if !ok || reach != wantReach || !slices.Equal(got, want) {
					t.Fatalf("query %+v: %d rows (reach %d), want %d (reach %d)", q, len(got), reach, len(want), wantReach)
				}
			}
		}
	}
}

func TestSnapIsImmutable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := randomStore(t, r, 5, 10)
	snap := s.Snap()
	n, cells := snap.Len(), snap.Cell(0, ColFile)
	rp := &pipeline.Repo{Name: "acme/late", DataSourceID: "ds-late", InScope: true}
	s.Repo(rp)
	s.Rows(rp, []pipeline.PreviewRow{{Finding: &finding.Finding{RuleID: "x", Path: "p"}, WizID: "sg-1"}})
	if snap.Len() != n || snap.Cell(0, ColFile) != cells || len(snap.Repos()) != 6 {
		t.Fatalf("the snap changed: %d rows, %d repos", snap.Len(), len(snap.Repos()))
	}
	if s.Snap().Len() != n+1 {
		t.Fatal("the new snap misses the row")
	}
}

func TestHeldFlipsOnFinish(t *testing.T) {
	s := New()
	rp := &pipeline.Repo{Name: "acme/a", DataSourceID: "ds-a", Branch: "main", InScope: true}
	s.Repo(rp)
	s.Rows(rp, []pipeline.PreviewRow{{Finding: &finding.Finding{RuleID: "r", Path: "p", StartLine: 3}, WizID: "sg-1", State: pipeline.RowNew},
		{Finding: &finding.Finding{RuleID: "r", Path: "p"}, State: pipeline.RowExcluded, Reason: "severity: low"}})
	sp := &pipeline.SourcePlan{DataSourceID: "ds-a", Action: pipeline.ActionSend, Fixed: []string{"sg-2"}}
	s.Done(rp, sp)
	if tot := s.Snap().Totals(); tot.New != 1 || tot.Fixed != 1 || tot.Excluded != 1 || tot.Held != 0 {
		t.Fatalf("before: %+v", tot)
	}
	s.Finish(&pipeline.Plan{Sources: []*pipeline.SourcePlan{{DataSourceID: "ds-a", Action: pipeline.ActionSkipGuard, Reason: "tenant guard"}}})
	snap := s.Snap()
	if tot := snap.Totals(); tot.New != 0 || tot.Fixed != 0 || tot.Held != 2 || tot.Excluded != 1 {
		t.Fatalf("after: %+v", tot)
	}
	if st, inner := snap.State(0); st != StateHeld || inner != StateNew || snap.Reason(0) != "tenant guard" {
		t.Fatalf("row 0: %v %v %q", st, inner, snap.Reason(0))
	}
	if got := snap.Cell(0, ColState); got != "! held back (new)" {
		t.Fatalf("state cell %q", got)
	}
}

// rowBudget is the store's cost per row (rows, interned strings, per-rule
// records) at a million findings: the app must stay within 1 GiB.
const rowBudget = 150

func TestSizeAtOneMillionRows(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows")
	}
	const nRepos, perRepo = 2000, 500
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := fillScale(nRepos, perRepo)
	runtime.GC()
	runtime.ReadMemStats(&after)
	snap := s.Snap()
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(snap.Len())
	t.Logf("%d rows: %.1f bytes per row (%.0f MiB)", snap.Len(), per, float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))
	if snap.Len() != nRepos*perRepo {
		t.Fatalf("%d rows", snap.Len())
	}
	if per > rowBudget {
		t.Errorf("%.1f bytes per row, budget %d", per, rowBudget)
	}
	runtime.KeepAlive(s)
}

// fillScale is the scale demo's shape: 2,000 repositories, ids of the
// usual form, paths repeating within a repository, 300 rules.
func fillScale(nRepos, perRepo int) *Store {
	r := rand.New(rand.NewPCG(3, 4))
	s := New()
	repos := make([]*pipeline.Repo, nRepos)
	for i := range repos {
		repos[i] = &pipeline.Repo{Name: fmt.Sprintf("acme/service-%04d", i), DataSourceID: fmt.Sprintf("ds%06d", i), Branch: "main", InScope: true}
		s.Repo(repos[i])
	}
	page := make([]pipeline.PreviewRow, 100)
	fs := make([]finding.Finding, 100)
	for _, rp := range repos {
		for k := 0; k < perRepo; k += len(page) {
			for j := range page {
				rule := r.IntN(300)
				fs[j] = finding.Finding{RuleID: fmt.Sprintf("lang.security.audit.rule-%03d", rule), RuleName: fmt.Sprintf("lang.security.audit.rule-%03d", rule),
					Message: fmt.Sprintf("Message of rule %d, which explains the problem at some length.", rule),
					CWEs:    []string{fmt.Sprintf("CWE-%d", rule%40)}, Severity: finding.Severity(1 + r.IntN(4)),
					Path: fmt.Sprintf("src/module_%02d/handlers/file_%03d.go", r.IntN(20), r.IntN(60)), StartLine: 1 + r.IntN(800)}
				st := pipeline.RowNew
				if j%5 == 0 {
					st = pipeline.RowExcluded
				}
				page[j] = pipeline.PreviewRow{Finding: &fs[j], State: st}
				if st != pipeline.RowExcluded {
					page[j].WizID = fmt.Sprintf("sg-%016x%016x", r.Uint64(), r.Uint64())
				} else {
					page[j].Reason = "severity: low"
				}
			}
			s.Rows(rp, page)
		}
		s.Done(rp, &pipeline.SourcePlan{DataSourceID: rp.DataSourceID, Action: pipeline.ActionSend})
	}
	return s
}

func BenchmarkView1M(b *testing.B) {
	snap := fillScale(2000, 500).Snap()
	for _, q := range []Query{{SortCol: -1}, {Text: "handlers/file_01", SortCol: -1}, {SortCol: ColRule}, {Text: "sg-ab", SortCol: ColFile}} {
		b.Run(fmt.Sprintf("%q-col%d", q.Text, q.SortCol), func(b *testing.B) {
			for b.Loop() {
				snap.View(q, nil)
			}
		})
	}
}
