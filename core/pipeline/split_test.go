package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// splitCap sizes a cap that splits the demo organisation's sync into
// several uploads: a quarter of the whole document.
func splitCap(t *testing.T, m *memRig) int64 {
	t.Helper()
	o := m.options()
	o.DryRun, o.Wiz, o.OutDir = true, nil, t.TempDir()
	res, err := Run(context.Background(), o)
	if err != nil || len(res.Uploads) != 1 {
		t.Fatalf("dry run: %v, %d uploads", err, len(res.Uploads))
	}
	if len(res.Uploads[0].DataSources) < 6 {
		t.Fatalf("the demo data needs several data sources; it has %d", len(res.Uploads[0].DataSources))
	}
	return res.Uploads[0].Bytes / 4
}

// sourcesIn lists the data sources of an upload the Wiz stand-in received.
func sourcesIn(t *testing.T, u wiztest.Upload) []string {
	t.Helper()
	var ids []string
	for _, d := range u.Document["dataSources"].([]any) {
		ids = append(ids, d.(map[string]any)["id"].(string))
	}
	return ids
}

func (m *memRig) wizHolds() map[string][]string {
	out := map[string][]string{}
	for id, d := range m.wz.DataSources() {
		out[id] = slices.Sorted(slices.Values(d.Open))
	}
	return out
}

