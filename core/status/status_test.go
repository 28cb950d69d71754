package status

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func src(id, repo string, count int, age time.Duration) ledger.DataSource {
	return ledger.DataSource{ID: id, RepoName: repo, Count: count, LastSentAt: now.Add(-age)}
}

func byRepo(r Report) map[string]DataSource {
	out := map[string]DataSource{}
	for _, d := range r.DataSources {
		out[d.Repository] = d
	}
	return out
}

func TestEveryState(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		name  string
		count int
		age   time.Duration
		want  State
	}{
		{"fresh", 5, 2 * time.Hour, Fresh},
		{"just under the refresh", 5, day - time.Second, Fresh},
		{"due at the refresh", 5, day, Due},
		{"due", 5, 4 * day, Due},
		{"due until 48h before the drop", 5, 5*day - time.Second, Due},
		{"expiring at 48h", 5, 5 * day, Expiring},
		{"expiring", 5, 6 * day, Expiring},
		{"expired at 7 days", 5, 7 * day, Expired},
		{"expired", 5, 30 * day, Expired},
		{"empty and old has nothing to lose", 0, 6 * day, Due},
		{"empty and fresh", 0, time.Hour, Fresh},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Compute([]ledger.DataSource{src("semgrep:github.com/acme/api", "acme/api", c.count, c.age)}, nil, now, 0)
			if len(r.DataSources) != 1 {
				t.Fatalf("%d data sources", len(r.DataSources))
			}
			d := r.DataSources[0]
			if d.State != c.want {
				t.Fatalf("state %s, want %s", d.State, c.want)
			}
			if !d.ExpiresAt.Equal(now.Add(-c.age).Add(7 * day)) {
				t.Fatalf("expires %s", d.ExpiresAt)
			}
			if alarm := c.want == Expiring || c.want == Expired; r.Alarm() != alarm {
				t.Fatalf("Alarm() = %v for %s", r.Alarm(), c.want)
			}
		})
	}
}

func TestRefreshAfterDecidesDue(t *testing.T) {
	d := []ledger.DataSource{src("semgrep:h/acme/api", "acme/api", 1, 30*time.Hour)}
	if s := Compute(d, nil, now, 48*time.Hour).DataSources[0].State; s != Fresh {
		t.Fatalf("with refresh_after 48h: %s, want fresh", s)
	}
	if s := Compute(d, nil, now, 0).DataSources[0].State; s != Due {
		t.Fatalf("with the default 24h: %s, want due", s)
	}
}

func TestNeverAndEmptyExpired(t *testing.T) {
	held := []ledger.DataSource{
		src("semgrep:github.com/acme/api", "acme/api", 3, time.Hour),
		src("semgrep:github.com/acme/gone", "acme/gone", 0, 8*24*time.Hour), // left the selection, sent empty, dropped
	}
	r := Compute(held, []string{"semgrep:github.com/acme/new", "semgrep:github.com/acme/api"}, now, 0)
	got := byRepo(r)
	if len(got) != 2 {
		t.Fatalf("data sources %v", r.DataSources)
	}
	if got["acme/api"].State != Fresh {
		t.Fatalf("a source both accepted and in a failed upload: %s", got["acme/api"].State)
	}
	n := got["acme/new"]
	if n.State != Never || !n.LastSuccess.IsZero() || !n.ExpiresAt.IsZero() || n.ID != "semgrep:github.com/acme/new" {
		t.Fatalf("never: %+v", n)
	}
	if r.Alarm() {
		t.Fatal("never alone raised the alarm")
	}
}

func TestDocumentShape(t *testing.T) {
	held := []ledger.DataSource{src("semgrep:github.com/acme/api", "acme/api", 3, 6*24*time.Hour)}
	r := Compute(held, []string{"semgrep:github.com/acme/new"}, now, 0)
	b, err := json.Marshal(r.Document())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data_sources":[` +
		`{"id":"semgrep:github.com/acme/api","repository":"acme/api","last_success":"2026-11-30T12:00:00Z","findings":3,"expires_at":"2026-12-07T12:00:00Z","state":"expiring"},` +
		`{"id":"semgrep:github.com/acme/new","repository":"acme/new","last_success":null,"findings":0,"expires_at":null,"state":"never"}]}`
	if string(b) != want {
		t.Fatalf("document\n got %s\nwant %s", b, want)
	}
	empty, _ := json.Marshal(Compute(nil, nil, now, 0).Document())
	if string(empty) != `{"data_sources":[]}` {
		t.Fatalf("empty document %s", empty)
	}
}

