package semgrep

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// matchKey names a match by what both formats say of it, positions
// included, so tests can pair findings across files.
func matchKey(f finding.Finding) string {
	return fmt.Sprintf("%s|%s|%d:%d-%d:%d", f.RuleID, f.Path, f.StartLine, f.StartColumn, f.EndLine, f.EndColumn)
}

func idsByMatch(t *testing.T, fs []finding.Finding) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range fs {
		if _, dup := out[matchKey(f)]; dup {
			t.Fatalf("two findings at %s", matchKey(f))
		}
		out[matchKey(f)] = f.ID
	}
	return out
}

func idSet(fs []finding.Finding) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		out[f.ID] = true
	}
	return out
}

// results gives the JSON results array of a decoded CLI file.
func results(doc map[string]any) []any { return doc["results"].([]any) }

func pos(r any, end string) map[string]any { return r.(map[string]any)[end].(map[string]any) }

func shiftLines(r any, by int) {
	for _, end := range []string{"start", "end"} {
		p := pos(r, end)
		p["line"] = p["line"].(float64) + float64(by)
		p["offset"] = p["offset"].(float64) + float64(by*40)
	}
}

func field(r any, k string) string { return r.(map[string]any)[k].(string) }

const directoryListing = "javascript.express.security.audit.express-check-directory-listing.express-check-directory-listing"

