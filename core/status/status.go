// Package status says, per data source, what Wiz holds from us and when
// Wiz will drop it: Wiz removes findings not refreshed within 7 days, so a
// sync that quietly stopped turns into findings vanishing a week later.
// The `status` command, watch's /status and metrics, and the home and
// history screens all read the same Report.
package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

// State is a data source's standing with Wiz.
type State string

const (
	// Fresh: sent within the refresh interval.
	Fresh State = "fresh"
	// Due: the daily refresh is due (last success longer ago than the
	// refresh interval) but Wiz keeps it for more than ExpiringWithin.
	Due State = "due"
	// Expiring: Wiz drops it within ExpiringWithin unless it is re-sent.
	Expiring State = "expiring"
	// Expired: Wiz has dropped it (its last success is older than Retention).
	Expired State = "expired"
	// Never: uploads carried it, but Wiz never reported a success for one.
	Never State = "never"
)

const (
	// Retention is how long Wiz keeps findings that are not refreshed.
	Retention = 7 * 24 * time.Hour
	// ExpiringWithin is how close to the drop a data source counts as
	// expiring: two days leave time to notice and act.
	ExpiringWithin = 48 * time.Hour
	// DefaultRefreshAfter is watch's default refresh interval (Wiz
	// recommends one upload a day).
	DefaultRefreshAfter = 24 * time.Hour
)

// DataSource is one data source's facts.
type DataSource struct {
	ID         string
	Repository string
	// LastSuccess is when Wiz last reported SUCCESS for an upload that
	// carried it (zero for Never).
	LastSuccess time.Time
	// Findings is how many findings Wiz holds from us for it.
	Findings int
	// ExpiresAt is LastSuccess + Retention (zero for Never).
	ExpiresAt time.Time
	State     State
	// FromFile: last sent from a --from file, so watch does not refresh it
	// (the CI job that sent it must).
	FromFile bool
}

// Report is the state of every data source at one instant.
type Report struct {
	Now          time.Time
	RefreshAfter time.Duration
	DataSources  []DataSource
}

// Options of Read.
type Options struct {
	// Now is the clock (tests control it); nil means time.Now.
	Now func() time.Time
	// RefreshAfter is when a data source is due again (watch's
	// refresh_after); zero means DefaultRefreshAfter.
	RefreshAfter time.Duration
}

// Read builds the report from the ledger: the data sources Wiz holds from
// us, and those uploads carried that Wiz never accepted.
func Read(ctx context.Context, l *ledger.Ledger, o Options) (Report, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	held, err := l.DataSources(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("reading the data sources: %w", err)
	}
	never, err := l.NeverAccepted(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("reading the data sources: %w", err)
	}
	return Compute(held, never, now(), o.RefreshAfter), nil
}

