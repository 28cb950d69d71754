package pipeline

import (
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/numfmt"
	"os"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

// ForgetGoneFiles rewrites, in recorded events, the path of an upload file
// that is no longer on disk (a sent upload's file is removed once Wiz took
// it; delete removes the rest): the history must not point to a file that
// is not there. A split sync's encode event lists its files one a line.
func ForgetGoneFiles(evs []ledger.Event) {
	for i := range evs {
		ev := &evs[i]
		if ev.Kind != string(StepFinished) || ev.Step != string(StepEncode) || ev.Message == "" {
			continue
		}
		paths := strings.Split(ev.Message, "\n")
		kept := paths[:0]
		for _, p := range paths {
			if _, err := os.Stat(p); err == nil {
				kept = append(kept, p)
			}
		}
		switch {
		case len(kept) == 0 && len(paths) == 1:
			ev.Message = "the upload file is no longer on disk"
		case len(kept) == 0:
			ev.Message = "the upload files are no longer on disk"
		default:
			ev.Message = strings.Join(kept, "\n")
		}
	}
}

// Delivered reports whether an upload of the run reached Wiz: only then
// were its findings sent (a failed or cancelled run may have sent one).
func (r *Result) Delivered() bool {
	for _, u := range r.Uploads {
		if u.UploadID != "" && u.Status != "" && u.Status != "NOT_SENT" {
			return true
		}
	}
	return false
}

// countsText says a run's counts for a log line: "sent" only when its
// upload reached Wiz, "in the upload file" for a dry run, else "planned,
// not sent" (the same words as the terminal app's).
func (r *Result) countsText() string {
	sent, fixed := "planned, not sent", "would be marked fixed"
	switch {
	case r.Status == StatusDryRun:
		sent = "in the upload file"
	case r.Status == StatusSuccess || r.Status == StatusPartial:
		sent, fixed = "sent", "marked fixed"
	case r.Delivered():
		sent, fixed = "sent", "to be marked fixed"
	}
	return fmt.Sprintf("%d findings %s for %d repositories, %d %s", r.Findings.Sent, sent, countState(r, "sent", "sent_empty"), derefOr(r.Findings.Resolved), fixed)
}

// EventDetail is what a recorded event says, for the history: its text,
// or for a finished read that recorded none, how many repositories it read.
func EventDetail(ev ledger.Event) string {
	if t := ev.Text(); t != "" {
		return t
	}
	if ev.Kind == string(StepFinished) && ev.Step == string(StepCollect) && ev.Total > 0 {
		return numfmt.Commas(ev.Total) + " repositories read"
	}
	return ""
}
