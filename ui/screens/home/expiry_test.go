package home

import (
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

func TestHomeShowsWhenWizDropsWhatWeSent(t *testing.T) {
	day := 24 * time.Hour
	held := []ledger.DataSource{
		{ID: "semgrep:github.com/acme/api", RepoName: "acme/api", Count: 5, LastSentAt: t0.Add(-5*day - time.Hour)},
		{ID: "semgrep:github.com/acme/web", RepoName: "acme/web", Count: 5, LastSentAt: t0.Add(-time.Hour)},
	}
	f := fakeWith(configured(lastRun("success", time.Hour), 0), nil)
	f.StatusFn = func() (status.Report, error) { return status.Compute(held, nil, t0, 0), nil }
	m := loaded(t, f, 100, 30)
	v := uitest.Plain(m.View())
	for _, want := range []string{"Expiry", "2 data sources: 1 expiring, 1 fresh", "acme/api: Wiz drops it in 47 hours unless re-sent"} {
		if !strings.Contains(v, want) {
			t.Errorf("home lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "acme/web:") {
		t.Errorf("a fresh data source got a sentence:\n%s", v)
	}
	if !strings.Contains(v, "press 4 to sync") {
		t.Errorf("an expiring data source did not make syncing the next step:\n%s", v)
	}
	if f.Count("Status") != 1 {
		t.Fatalf("Status called %d times", f.Count("Status"))
	}

	// All fresh: one line, when the next refresh is due.
	held[0].LastSentAt = t0.Add(-2 * time.Hour)
	m = loaded(t, f, 100, 30)
	if v := uitest.Plain(m.View()); !strings.Contains(v, "2 data sources: 2 fresh; the next refresh is due in 22 hours") || strings.Contains(v, "Wiz drops it") || !strings.Contains(v, "press 3 to preview") {
		t.Fatalf("all fresh:\n%s", v)
	}
}
