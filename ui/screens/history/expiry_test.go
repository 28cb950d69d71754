package history

import (
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

func TestHistoryShowsWhenWizDropsWhatWeSent(t *testing.T) {
	now := uitest.Fixed
	day := 24 * time.Hour
	held := []ledger.DataSource{
		{ID: "semgrep:github.com/acme/api", RepoName: "acme/api", Count: 5, LastSentAt: now.Add(-8 * day)},
		{ID: "semgrep:github.com/acme/web", RepoName: "acme/web", Count: 5, LastSentAt: now.Add(-5*day - time.Hour)},
	}
	f := fake()
	f.StatusFn = func() (status.Report, error) { return status.Compute(held, nil, now, 0), nil }
	const w, h = 140, 20
	m := loaded(t, f, "", w, h)
	v := m.View()
	checkSize(t, v, w, h)
	if p := uitest.Plain(v); !strings.Contains(p, "In Wiz: acme/api: Wiz dropped it 24 hours ago") || !strings.Contains(p, "(+1 more: semgrep-wiz status)") {
		t.Fatalf("history lacks the expiry line:\n%s", p)
	}
	held = held[1:]
	held[0].LastSentAt = now.Add(-time.Hour)
	m = loaded(t, f, "", w, h)
	if p := uitest.Plain(m.View()); !strings.Contains(p, "In Wiz: 1 data source: 1 fresh") {
		t.Fatalf("history, all fresh:\n%s", p)
	}
}
