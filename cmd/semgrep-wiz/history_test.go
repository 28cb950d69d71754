package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

func TestHistoryRecordsEverySync(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, _ := h.run("history")
	if code != 0 || !strings.Contains(out, "No runs yet") {
		t.Fatalf("empty history: exit %d %q", code, out)
	}
	_, out, _ = h.run("sync", "--yes", "--json")
	first := decodeResult(t, out)
	h.run("sync", "--dry-run")

	code, out, _ = h.run("history", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var list struct {
		Runs []struct {
			RunID    string `json:"run_id"`
			Status   string
			Trigger  string
			DryRun   bool `json:"dry_run"`
			Findings struct{ Sent, New int }
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Runs) != 2 || !list.Runs[0].DryRun {
		t.Fatalf("runs %+v", list.Runs)
	}
	r := list.Runs[1] // oldest last: the real sync
	if r.RunID != first.RunID || r.Status != "success" || r.Trigger != "cli" || r.Findings.Sent != first.Findings.Sent || r.Findings.New != first.Findings.Sent {
		t.Fatalf("recorded run %+v, result %+v", r, first.Findings)
	}

	code, out, _ = h.run("history", "show", first.RunID[:len(first.RunID)-2], "--json")
	if code != 0 {
		t.Fatalf("show exit %d", code)
	}
	var show struct {
		RunID   string `json:"run_id"`
		Events  []struct{ Kind, Step string }
		Uploads []struct {
			UploadID, SystemActivityID, Status string
			FindingsIncoming                   int
		}
	}
	if err := json.Unmarshal([]byte(out), &show); err != nil {
		t.Fatal(err)
	}
	if show.RunID != first.RunID || len(show.Uploads) != 1 || show.Uploads[0].SystemActivityID != first.Uploads[0].SystemActivityID || show.Uploads[0].Status != "SUCCESS" {
		t.Fatalf("show %+v", show)
	}
	steps := map[string]bool{}
	for _, e := range show.Events {
		if e.Kind == "step_finished" {
			steps[e.Step] = true
		}
	}
	for _, s := range []string{"collect", "select", "encode", "upload", "poll"} {
		if !steps[s] {
			t.Errorf("history lacks the finished %s step", s)
		}
	}
	code, out, _ = h.run("history", "show", first.RunID)
	if code != 0 || !strings.Contains(out, first.Uploads[0].SystemActivityID) || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("plain show: exit %d\n%s", code, out)
	}
	if code, _, stderr := h.run("history", "show", first.RunID[:4]); code != 2 || !strings.Contains(stderr, "ambiguous") {
		t.Fatalf("ambiguous prefix: exit %d %s", code, stderr)
	}
	if code, _, stderr := h.run("history", "show", "nope"); code != 2 || !strings.Contains(stderr, "nope") {
		t.Fatalf("unknown run: exit %d %s", code, stderr)
	}
}

func TestPreviewShowsWhatWizWillMarkFixed(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatal(stderr)
	}
	removed := 0
	h.sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			p := &ds.Projects[i]
			if p.Name != "acme/web-frontend" {
				continue
			}
			var kept []semgreptest.Finding
			for _, f := range p.Findings {
				if removed < 3 && f.EffectiveStatus() == "open" && f.Severity == "critical" && !strings.HasPrefix(f.Ref, "refs/pull/") {
					removed++
					continue
				}
				kept = append(kept, f)
			}
			p.Findings = kept
		}
	})
	code, out, _ := h.run("preview", "--csv")
	if code != 0 {
		t.Fatal(out)
	}
	states := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Split(line, ",")
		states[f[len(f)-2]]++
	}
	if states["will_be_fixed"] == 0 || states["will_be_fixed"] > removed || states["unchanged"] == 0 || states["new"] != 0 {
		t.Fatalf("preview states %v after removing %d", states, removed)
	}
	code, out, _ = h.run("preview")
	if code != 0 || !strings.Contains(out, "will be marked fixed in Wiz") {
		t.Fatalf("text preview:\n%s", out)
	}
}

func TestAllowMassResolveFlag(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatal(stderr)
	}
	h.sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			if ds.Projects[i].Name == "acme/web-frontend" {
				ds.Projects[i].Findings = nil
			}
		}
	})
	code, out, _ := h.run("sync", "--yes", "--json")
	res := decodeResult(t, out)
	if code != 1 || res.Status != "partial" {
		t.Fatalf("guarded sync: exit %d status %s", code, res.Status)
	}
	if d := h.wz.DataSources()["semgrep:github.com/acme/web-frontend"]; len(d.Open) == 0 {
		t.Fatal("the guard let Wiz resolve everything")
	}
	code, _, stderr := h.run("sync", "--yes", "--allow-mass-resolve")
	if code != 0 {
		t.Fatalf("override: exit %d %s", code, stderr)
	}
	if d := h.wz.DataSources()["semgrep:github.com/acme/web-frontend"]; len(d.Open) != 0 || len(d.Resolved) == 0 {
		t.Fatalf("after override Wiz holds %d open", len(d.Open))
	}
}

func TestWatchCommand(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("watch", "--from", "x.json"); code != 2 || !strings.Contains(stderr, "--from") {
		t.Fatalf("watch --from: exit %d %s", code, stderr)
	}
	h.vars["WIZ_CLIENT_SECRET"] = ""
	if code, _, _ := h.run("watch"); code != 2 {
		t.Fatalf("watch without a secret: exit %d", code)
	}
	h.vars["WIZ_CLIENT_SECRET"] = testClientSecret
	// Runs until its context ends (SIGINT/SIGTERM in the binary), then exits 0.
	// Stop it once its first sync has uploaded (slow under -race).
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if len(h.wz.Uploads()) > 0 {
				time.Sleep(300 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var stderr strings.Builder
	e := env{getenv: func(k string) string { return h.vars[k] }, stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &stderr,
		pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml")), testing: true}
	code := run(ctx, []string{"watch", "--interval", "200ms"}, e)
	if code != 0 || !strings.Contains(stderr.String(), "watch: stopped") || len(h.wz.Uploads()) != 1 {
		t.Fatalf("watch: exit %d, uploads %d\n%s", code, len(h.wz.Uploads()), stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], "semgrep-wiz.log")); err != nil || !strings.Contains(string(b), "watching deployment") {
		t.Fatalf("watch did not log to the state directory: %v", err)
	}
}
