package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	uic "github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// sentRE finds "<number> sent" in human output: a count said to be sent.
var sentRE = regexp.MustCompile(`\d sent\b`)

// A dry run and a cancelled run never say "sent" in the summary or the
// history; the counts say what they are.
func TestDryRunAndCancelledNeverSaySent(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, stdout, stderr := h.run("sync", "--dry-run", "--out", filepath.Join(h.dir, "out"))
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	if sentRE.MatchString(stdout) || sentRE.MatchString(stderr) {
		t.Errorf("a dry run says sent:\n%s\n%s", stdout, stderr)
	}
	if !strings.Contains(stdout, "in the upload file") {
		t.Errorf("the dry run's summary does not say where the findings went:\n%s", stdout)
	}
	h.stdin = "n\n"
	if code, stdout, stderr = h.run("sync"); code != 1 {
		t.Fatalf("declined sync: exit %d: %s", code, stderr)
	}
	if sentRE.MatchString(stdout) {
		t.Errorf("a cancelled run says sent:\n%s", stdout)
	}
	if !strings.Contains(stdout, "planned, not sent") {
		t.Errorf("the cancelled run's summary does not say nothing was sent:\n%s", stdout)
	}
	code, stdout, stderr = h.run("history")
	if code != 0 {
		t.Fatalf("history: exit %d: %s", code, stderr)
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.Contains(l, "dry_run") || strings.Contains(l, "cancelled") {
			f := strings.Fields(l)
			if len(f) < 7 || f[6] != "—" {
				t.Errorf("the SENT column of a run that sent nothing is not a dash: %q", l)
			}
		}
	}
	for _, id := range runIDs(stdout) {
		_, show, _ := h.run("history", "show", id)
		if sentRE.MatchString(show) {
			t.Errorf("history show of a run that sent nothing says sent:\n%s", show)
		}
	}
}

// runIDs are the run ids of a history list (the expiry lines under the
// table are not runs).
func runIDs(list string) []string {
	var ids []string
	for _, l := range strings.Split(list, "\n")[1:] {
		if f := strings.Fields(l); len(f) > 0 && runIDRE.MatchString(f[0]) {
			ids = append(ids, f[0])
		}
	}
	return ids
}

var runIDRE = regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]+$`)

// The history says steps in words and shows no path for an upload file
// that is gone (a sent upload's file is removed).
func TestHistoryShowStepsInWordsNoGonePath(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, stderr)
	}
	_, list, _ := h.run("history")
	ids := runIDs(list)
	if len(ids) != 1 {
		t.Fatalf("runs %v", ids)
	}
	_, show, _ := h.run("history", "show", ids[0])
	if strings.Contains(show, "step_started") || !strings.Contains(show, "Reading findings started") {
		t.Errorf("steps are not in words:\n%s", show)
	}
	if strings.Contains(show, ".json") {
		t.Errorf("history shows the path of a removed upload file:\n%s", show)
	}
}

// preview without --all counts only the findings the API returned as
// excluded, and says so; with --all every finding is read and the same
// words need no note.
func TestPreviewExcludedWordsFollowWhatWasRead(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	_, filtered, stderr := h.run("preview")
	if !strings.Contains(filtered, "excluded by the policy (other severities and statuses: not fetched, filtered by the API)") {
		t.Errorf("preview does not say what its excluded count leaves out:\n%s\n%s", filtered, stderr)
	}
	_, all, _ := h.run("preview", "--all")
	if strings.Contains(all, "not fetched") || !strings.Contains(all, "excluded by the policy.") {
		t.Errorf("preview --all reads every finding, yet:\n%s", all)
	}
}

// The terminal app's service, unconfigured, names the missing settings
// and the wizard's key, not environment variables.
func TestAppServicePointsToTheWizard(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	delete(h.vars, "WIZ_CLIENT_ID")
	e := env{getenv: func(k string) string { return h.vars[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml"))}
	svc := newService(&common{}, e)
	defer svc.Close()
	_, err := svc.Check(context.Background(), false)
	if !uic.IsNotSetUp(err) || !strings.Contains(err.Error(), "wiz.client_id") || !strings.Contains(err.Error(), uic.SetUpHint) ||
		strings.Contains(err.Error(), "WIZ_CLIENT_ID") {
		t.Errorf("unconfigured check: %v", err)
	}
}
