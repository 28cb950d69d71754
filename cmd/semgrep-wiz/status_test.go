package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

type statusDoc struct {
	DataSources []struct {
		ID          string  `json:"id"`
		Repository  string  `json:"repository"`
		LastSuccess *string `json:"last_success"`
		Findings    int     `json:"findings"`
		ExpiresAt   *string `json:"expires_at"`
		State       string  `json:"state"`
	} `json:"data_sources"`
}

func decodeStatus(t *testing.T, out string) statusDoc {
	t.Helper()
	var d statusDoc
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return d
}

// states counts the data sources per state, for those holding findings.
func (d statusDoc) states() map[string]int {
	out := map[string]int{}
	for _, s := range d.DataSources {
		if s.Findings > 0 || s.State == "never" {
			out[s.State]++
		}
	}
	return out
}

func TestStatusEveryStateAndExitCodes(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	// Before any sync: nothing held, nothing at risk.
	code, out, stderr := h.run("status")
	if code != 0 || !strings.Contains(out, "Wiz holds nothing from us yet") {
		t.Fatalf("status before a sync: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, _ := h.run("status", "--json"); code != 0 || strings.TrimSpace(out) != `{
  "data_sources": []
}` {
		t.Fatalf("status --json before a sync: exit %d %s", code, out)
	}
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatalf("sync: exit %d %s", code, stderr)
	}
	synced := time.Now()
	var held int
	for _, c := range []struct {
		after time.Duration
		state string
		exit  int
	}{
		{time.Hour, "fresh", 0},
		{25 * time.Hour, "due", 0},
		{5*24*time.Hour + time.Hour, "expiring", 1},
		{8 * 24 * time.Hour, "expired", 1},
	} {
		t.Run(c.state, func(t *testing.T) {
			h.now = func() time.Time { return synced.Add(c.after) }
			code, out, stderr := h.run("status", "--json")
			if code != c.exit {
				t.Fatalf("exit %d, want %d\n%s", code, c.exit, stderr)
			}
			d := decodeStatus(t, out)
			st := d.states()
			if len(st) != 1 || st[c.state] == 0 {
				t.Fatalf("states %v, want all %s", st, c.state)
			}
			held = st[c.state]
			for _, s := range d.DataSources {
				last, err1 := time.Parse(time.RFC3339, deref(s.LastSuccess))
				exp, err2 := time.Parse(time.RFC3339, deref(s.ExpiresAt))
				if err1 != nil || err2 != nil || exp.Sub(last) != 7*24*time.Hour || last.After(synced.Add(time.Second)) || !strings.HasPrefix(s.ID, "semgrep:") || s.Repository == "" {
					t.Fatalf("data source %+v", s)
				}
			}
			if c.exit == 1 && !strings.Contains(stderr, "expiring or expired in Wiz") {
				t.Fatalf("no reason on stderr: %s", stderr)
			}
			// The human form says the same, with a sentence per source at risk.
			code, human, _ := h.run("status")
			if code != c.exit || !strings.Contains(human, "REPOSITORY") || !strings.Contains(human, " "+c.state+" ") {
				t.Fatalf("human status: exit %d\n%s", code, human)
			}
			if c.state == "expiring" && !strings.Contains(human, "acme/payments-api: Wiz drops it in 46 hours unless re-sent") {
				t.Fatalf("no expiry sentence:\n%s", human)
			}
		})
	}
	if held == 0 {
		t.Fatal("no data source holds findings")
	}
	h.now = nil

	// A repository Wiz never accepted: the upload was refused.
	h2 := newHarness(t, wiztest.Options{})
	h2.wz.Inject(wiztest.Fault{Op: "upload-request", Status: 403, Times: 20})
	if code, _, _ := h2.run("sync", "--yes"); code != 1 {
		t.Fatalf("refused sync: exit %d", code)
	}
	code, out, stderr = h2.run("status", "--json")
	if st := decodeStatus(t, out).states(); code != 0 || st["never"] == 0 || len(st) != 1 {
		t.Fatalf("never: exit %d states %v %s", code, st, stderr)
	}
	for _, s := range decodeStatus(t, out).DataSources {
		if s.LastSuccess != nil || s.ExpiresAt != nil {
			t.Fatalf("never with times: %+v", s)
		}
	}
}

func TestStatusBadUsage(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("status", "--bogus"); code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("status --bogus: exit %d %q", code, stderr)
	}
	if code, _, _ := h.run("status", "extra"); code != 2 {
		t.Fatalf("status extra: exit %d", code)
	}
	bad := filepath.Join(h.dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("watch: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.vars["SEMGREP_WIZ_CONFIG"] = bad
	if code, _, stderr := h.run("status"); code != 2 || !strings.Contains(stderr, "bad.yaml") {
		t.Fatalf("status with a broken config: exit %d %s", code, stderr)
	}
	if code, out, _ := h.run("status", "-h"); code != 0 || !strings.Contains(out, "--json") {
		t.Fatalf("status -h: exit %d %s", code, out)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestHistoryTellsWhenWizDropsIt(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatalf("sync: exit %d %s", code, stderr)
	}
	code, out, _ := h.run("history")
	if code != 0 || !strings.Contains(out, "In Wiz: 7 data sources: 7 fresh; the next refresh is due in 23 hours") {
		t.Fatalf("history: exit %d\n%s", code, out)
	}
	synced := time.Now()
	h.now = func() time.Time { return synced.Add(6 * 24 * time.Hour) }
	code, out, _ = h.run("history")
	if code != 0 || !strings.Contains(out, "acme/payments-api: Wiz drops it in 23 hours unless re-sent") {
		t.Fatalf("history six days on: exit %d\n%s", code, out)
	}
}
