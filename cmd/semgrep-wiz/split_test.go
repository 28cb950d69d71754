package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

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