// TestJSONAndSARIFOfOneScanGiveTheSameIDs: the JSON withholds the code
// when not logged in, the SARIF keeps it; the ids must not care. The two
// juice-shop files come from runs with different rule sets and share 20
// matches.
func TestJSONAndSARIFOfOneScanGiveTheSameIDs(t *testing.T) {
	js, err := ReadFile(sample(t, juiceJSON), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := ReadFile(sample(t, juiceSARIF), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	jIDs, sIDs := idsByMatch(t, js.Findings), idsByMatch(t, sa.Findings)
	shared := 0
	for k, id := range jIDs {
		if sid, ok := sIDs[k]; ok {
			shared++
			if sid != id {
				t.Errorf("%s: JSON id %s, SARIF id %s", k, id, sid)
			}
		}
	}
	if shared != 20 {
		t.Errorf("%d shared matches, want 20", shared)
	}
	if js.Findings[0].Snippet != "" || sa.Findings[0].Snippet == "" {
		t.Error("the samples no longer show the withheld-code difference this test is about")
	}
}

// TestMovingLinesKeepsEveryID: a rescan after code moved down (in one file
// and in the whole repository) gives the same ids.
func TestMovingLinesKeepsEveryID(t *testing.T) {
	before, err := ReadFile(sample(t, juiceJSON), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := idSet(before.Findings)
	for _, tc := range []struct {
		name string
		move func(r any) int
	}{
		{"server.ts moved down 12 lines", func(r any) int {
			if field(r, "path") == "server.ts" {
				return 12
			}
			return 0
		}},
		{"every file moved, by different amounts", func(r any) int { return len(field(r, "path")) % 7 * 3 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := rewriteSample(t, juiceJSON, juiceOpts, func(doc map[string]any) {
				for _, r := range results(doc) {
					shiftLines(r, tc.move(r))
				}
			})
			if got := idSet(after.Findings); !maps.Equal(got, want) {
				t.Errorf("ids changed: %d of %d kept", countIn(got, want), len(want))
			}
		})
	}
	// And the same in SARIF.
	sBefore, err := ReadFile(sample(t, juiceSARIF), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	sAfter := rewriteSample(t, juiceSARIF, juiceOpts, func(doc map[string]any) {
		for _, r := range doc["runs"].([]any)[0].(map[string]any)["results"].([]any) {
			rg := r.(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
			rg["startLine"] = rg["startLine"].(float64) + 30
			rg["endLine"] = rg["endLine"].(float64) + 30
		}
	})
	if !maps.Equal(idSet(sAfter.Findings), idSet(sBefore.Findings)) {
		t.Error("SARIF ids changed when lines moved")
	}
}

func countIn(got, want map[string]bool) int {
	n := 0
	for id := range got {
		if want[id] {
			n++
		}
	}
	return n
}

// TestFixingOneOfSeveralMatchesRemovesExactlyItsID: server.ts has four
// matches of one rule; fixing any one of them removes its id and keeps the
// other three (the next scan does not move an id onto other code).
func TestFixingOneOfSeveralMatchesRemovesExactlyItsID(t *testing.T) {
	before, err := ReadFile(sample(t, juiceJSON), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	byMatch := idsByMatch(t, before.Findings)
	var lines []float64
	raw := rewriteSample(t, juiceJSON, juiceOpts, func(doc map[string]any) {
		for _, r := range results(doc) {
			if field(r, "check_id") == directoryListing && field(r, "path") == "server.ts" {
				lines = append(lines, pos(r, "start")["line"].(float64))
			}
		}
	})
	if len(lines) != 4 || len(raw.Findings) != 25 {
		t.Fatalf("sample changed: %d matches of the rule in server.ts", len(lines))
	}
	for _, fixed := range lines {
		t.Run(fmt.Sprintf("line %v fixed", fixed), func(t *testing.T) {
			var fixedID string
			for _, f := range before.Findings {
				if f.RuleID == directoryListing && f.Path == "server.ts" && float64(f.StartLine) == fixed {
					fixedID = f.ID
				}
			}
			after := rewriteSample(t, juiceJSON, juiceOpts, func(doc map[string]any) {
				doc["results"] = slices.DeleteFunc(results(doc), func(r any) bool {
					return field(r, "check_id") == directoryListing && field(r, "path") == "server.ts" && pos(r, "start")["line"].(float64) == fixed
				})
			})
			want := idSet(before.Findings)
			delete(want, fixedID)
			if got := idSet(after.Findings); !maps.Equal(got, want) {
				t.Errorf("after the fix %d ids, want the %d others unchanged", len(got), len(want))
			}
			for k, id := range idsByMatch(t, after.Findings) {
				if byMatch[k] != id {
					t.Errorf("%s changed id", k)
				}
			}
		})
	}
}

// TestDuplicatedMatchGetsOneNewID: a line copied below itself (everything
// after it moves down one line) adds one id; every other id stays on its
// own code.
func TestDuplicatedMatchGetsOneNewID(t *testing.T) {
	before, err := ReadFile(sample(t, juiceJSON), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	after := rewriteSample(t, juiceJSON, juiceOpts, func(doc map[string]any) {
		var dup map[string]any
		for _, r := range results(doc) {
			if field(r, "path") != "server.ts" {
				continue
			}
			line := pos(r, "start")["line"].(float64)
			if line > 273 {
				shiftLines(r, 1)
			}
			if line == 273 {
				dup = map[string]any{}
				for k, v := range r.(map[string]any) {
					dup[k] = v
				}
				dup["start"] = maps.Clone(pos(r, "start"))
				dup["end"] = maps.Clone(pos(r, "end"))
			}
		}
		shiftLines(dup, 1)
		doc["results"] = append(results(doc), dup)
	})
	old := idSet(before.Findings)
	got := idSet(after.Findings)
	if len(got) != len(old)+1 || countIn(old, got) != len(old) {
		t.Fatalf("%d ids after the duplicate (want %d), %d of the old kept", len(got), len(old)+1, countIn(old, got))
	}
	// The original keeps its id; the copy (line 274) has the new one.
	oldIDs := idsByMatch(t, before.Findings)
	for k, id := range idsByMatch(t, after.Findings) {
		if k == directoryListing+"|server.ts|273:3-273:109" && id != oldIDs[k] {
			t.Error("the original match lost its id to the copy")
		}
		if k == directoryListing+"|server.ts|274:3-274:109" && old[id] {
			t.Error("the copy took an id of existing code")
		}
	}
}

// TestIdenticalMatchesGetTwoIDs: two matches of one rule with the very
// same shape in one file are told apart by position, and keep their ids
// when the file moves.
func TestIdenticalMatchesGetTwoIDs(t *testing.T) {
	f := func(line int) finding.Finding {
		return finding.Finding{RuleID: "r", Path: "a.py", StartLine: line, EndLine: line, StartColumn: 5, EndColumn: 20, Message: "same"}
	}
	a := []finding.Finding{f(10), f(30)}
	b := []finding.Finding{f(40), f(15)} // moved, and in another order
	finding.AssignIDs(a)
	finding.AssignIDs(b)
	if a[0].ID == a[1].ID {
		t.Fatal("two matches share an id")
	}
	if a[0].ID != b[1].ID || a[1].ID != b[0].ID {
		t.Error("moving the file changed the ids")
	}
}