// Compute is Read on given ledger rows: held are the data sources with a
// recorded Wiz success, never the ids of data sources uploads carried
// without one. Sources are sorted by repository, then id.
func Compute(held []ledger.DataSource, never []string, now time.Time, refreshAfter time.Duration) Report {
	if refreshAfter <= 0 {
		refreshAfter = DefaultRefreshAfter
	}
	r := Report{Now: now, RefreshAfter: refreshAfter, DataSources: []DataSource{}}
	known := map[string]bool{}
	for _, d := range held {
		if d.LastSentAt.IsZero() {
			continue // not written by CommitSent; listed with never if uploads carried it
		}
		known[d.ID] = true
		repo := d.RepoName
		if repo == "" {
			repo = RepositoryFromID(d.ID)
		}
		ds := DataSource{ID: d.ID, Repository: repo, LastSuccess: d.LastSentAt.UTC(), Findings: d.Count,
			ExpiresAt: d.LastSentAt.Add(Retention).UTC(), FromFile: d.FromFile}
		ds.State = stateOf(ds, now, refreshAfter)
		if ds.Findings == 0 && !now.Before(ds.ExpiresAt) {
			// Wiz has dropped an empty data source: nothing of ours is
			// left there to lose, and nothing to report.
			continue
		}
		r.DataSources = append(r.DataSources, ds)
	}
	for _, id := range never {
		if known[id] {
			continue
		}
		known[id] = true
		r.DataSources = append(r.DataSources, DataSource{ID: id, Repository: RepositoryFromID(id), State: Never})
	}
	slices.SortFunc(r.DataSources, func(a, b DataSource) int {
		if c := strings.Compare(a.Repository, b.Repository); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return r
}

// stateOf applies the rules in order of urgency. A data source holding no
// findings has nothing Wiz could drop: it is never expiring or expired
// (a repository that left the selection is sent empty once and then no
// more, and must not alarm forever).
func stateOf(d DataSource, now time.Time, refreshAfter time.Duration) State {
	left := d.ExpiresAt.Sub(now)
	switch {
	case d.Findings > 0 && left <= 0:
		return Expired
	case d.Findings > 0 && left <= ExpiringWithin:
		return Expiring
	case now.Sub(d.LastSuccess) >= refreshAfter:
		return Due
	}
	return Fresh
}

// Alarm reports whether any data source is expiring or expired: `status`
// then exits 1 and /status answers 503.
func (r Report) Alarm() bool {
	return r.Count(Expiring)+r.Count(Expired) > 0
}

// Count is how many data sources are in state s.
func (r Report) Count(s State) int {
	n := 0
	for _, d := range r.DataSources {
		if d.State == s {
			n++
		}
	}
	return n
}

// Findings is the total Wiz holds from us.
func (r Report) Findings() int {
	n := 0
	for _, d := range r.DataSources {
		n += d.Findings
	}
	return n
}

// NextRefresh is when the earliest data source watch keeps fresh becomes
// due (zero when there is none): data sources sent from files are
// refreshed by whoever sent them, and empty ones have nothing to lose.
func (r Report) NextRefresh() time.Time {
	var next time.Time
	for _, d := range r.DataSources {
		if d.State == Never || d.FromFile || d.Findings == 0 {
			continue
		}
		t := d.LastSuccess.Add(r.RefreshAfter)
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

// NeedsRefresh reports whether watch should re-send d now: its refresh is
// due and Wiz holds findings from us that would otherwise expire.
func NeedsRefresh(d ledger.DataSource, now time.Time, refreshAfter time.Duration) bool {
	return d.Count > 0 && !d.FromFile && !d.LastSentAt.IsZero() && now.Sub(d.LastSentAt) >= refreshAfter
}

// Sentence says what matters about a data source in words, for example
// "acme/api: Wiz drops it in 2 days unless re-sent".
func (d DataSource) Sentence(now time.Time) string {
	switch d.State {
	case Never:
		return d.Repository + ": Wiz never accepted an upload of it; nothing of it is in Wiz yet"
	case Expired:
		return d.Repository + ": Wiz dropped it " + Ago(now, d.ExpiresAt) + " (last sent " + Ago(now, d.LastSuccess) + "); sync to send it again"
	case Expiring:
		return d.Repository + ": Wiz drops it " + In(now, d.ExpiresAt) + " unless re-sent"
	}
	if d.Findings == 0 {
		return d.Repository + ": sent " + Ago(now, d.LastSuccess) + " with no findings; nothing to lose"
	}
	if d.State == Due {
		return d.Repository + ": last sent " + Ago(now, d.LastSuccess) + "; the daily refresh is due (Wiz drops it " + In(now, d.ExpiresAt) + " unless re-sent)"
	}
	return d.Repository + ": sent " + Ago(now, d.LastSuccess) + "; Wiz keeps it until " + d.ExpiresAt.Format("2006-01-02 15:04") + " UTC"
}

// Summary is one line about the whole report, for the home screen and
// the end of `status`.
func (r Report) Summary() string {
	n := len(r.DataSources)
	if n == 0 {
		return "Wiz holds nothing from us yet"
	}
	var parts []string
	for _, s := range []State{Expired, Expiring, Never, Due, Fresh} {
		if c := r.Count(s); c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, s))
		}
	}
	head := plural(n, "data source", "data sources") + ": " + strings.Join(parts, ", ")
	if r.Alarm() {
		return head + " — re-send before Wiz drops them"
	}
	if t := r.NextRefresh(); !t.IsZero() && t.After(r.Now) {
		return head + "; the next refresh is due " + In(r.Now, t)
	}
	return head
}

// Attention lists the data sources a person should act on, most urgent
// first: expired, expiring, never accepted, then due (an empty data source
// has nothing to lose and needs no one).
func (r Report) Attention() []DataSource {
	var out []DataSource
	for _, s := range []State{Expired, Expiring, Never, Due} {
		for _, d := range r.DataSources {
			if d.State == s && (s == Never || d.Findings > 0) {
				out = append(out, d)
			}
		}
	}
	return out
}

// RepositoryFromID recovers a readable repository name from a data source
// id ("semgrep:github.com/acme/api" or "semgrep:<deployment>/acme/api"):
// the first path element (host or deployment) is dropped.
func RepositoryFromID(id string) string {
	s := strings.TrimPrefix(id, "semgrep:")
	if _, rest, ok := strings.Cut(s, "/"); ok && rest != "" {
		return rest
	}
	return s
}

// In is a future instant in words, rounded down so it never promises more
// time than there is: "in 2 days", "in 5 hours", "in 12 minutes" (hours below two days, so "47 hours" is not read as "1 day").
func In(now, t time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return "now"
	}
	return "in " + span(d)
}

// Ago is a past instant in words: "3 days ago", "5 hours ago".
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < time.Minute {
		return "just now"
	}
	return span(d) + " ago"
}

func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return plural(int(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return "less than a minute"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Document is the `status --json` document (also watch's /status).
type Document struct {
	DataSources []DocumentSource `json:"data_sources"`
}

// DocumentSource is one data source in Document. Times are RFC 3339 in
// UTC; both are null for a data source Wiz never accepted.
type DocumentSource struct {
	ID          string  `json:"id"`
	Repository  string  `json:"repository"`
	LastSuccess *string `json:"last_success"`
	Findings    int     `json:"findings"`
	ExpiresAt   *string `json:"expires_at"`
	State       State   `json:"state"`
}

// Document is the report as `status --json` prints it.
func (r Report) Document() Document {
	doc := Document{DataSources: make([]DocumentSource, 0, len(r.DataSources))}
	stamp := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	for _, d := range r.DataSources {
		doc.DataSources = append(doc.DataSources, DocumentSource{ID: d.ID, Repository: d.Repository,
			LastSuccess: stamp(d.LastSuccess), Findings: d.Findings, ExpiresAt: stamp(d.ExpiresAt), State: d.State})
	}
	return doc
}