func TestSmallCapSplitsTheSyncIntoWholeDataSources(t *testing.T) {
	m := newMemRig(t)
	limit := splitCap(t, m)
	o := m.opts()
	o.MaxUploadBytes = limit
	res := m.sync(t, o)
	if res.Status != StatusSuccess {
		t.Fatalf("status %s: %s", res.Status, res.Error)
	}
	got := m.wz.Uploads()
	if len(got) < 3 || len(got) != len(res.Uploads) {
		t.Fatalf("Wiz received %d uploads, the result lists %d; want several", len(got), len(res.Uploads))
	}
	in := map[string]int{}
	for i, u := range got {
		if u.Status != "SUCCESS" {
			t.Errorf("upload %d: %s %s", i, u.Status, u.StatusInfo)
		}
		if err := wizschema.Validate(bytes.NewReader(u.Body)); err != nil {
			t.Errorf("upload %d: %v", i, err)
		}
		ids := sourcesIn(t, u)
		if int64(len(u.Body)) > limit && len(ids) > 1 {
			t.Errorf("upload %d: %d bytes with %d data sources, over the cap of %d", i, len(u.Body), len(ids), limit)
		}
		for _, id := range ids {
			in[id]++
		}
	}
	var planned []string
	for _, r := range res.Repositories {
		if r.State == "sent" || r.State == "sent_empty" {
			planned = append(planned, r.DataSourceID)
		}
	}
	for _, id := range planned {
		if in[id] != 1 {
			t.Errorf("data source %s went in %d uploads, want exactly 1", id, in[id])
		}
	}
	if len(in) != len(planned) {
		t.Errorf("Wiz received %d data sources, the plan sent %d", len(in), len(planned))
	}
	// The result and the ledger list every upload, each with its sources.
	rows, err := m.l.Uploads(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(res.Uploads) {
		t.Fatalf("the ledger has %d uploads, the result %d", len(rows), len(res.Uploads))
	}
	byID := map[string]wiztest.Upload{}
	for _, u := range got {
		byID[u.ID] = u
	}
	for i, up := range res.Uploads {
		w, ok := byID[up.UploadID]
		if !ok || !slices.Equal(sourcesIn(t, w), up.DataSources) || up.Bytes != int64(len(w.Body)) || up.Status != "SUCCESS" {
			t.Errorf("result upload %d (%s, %d bytes, %v) is not what Wiz received", i, up.UploadID, up.Bytes, up.DataSources)
		}
		if !rows[i].Committed || !slices.Equal(rows[i].DataSources, up.DataSources) {
			t.Errorf("ledger upload %d: committed %v, sources %v", i, rows[i].Committed, rows[i].DataSources)
		}
	}
	if want, have := m.wizHolds(), ledgerHolds(t, m.l); !maps.EqualFunc(want, have, slices.Equal) {
		t.Errorf("the ledger holds %d data sources, Wiz %d, or their findings differ", len(have), len(want))
	}
	if files := workFiles(t, m.work); len(files) != 0 {
		t.Errorf("files left in the work directory: %v", files)
	}

	// A split spends one of each data source's daily uploads, not one per file.
	for _, id := range planned {
		n, err := m.l.UploadsOn(context.Background(), id, res.StartedAt)
		if err != nil || n != 1 {
			t.Errorf("%s counts %d uploads today (%v), want 1", id, n, err)
		}
	}
}

func TestOneFailedUploadOfASplitSyncKeepsTheLedgerTrue(t *testing.T) {
	m := newMemRig(t)
	limit := splitCap(t, m)
	o := m.opts()
	o.MaxUploadBytes = limit
	m.sync(t, o)
	before := ledgerHolds(t, m.l)

	// Every repository fixes some findings; one upload of the next sync
	// is refused by the storage.
	for _, p := range m.ds.Projects {
		dropFindings(t, m.sg, p.Name, func(i int, _ semgreptest.Finding) bool { return i%7 != 0 })
	}
	m.wz.Inject(wiztest.Fault{Op: "put", Status: 403, Body: s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")})
	o = m.opts()
	o.MaxUploadBytes = limit
	o.AllowMassResolve = true
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusPartial {
		t.Fatalf("status %s, err %v, %d uploads; want partial", res.Status, err, len(res.Uploads))
	}
	var failed *UploadResult
	for i, u := range res.Uploads {
		if u.Status != "SUCCESS" {
			if failed != nil {
				t.Fatalf("two uploads failed: %+v and %+v", failed, u)
			}
			failed = &res.Uploads[i]
		}
	}
	if failed == nil || failed.Status != "NOT_SENT" {
		t.Fatalf("no upload is marked not sent: %+v", res.Uploads)
	}
	warned := slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "did not succeed") && !slices.ContainsFunc(failed.DataSources, func(id string) bool { return !strings.Contains(w, id) })
	})
	if !warned {
		t.Errorf("no warning names the data sources not delivered %v: %q", failed.DataSources, res.Warnings)
	}
	if !strings.Contains(failed.Error, "403") {
		t.Errorf("the failed upload's error %q does not say why", failed.Error)
	}
	// Each repository says whether Wiz got it: the failed upload's as
	// upload_failed, naming the upload and its error; the others as sent.
	failedNo := slices.IndexFunc(res.Uploads, func(u UploadResult) bool { return u.Status != "SUCCESS" }) + 1
	for _, r := range res.Repositories {
		mine := slices.Contains(failed.DataSources, r.DataSourceID)
		switch {
		case mine && (r.State != "upload_failed" || !strings.Contains(r.Reason, fmt.Sprintf("upload %d of %d: ", failedNo, len(res.Uploads))) || !strings.Contains(r.Reason, "403")):
			t.Errorf("%s, whose upload failed: state %q, reason %q", r.Name, r.State, r.Reason)
		case !mine && r.State != "sent" && r.State != "sent_empty" && r.State != "not_in_scope":
			t.Errorf("%s, delivered: state %q", r.Name, r.State)
		}
	}
	have := ledgerHolds(t, m.l)
	if want := m.wizHolds(); !maps.EqualFunc(want, have, slices.Equal) {
		t.Error("after one failed upload the ledger and Wiz disagree")
	}
	for _, id := range failed.DataSources {
		if !slices.Equal(have[id], before[id]) {
			t.Errorf("%s: the ledger changed although its upload failed", id)
		}
	}
	changed := 0
	for id := range have {
		if !slices.Contains(failed.DataSources, id) && !slices.Equal(have[id], before[id]) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("the successful uploads did not update the ledger")
	}
	rows, err := m.l.Uploads(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Committed != (r.Status == "SUCCESS") {
			t.Errorf("ledger upload %d (%s): committed %v", r.ID, r.Status, r.Committed)
		}
	}
	run, err := m.l.GetRun(context.Background(), res.RunID)
	if err != nil || run.Status != string(StatusPartial) {
		t.Errorf("the run is recorded %q (%v), want partial", run.Status, err)
	}
}