func TestSentences(t *testing.T) {
	held := []ledger.DataSource{
		src("a", "acme/expiring", 3, 5*24*time.Hour),
		src("b", "acme/expired", 3, 10*24*time.Hour),
		src("c", "acme/due", 3, 3*24*time.Hour),
		src("d", "acme/fresh", 3, time.Hour),
	}
	r := Compute(held, []string{"semgrep:h/acme/never"}, now, 0)
	got := byRepo(r)
	for repo, want := range map[string]string{
		"acme/expiring": "acme/expiring: Wiz drops it in 2 days unless re-sent",
		"acme/expired":  "acme/expired: Wiz dropped it 3 days ago (last sent 10 days ago); sync to send it again",
		"acme/due":      "acme/due: last sent 3 days ago; the daily refresh is due (Wiz drops it in 4 days unless re-sent)",
		"acme/fresh":    "acme/fresh: sent 1 hour ago; Wiz keeps it until 2026-12-13 11:00 UTC",
		"acme/never":    "acme/never: Wiz never accepted an upload of it; nothing of it is in Wiz yet",
	} {
		if s := got[repo].Sentence(now); s != want {
			t.Errorf("%s:\n got %q\nwant %q", repo, s, want)
		}
	}
	att := r.Attention()
	var order []string
	for _, d := range att {
		order = append(order, string(d.State))
	}
	if strings.Join(order, ",") != "expired,expiring,never,due" {
		t.Fatalf("attention order %v", order)
	}
	if s := r.Summary(); s != "5 data sources: 1 expired, 1 expiring, 1 never, 1 due, 1 fresh — re-send before Wiz drops them" {
		t.Fatalf("summary %q", s)
	}
}

func TestNextRefreshAndNeedsRefresh(t *testing.T) {
	held := []ledger.DataSource{
		src("a", "acme/a", 3, 20*time.Hour),
		src("b", "acme/b", 3, 2*time.Hour),
		src("c", "acme/c", 0, 23*time.Hour), // empty: nothing to refresh for
	}
	file := src("f", "acme/f", 3, 23*time.Hour)
	file.FromFile = true // refreshed by the CI job that sent it
	held = append(held, file)
	r := Compute(held, nil, now, 0)
	if want := now.Add(4 * time.Hour); !r.NextRefresh().Equal(want) {
		t.Fatalf("next refresh %s, want %s", r.NextRefresh(), want)
	}
	if s := r.Summary(); s != "4 data sources: 4 fresh; the next refresh is due in 4 hours" {
		t.Fatalf("summary %q", s)
	}
	day := 24 * time.Hour
	for _, c := range []struct {
		d    ledger.DataSource
		want bool
	}{
		{src("a", "", 3, day), true},
		{src("a", "", 3, day-time.Minute), false},
		{src("a", "", 0, 3*day), false},
		{file, false},
	} {
		if got := NeedsRefresh(c.d, now, day); got != c.want {
			t.Errorf("NeedsRefresh(%+v) = %v, want %v", c.d, got, c.want)
		}
	}
}

func TestReadFromLedger(t *testing.T) {
	ctx := context.Background()
	l, err := ledger.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.StartRun(ctx, ledger.Run{ID: "r1", StartedAt: now}); err != nil {
		t.Fatal(err)
	}
	up, err := l.AddUpload(ctx, ledger.Upload{RunID: "r1", DataSources: []string{"semgrep:github.com/acme/api", "semgrep:github.com/acme/web"}})
	if err != nil {
		t.Fatal(err)
	}
	sent := now.Add(-6 * 24 * time.Hour)
	if err := l.CommitSent(ctx, up, []ledger.SentSet{{Source: ledger.DataSource{ID: "semgrep:github.com/acme/api", RepoName: "acme/api", LastSentAt: sent},
		FindingIDs: []string{"x", "y"}}}); err != nil {
		t.Fatal(err)
	}
	clock := now
	r, err := Read(ctx, l, Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	got := byRepo(r)
	if a := got["acme/api"]; a.State != Expiring || a.Findings != 2 || !a.LastSuccess.Equal(sent) {
		t.Fatalf("acme/api %+v", a)
	}
	if w := got["acme/web"]; w.State != Never {
		t.Fatalf("acme/web %+v", w)
	}
	clock = now.Add(2 * 24 * time.Hour)
	if r, _ = Read(ctx, l, Options{Now: func() time.Time { return clock }}); byRepo(r)["acme/api"].State != Expired {
		t.Fatalf("two days later: %+v", r.DataSources)
	}
}

func TestWords(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{71 * time.Hour, "in 2 days"}, {47 * time.Hour, "in 47 hours"}, {90 * time.Minute, "in 1 hour"}, {59 * time.Minute, "in 59 minutes"},
		{30 * time.Second, "in less than a minute"}, {-time.Hour, "now"},
	} {
		if got := In(now, now.Add(c.d)); got != c.want {
			t.Errorf("In(%s) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := RepositoryFromID("semgrep:github.com/acme/api"); got != "acme/api" {
		t.Fatal(got)
	}
	if got := RepositoryFromID("semgrep:acme-corp/payments"); got != "payments" {
		t.Fatal(got)
	}
}
