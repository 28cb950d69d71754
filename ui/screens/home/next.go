package home

import (
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// action is the next thing to do: "press <key> to <verb>", why, and where
// the key (and enter on the matching menu item) leads.
type action struct {
	key, verb, why string
	to             common.ScreenID
	arg            string
}

// staleAfter is when a last sync counts as old: Wiz recommends one upload
// a day and drops findings not refreshed within 7 days.
const staleAfter = 24 * time.Hour

// next picks the next action from the integration's state. HomeInfo does
// not record connection checks, so "never checked" is read as "never
// synced": a first sync is preceded by a check.
func next(info common.HomeInfo, now time.Time) action {
	if !info.Configured {
		return action{key: "s", verb: "set up the integration", to: common.Setup,
			why: "Nothing is configured yet: the wizard asks for the Wiz and Semgrep details and the policy."}
	}
	if e := info.Elsewhere; e != nil {
		return action{key: "4", verb: "follow it live", to: common.Sync,
			why: "A sync started elsewhere (" + textfmt.Elsewhere(e, now) + ") is running; a second one cannot start until it ends."}
	}
	r := info.LastRun
	if r == nil {
		return action{key: "2", verb: "check the connection", to: common.Check,
			why: "No sync has run yet. The check tests the credentials and permissions (u there adds the upload permission); then press 3 to preview what would be sent."}
	}
	switch r.Status {
	case ledger.StatusRunning:
		return action{key: "5", verb: "follow the running sync in History", to: common.History,
			why: "A sync (by " + textfmt.OrDash(r.Trigger) + ") started " + textfmt.Ago(now, r.StartedAt) + " and has not finished."}
	case "failure", ledger.StatusInterrupted:
		how := "failed"
		if r.Status == ledger.StatusInterrupted {
			how = "was interrupted"
		}
		return action{key: "2", verb: "check the connection", to: common.Check,
			why: "The last sync " + how + "; press 5 for what went wrong, then 4 to sync again."}
	case "cancelled":
		return action{key: "4", verb: "sync", to: common.Sync, why: "The last sync was cancelled before it finished."}
	case "dry_run":
		return action{key: "4", verb: "sync", to: common.Sync, why: "The last run was a dry run: nothing was sent to Wiz."}
	case "skipped":
		return action{key: "5", verb: "read what Wiz said in History", to: common.History,
			why: "Wiz skipped the last upload; then press 3 to preview and 4 to sync again."}
	case "partial":
		return action{key: "5", verb: "read what Wiz said in History", to: common.History,
			why: "Wiz handled only part of the last upload."}
	}
	if age := now.Sub(lastTime(*r)); age >= staleAfter {
		return action{key: "4", verb: "sync", to: common.Sync,
			why: "The last sync was " + textfmt.Ago(now, lastTime(*r)) + "; Wiz drops findings not refreshed within 7 days."}
	}
	return action{key: "3", verb: "preview what changed since the last sync", to: common.Findings,
		why: "The last sync was " + textfmt.Ago(now, lastTime(*r)) + "; press 4 to sync again."}
}

// lastTime is when a run ended (or started, while it runs).
func lastTime(r ledger.Run) time.Time {
	if !r.FinishedAt.IsZero() {
		return r.FinishedAt
	}
	return r.StartedAt
}

// nextAction is next, except that when Wiz is about to drop (or has
// dropped) data sources, an otherwise calm suggestion becomes a sync.
func (m *Model) nextAction() action {
	a := next(*m.info, m.c.Now())
	if m.expiry.Alarm() && (a.to == common.Findings || a.to == common.Sync) {
		return action{key: "4", verb: "sync", to: common.Sync,
			why: "Wiz drops data sources soon, or has dropped them, unless they are re-sent (see Expiry above)."}
	}
	return a
}