func TestEveryUploadOfASplitSyncFailingFailsTheRun(t *testing.T) {
	m := newMemRig(t)
	o := m.opts()
	o.MaxUploadBytes = splitCap(t, m)
	m.wz.Inject(wiztest.Fault{Op: "upload-request", GraphQLCode: "UNAUTHORIZED", Times: 100})
	res, err := Run(context.Background(), o)
	if err == nil || res.Status != StatusFailure || len(res.Uploads) < 3 {
		t.Fatalf("status %s, %d uploads, err %v", res.Status, len(res.Uploads), err)
	}
	if !strings.Contains(err.Error(), "uploads failed") {
		t.Errorf("error %q does not say every upload failed", err)
	}
	if ds, _ := m.l.DataSources(context.Background()); len(ds) != 0 {
		t.Errorf("the ledger records %d data sources although nothing was delivered", len(ds))
	}
	failed := 0
	for _, r := range res.Repositories {
		if r.State == "not_in_scope" {
			continue
		}
		failed++
		if r.State != "upload_failed" || !strings.Contains(r.Reason, "lacks the create:external_data_ingestion permission") {
			t.Errorf("%s: state %q, reason %q; want upload_failed with Wiz's refusal", r.Name, r.State, r.Reason)
		}
	}
	if failed == 0 {
		t.Error("no repository says its upload failed")
	}
}

func TestDryRunWritesTheSameSplitFiles(t *testing.T) {
	m := newMemRig(t)
	limit := splitCap(t, m)
	out := t.TempDir()
	o := m.opts()
	o.MaxUploadBytes = limit
	// Files are filled in the order repositories arrive; one fetcher
	// makes that order the same for both runs.
	o.Collect.Concurrency = 1
	o.DryRun, o.Wiz, o.OutDir = true, nil, out
	res := m.sync(t, o)
	if res.Status != StatusDryRun || len(res.Files) < 3 || len(res.Files) != len(res.Uploads) {
		t.Fatalf("status %s, %d files, %d uploads", res.Status, len(res.Files), len(res.Uploads))
	}
	for i, f := range res.Files {
		if filepath.Dir(f) != out {
			t.Errorf("file %s is not in --out", f)
		}
		if err := wizschema.ValidateFile(f); err != nil {
			t.Error(err)
		}
		if res.Uploads[i].Status != "NOT_SENT" || res.Uploads[i].File != f {
			t.Errorf("upload %d: %+v", i, res.Uploads[i])
		}
	}
	if len(m.wz.Uploads()) != 0 {
		t.Error("a dry run uploaded")
	}

	// The real sync writes the same files: same sources in the same split.
	o = m.opts()
	o.MaxUploadBytes = limit
	o.Collect.Concurrency = 1
	o.OutDir = t.TempDir()
	real := m.sync(t, o)
	if len(real.Uploads) != len(res.Uploads) {
		t.Fatalf("the sync made %d uploads, the dry run %d files", len(real.Uploads), len(res.Uploads))
	}
	for i := range real.Uploads {
		if !slices.Equal(real.Uploads[i].DataSources, res.Uploads[i].DataSources) {
			t.Errorf("upload %d carries %v, the dry run's file %v", i, real.Uploads[i].DataSources, res.Uploads[i].DataSources)
		}
		if _, err := os.Stat(real.Uploads[i].File); err != nil {
			t.Errorf("--out lost upload file %d: %v", i, err)
		}
	}
}

// The mass-resolve guard's held sources, released by Confirm, go through
// the same split: whole, once, under the cap.
func TestReleasedSourcesAreSplitToo(t *testing.T) {
	m := newMemRig(t)
	limit := splitCap(t, m)
	m.sync(t, m.opts())
	for _, p := range m.ds.Projects {
		dropFindings(t, m.sg, p.Name, func(i int, _ semgreptest.Finding) bool { return i%10 == 0 })
	}
	o := m.opts()
	o.MaxUploadBytes = limit
	var held bool
	o.Confirm = func(p *Plan) bool { held = p.MassResolveHeld; return true }
	n := len(m.wz.Uploads())
	res := m.sync(t, o)
	if !held || res.Status != StatusSuccess {
		t.Fatalf("held %v, status %s", held, res.Status)
	}
	in := map[string]int{}
	for _, u := range m.wz.Uploads()[n:] {
		if int64(len(u.Body)) > limit && len(sourcesIn(t, u)) > 1 {
			t.Errorf("an upload of %d bytes is over the cap", len(u.Body))
		}
		for _, id := range sourcesIn(t, u) {
			in[id]++
		}
	}
	for _, r := range res.Repositories {
		if r.State == "sent" && in[r.DataSourceID] != 1 {
			t.Errorf("%s went in %d uploads", r.Name, in[r.DataSourceID])
		}
	}
	if want, have := m.wizHolds(), ledgerHolds(t, m.l); !maps.EqualFunc(want, have, slices.Equal) {
		t.Error("the ledger and Wiz disagree")
	}
}
