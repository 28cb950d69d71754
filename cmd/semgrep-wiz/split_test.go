package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// A sync split under the upload cap lists every upload in `sync --json`,
// and `history show` shows each with its data sources.
func TestSplitSyncListsEveryUpload(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, _ := h.run("sync", "--dry-run", "--json")
	if code != 0 {
		t.Fatalf("dry run: exit %d", code)
	}
	whole := decodeResult(t, out)
	h.uploadCap = whole.Uploads[0].Bytes / 4

	code, out, errOut := h.run("sync", "--yes", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res := decodeResult(t, out)
	got := h.wz.Uploads()
	if len(res.Uploads) < 3 || len(res.Uploads) != len(got) {
		t.Fatalf("sync --json lists %d uploads, Wiz received %d; want several", len(res.Uploads), len(got))
	}
	received := map[string]int{}
	for _, u := range got {
		received[u.ID] = len(u.Body)
	}
	seen := map[string]bool{}
	for i, u := range res.Uploads {
		if u.Status != "SUCCESS" || u.SystemActivityID == "" || len(u.DataSources) == 0 || int64(received[u.UploadID]) != u.Bytes {
			t.Errorf("upload %d: %+v", i, u)
		}
		for _, id := range u.DataSources {
			if seen[id] {
				t.Errorf("data source %s listed in two uploads", id)
			}
			seen[id] = true
		}
	}

	code, out, _ = h.run("history", "show", res.RunID)
	if code != 0 {
		t.Fatalf("history show: exit %d", code)
	}
	for i, u := range res.Uploads {
		line := fmt.Sprintf("upload %d/%d: id %s, activity %s: SUCCESS", i+1, len(res.Uploads), u.UploadID, u.SystemActivityID)
		if !strings.Contains(out, line) {
			t.Errorf("history show lacks %q:\n%s", line, out)
		}
		if !strings.Contains(out, "sources:   "+u.DataSources[0]) {
			t.Errorf("history show does not name the data sources of upload %d", i+1)
		}
	}
	code, out, _ = h.run("history", "show", res.RunID, "--json")
	var show struct {
		Uploads []struct {
			UploadID    string   `json:"UploadID"`
			DataSources []string `json:"DataSources"`
		}
	}
	if err := json.Unmarshal([]byte(out), &show); code != 0 || err != nil {
		t.Fatalf("history show --json: exit %d, %v", code, err)
	}
	if len(show.Uploads) != len(res.Uploads) {
		t.Fatalf("history show --json lists %d uploads, want %d", len(show.Uploads), len(res.Uploads))
	}
	for i, u := range show.Uploads {
		if u.UploadID != res.Uploads[i].UploadID || strings.Join(u.DataSources, ",") != strings.Join(res.Uploads[i].DataSources, ",") {
			t.Errorf("history upload %d: %+v, sync said %+v", i, u, res.Uploads[i])
		}
	}
}

// When one upload of a split sync is refused, the summary and sync --json
// say which repositories Wiz did not get, and why.
func TestSplitSyncNamesTheRepositoriesOfAFailedUpload(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, _ := h.run("sync", "--dry-run", "--json")
	if code != 0 {
		t.Fatalf("dry run: exit %d", code)
	}
	h.uploadCap = decodeResult(t, out).Uploads[0].Bytes / 4
	// The storage refuses one PUT for good (a bad signature is not retried).
	refused := wiztest.Fault{Op: "put", Status: 403, Body: `<?xml version="1.0" encoding="UTF-8"?>` +
		"\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>"}
	h.wz.Inject(refused)
	code, out, errOut := h.run("sync", "--yes", "--json")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d (partial): %s", code, exitFailed, errOut)
	}
	res := decodeResult(t, out)
	var failed *pipeline.UploadResult
	for i := range res.Uploads {
		if res.Uploads[i].Status == "NOT_SENT" {
			failed = &res.Uploads[i]
		}
	}
	if res.Status != pipeline.StatusPartial || failed == nil || !strings.Contains(failed.Error, "403") {
		t.Fatalf("status %s, uploads %+v: want partial with one upload not sent, its error given", res.Status, res.Uploads)
	}
	var names []string
	for _, r := range res.Repositories {
		if slices.Contains(failed.DataSources, r.DataSourceID) {
			if r.State != "upload_failed" || !strings.Contains(r.Reason, "403") {
				t.Errorf("%s: state %q, reason %q", r.Name, r.State, r.Reason)
			}
			names = append(names, r.Name)
		} else if r.State == "upload_failed" {
			t.Errorf("%s was delivered but says upload_failed", r.Name)
		}
	}
	if len(names) == 0 {
		t.Fatal("no repository belongs to the failed upload")
	}

	// The same again in words.
	h.wz.Inject(refused)
	code, out, _ = h.run("sync", "--yes")
	if code != exitFailed {
		t.Fatalf("text: exit %d", code)
	}
	if !strings.Contains(out, "upload failed") {
		t.Errorf("the summary does not count the repositories whose upload failed:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^    ! \S+: upload \d+ of \d+: .*403`).MatchString(out) {
		t.Errorf("the summary does not name a repository whose upload failed, with why:\n%s", out)
	}
}
