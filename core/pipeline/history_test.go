package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

func TestForgetGoneFiles(t *testing.T) {
	kept := filepath.Join(t.TempDir(), "kept.json")
	if err := os.WriteFile(kept, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(t.TempDir(), "gone.json")
	evs := []ledger.Event{
		{Kind: "step_finished", Step: "encode", Message: kept},
		{Kind: "step_finished", Step: "encode", Message: gone},
		{Kind: "step_finished", Step: "select", Message: "3 findings selected"},
	}
	ForgetGoneFiles(evs)
	if evs[0].Message != kept {
		t.Errorf("an existing file's path was dropped: %q", evs[0].Message)
	}
	if evs[1].Message == gone || evs[1].Message == "" {
		t.Errorf("a removed file's path is still shown: %q", evs[1].Message)
	}
	if evs[2].Message != "3 findings selected" {
		t.Errorf("another step's message changed: %q", evs[2].Message)
	}
}

func TestEventWords(t *testing.T) {
	for _, tc := range []struct{ kind, step, want string }{
		{"step_started", "collect", "Reading findings started"},
		{"step_finished", "encode", "Writing the upload file finished"},
		{"step_failed", "upload", "Uploading to Wiz failed"},
		{"repo_failed", "collect", "Repository failed"},
		{"activity_status", "poll", "Wiz activity status"},
	} {
		if got := EventWords(tc.kind, tc.step); got != tc.want {
			t.Errorf("EventWords(%q, %q) = %q, want %q", tc.kind, tc.step, got, tc.want)
		}
	}
}

func TestCountsTextSaysSentOnlyWhenDelivered(t *testing.T) {
	three := 3
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Status: StatusSuccess, Uploads: []UploadResult{{UploadID: "u", Status: "SUCCESS"}}}, "5 findings sent for 0 repositories, 3 marked fixed"},
		{Result{Status: StatusDryRun, Uploads: []UploadResult{{Status: "NOT_SENT"}}}, "5 findings in the upload file for 0 repositories, 3 would be marked fixed"},
		{Result{Status: StatusCancelled}, "5 findings planned, not sent for 0 repositories, 3 would be marked fixed"},
		{Result{Status: StatusFailure, Uploads: []UploadResult{{UploadID: "u", Status: "PENDING"}}}, "5 findings sent for 0 repositories, 3 to be marked fixed"},
	} {
		tc.r.Findings = Counts{Sent: 5, Resolved: &three}
		if got := tc.r.countsText(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.r.Status, got, tc.want)
		}
	}
}

func TestEventDetailFillsTheRepositoriesRead(t *testing.T) {
	if got := EventDetail(ledger.Event{Kind: "step_finished", Step: "collect", Total: 8}); got != "8 repositories read" {
		t.Errorf("EventDetail = %q", got)
	}
	if got := EventDetail(ledger.Event{Kind: "step_started", Step: "collect"}); got != "" {
		t.Errorf("EventDetail of a start = %q", got)
	}
}
