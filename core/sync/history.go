package sync

import (
	"os"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

// ForgetGoneFiles rewrites, in recorded events, the path of an upload file
// that is no longer on disk (a sent upload's file is removed once Wiz took
// it; delete removes the rest): the history must not point to a file that
// is not there.
func ForgetGoneFiles(evs []ledger.Event) {
	for i := range evs {
		ev := &evs[i]
		if ev.Kind != string(StepFinished) || ev.Step != string(StepEncode) || ev.Message == "" {
			continue
		}
		if _, err := os.Stat(ev.Message); err != nil {
			ev.Message = "the upload file is no longer on disk"
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
