package semgrep

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	fastjson "github.com/segmentio/encoding/json"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// FuzzDecodeFindingsPage: no body may panic, every error is one line
// saying it was decoding a findings page, and a decoded page, once ids are
// assigned per repository as the sync does, satisfies checkFindings.
// Seeds: the api-v1-findings samples and hand-made odd pages.
func FuzzDecodeFindingsPage(f *testing.F) {
	seeds := []string{
		"", "{}", "[]", "null", `{"findings": null}`, `{"findings": [null]}`, `{"findings": {}}`,
		`{"sastFindings": {"findings": [{}]}, "scaFindings": null}`,
		`{"findings": [{"id": "12", "match_based_id": "requires login", "severity": "bogus"}, {"id": 12.0}]}`,
		`{"findings": [{"id": 1, "ref": "refs/heads/main", "location": {"file_path": "a.py", "line": "3"}}, {"id": 1, "ref": "main", "location": null}]}`,
		`{"findings": [{"rule": {"cwe_names": 5, "owasp_names": [1, "A1"]}, "categories": "security", "created_at": 7}]}`,
		`{"findings": [{"id": 1e30}]}`, `{"findings": [{"id": "x"}]}`,
		`<html>502</html>`, `{"findings": [` + strings.Repeat(`{"id": 1},`, 20),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, data := range sharedSeeds(func(n string) bool { return strings.HasPrefix(n, "api-v1-findings") }, "samples", "semgrep") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingJSON(t, data)
		fs, err := DecodeFindingsPage(bytes.NewReader(data), "acme", "https://semgrep.dev")
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") || !strings.Contains(msg, "decoding findings page") {
				t.Fatalf("error is not one line about the page: %q", msg)
			}
			return
		}
		byRepo := map[string][]finding.Finding{}
		for _, x := range fs {
			if x.ID != "" {
				t.Fatalf("decoder assigned id %q; ids are assigned per repository later", x.ID)
			}
			if x.Repo.Deployment != "acme" {
				t.Fatalf("deployment %q", x.Repo.Deployment)
			}
			k := finding.RepoKey(x.Repo)
			byRepo[k] = append(byRepo[k], x)
		}
		for _, repo := range byRepo {
			finding.AssignIDs(repo)
			checkFindings(t, repo)
		}
	})
}

// sameAsEncodingJSON: the fast decoder of the page path reads a body exactly
// as encoding/json does. Where it fails and encoding/json does not, the
// page falls back to encoding/json, which is safe; it must never accept a
// body encoding/json refuses, nor read one differently.
func sameAsEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	var fast, std typedEnvelope
	errFast := fastjson.Unmarshal(data, &fast)
	errStd := json.Unmarshal(data, &std)
	if errFast != nil {
		return
	}
	if errStd != nil {
		t.Fatalf("the fast decoder accepted a body encoding/json refuses (%v)", errStd)
	}
	a, okA := fast.items()
	b, okB := std.items()
	if okA != okB || len(a) != len(b) {
		t.Fatalf("envelopes differ: %v/%d vs %v/%d items", okA, len(a), okB, len(b))
	}
	for i := range a {
		x, y := a[i].toFinding("acme", "https://semgrep.dev"), b[i].toFinding("acme", "https://semgrep.dev")
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("item %d read differently:\nfast %+v\nstd  %+v", i, x, y)
		}
	}
}
