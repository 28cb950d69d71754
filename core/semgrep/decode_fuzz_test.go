package semgrep

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

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
		// Repeated and case-folded keys, wrappers replaced or kept, an item
		// that fails in an array a later key replaces, bytes after the end.
		`{"findings": [{"id": 1}], "FINDINGS": [{"id": 2}, {"id": 3}]}`,
		`{"findings": [{"id": {}}], "findings": [{"id": 2}]}`,
		`{"sastFindings": {"findings": [{"id": 1}]}, "sastFindings": {}, "scaFindings": {"findings": null}}`,
		`{"sastFindings": {"findings": [{"id": 1}]}, "sastFindings": null, "aiSastFindings": {"x": [1, {"y": "]"}]}}`,
		`{"findings": [{"id": 1, "rule_message": "a \\\" ] } [ {"}], "next": {"a": [true, false, null, -1.5e3]}}  `,
		`{"findings": []} x`, `{"findings": [1,]}`, `{"findings": [{"id": 1}}`, `"findings"`, ` null `, `{"findings": 5}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, data := range sharedSeeds(func(n string) bool { return strings.HasPrefix(n, "api-v1-findings") }, "samples", "semgrep") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingJSON(t, data)
		streamSameAsWhole(t, data)
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

// streamSameAsWhole: a page read as a stream reads as the whole body does
// (decodeFindingsBody): the same findings, or an error for both.
func streamSameAsWhole(t *testing.T, data []byte) {
	t.Helper()
	const op = "decoding findings page"
	whole, nw, errW := decodeFindingsBody(op, data, "", "acme", "https://semgrep.dev")
	stream, errS := readFindingsPage(op, bytes.NewReader(data), "", "acme", "https://semgrep.dev", 3)
	if (errW == nil) != (errS == nil) {
		t.Fatalf("whole body: %v; stream: %v", errW, errS)
	}
	if errW != nil {
		return
	}
	if nw != len(stream) || len(whole) != len(stream) {
		t.Fatalf("whole body: %d items, %d findings; stream: %d findings", nw, len(whole), len(stream))
	}
	// Byte by byte: every value, string and escape split across reads.
	bytewise, err := readFindingsPage(op, iotest.OneByteReader(bytes.NewReader(data)), "", "acme", "https://semgrep.dev", 0)
	if err != nil || len(bytewise) != len(whole) {
		t.Fatalf("byte by byte: %d findings, %v; whole body: %d", len(bytewise), err, len(whole))
	}
	for i := range whole {
		if !reflect.DeepEqual(whole[i], stream[i]) || !reflect.DeepEqual(whole[i], bytewise[i]) {
			t.Fatalf("finding %d read differently:\nwhole  %+v\nstream %+v\nbytes  %+v", i, whole[i], stream[i], bytewise[i])
		}
	}
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
