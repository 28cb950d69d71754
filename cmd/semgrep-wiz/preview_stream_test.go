package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// wholeCSV is the preview's CSV as it was made before the preview
// streamed: the whole collection (pipeline.Collect) and BuildPlan, row by
// row from the collected findings.
func wholeCSV(t *testing.T, h *harness, all bool) [][]string {
	t.Helper()
	e := env{getenv: func(k string) string { return h.vars[k] }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml")), now: h.now}
	a, err := app.Load(app.Options{}, e.core(), app.Needs{Semgrep: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	led, err := a.OpenLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	col, plan, err := a.Plan(ctx, led, func(pipeline.Event) {}, all)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	add := func(r previewRow) {
		line := ""
		if r.Line > 0 {
			line = strconv.Itoa(r.Line)
		}
		out = append(out, []string{r.Repository, r.Branch, r.ID, r.Severity, r.Rule, r.Path, line, r.CWE, r.State, r.Reason})
	}
	seen := map[string]bool{}
	for _, r := range col.Repos {
		seen[r.DataSourceID] = true
		sp := plan.Source(r.DataSourceID)
		for i := range r.Sent {
			st := "new"
			if sp != nil && sp.IsHeld(r.WizID(&r.Sent[i])) {
				st = "unchanged"
			}
			add(row(r.Name, &r.Sent[i], st, ""))
		}
		if sp != nil {
			for _, id := range sp.Fixed {
				add(previewRow{Repository: r.Name, Branch: r.Branch, ID: id, State: "will_be_fixed"})
			}
		}
		if all {
			for _, x := range r.Excluded {
				add(row(r.Name, &x.Finding, "excluded", pipeline.ExcludedReason(x)))
			}
		}
	}
	for _, sp := range plan.Sources {
		if !seen[sp.DataSourceID] {
			for _, id := range sp.Fixed {
				add(previewRow{Repository: sp.Name, Branch: sp.Branch, ID: id, State: "will_be_fixed"})
			}
		}
	}
	return out
}

func sortedRows(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, "\x1f"))
	}
	slices.Sort(out)
	return out
}

// The streamed CSV holds exactly the rows the whole-collection preview
// printed (in the order they are planned), on the demo data after a sync
// and with some findings fixed, with and without --all.
func TestPreviewCSVEqualsTheWholeCollectionOutput(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatal(stderr)
	}
	h.sg.Update(func(ds *semgreptest.Dataset) {
		p := &ds.Projects[0]
		p.Findings = p.Findings[:len(p.Findings)/2]
	})
	for _, all := range []bool{false, true} {
		args := []string{"preview", "--csv"}
		if all {
			args = append(args, "--all")
		}
		code, out, stderr := h.run(args...)
		if code != 0 {
			t.Fatal(stderr)
		}
		got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0][0] != "repository" {
			t.Fatalf("no header: %q", out)
		}
		want := wholeCSV(t, h, all)
		states := map[string]int{}
		for _, r := range got[1:] {
			states[r[8]]++
		}
		if states["unchanged"] == 0 || states["will_be_fixed"] == 0 || (all && states["excluded"] == 0) {
			t.Fatalf("the data does not exercise every state: %v", states)
		}
		if g, w := sortedRows(got[1:]), sortedRows(want); !slices.Equal(g, w) {
			t.Errorf("--all=%v: %d rows, the whole-collection preview had %d (or they differ)", all, len(g), len(w))
		}
	}
}

// The streamed JSON is one valid document: every field of before, the
// repositories as they complete, and the totals last.
func TestPreviewJSONStreamsWithTotalsLast(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, stderr := h.run("preview", "--json", "--all")
	if code != 0 {
		t.Fatal(stderr)
	}
	if !json.Valid([]byte(out)) {
		t.Fatalf("not JSON:\n%s", out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		t.Fatal("not an object")
	}
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(keys, []string{"policy", "repositories", "guards", "totals"}) {
		t.Errorf("keys %v", keys)
	}
	var doc struct {
		Totals       map[string]int
		Repositories []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	repos := 0
	for k, n := range doc.Totals {
		if strings.HasPrefix(k, "repositories_") {
			repos += n
		}
	}
	if doc.Totals["send"] == 0 || doc.Totals["excluded"] == 0 || len(doc.Repositories) != repos || repos < 3 {
		t.Errorf("totals %v, %d repositories", doc.Totals, len(doc.Repositories))
	}
	send := 0
	for _, r := range doc.Repositories {
		for _, k := range []string{"name", "data_source_id", "state", "new", "unchanged", "will_be_fixed", "excluded", "findings"} {
			if _, ok := r[k]; !ok {
				t.Fatalf("a repository lacks %q: %v", k, r)
			}
		}
		var fs []previewRow
		if err := json.Unmarshal(r["findings"], &fs); err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.State == "new" || f.State == "unchanged" {
				send++
			}
		}
	}
	if send != doc.Totals["send"] {
		t.Errorf("%d rows sent, totals say %d", send, doc.Totals["send"])
	}
}
