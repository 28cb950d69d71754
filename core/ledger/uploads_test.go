package ledger

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func startRun(t *testing.T, l *Ledger, id string) {
	t.Helper()
	if err := l.StartRun(context.Background(), Run{ID: id, StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func addUpload(t *testing.T, l *Ledger, u Upload) int64 {
	t.Helper()
	id, err := l.AddUpload(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestUploadsRoundTrip(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	startRun(t, l, "r1")
	startRun(t, l, "r2")
	u := Upload{RunID: "r1", File: "/tmp/semgrep-wiz-r1.json", Bytes: 4096, SHA256: "ab12",
		Status: "PENDING", DataSources: []string{"semgrep:github.com/acme/z", "semgrep:github.com/acme/a"}, CreatedAt: t0}
	id := addUpload(t, l, u)
	id2 := addUpload(t, l, Upload{RunID: "r1", DataSources: []string{"semgrep:github.com/acme/b"}, CreatedAt: t0})
	addUpload(t, l, Upload{RunID: "r2", CreatedAt: t0})
	if id == 0 || id2 == id {
		t.Fatalf("ids %d, %d", id, id2)
	}

	u.ID = id
	u.UploadID, u.SystemActivityID = "up-1", "act-1"
	u.Status, u.StatusInfo = "SUCCESS", "2 of 3 findings handled"
	u.FindingsIncoming, u.FindingsHandled = 3, 2
	u.Delivered = true
	u.UpdatedAt = t0.Add(time.Minute)
	if err := l.UpdateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := l.Uploads(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Uploads(r1) has %d uploads, want 2", len(got))
	}
	if !reflect.DeepEqual(got[0], u) {
		t.Fatalf("upload:\n got %+v\nwant %+v", got[0], u)
	}
	if got[1].ID != id2 || !reflect.DeepEqual(got[1].DataSources, []string{"semgrep:github.com/acme/b"}) {
		t.Fatalf("second upload = %+v", got[1])
	}

	// Delivered never goes back to false.
	u.Delivered = false
	if err := l.UpdateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Uploads(ctx, "r1"); !got[0].Delivered {
		t.Fatal("UpdateUpload un-delivered an upload")
	}

	if err := l.UpdateUpload(ctx, Upload{ID: 9999}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("UpdateUpload(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := l.AddUpload(ctx, Upload{RunID: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddUpload(unknown run) = %v, want ErrNotFound", err)
	}
	if _, err := l.AddUpload(ctx, Upload{RunID: "r1", DataSources: []string{"a", "a"}}); err == nil {
		t.Fatal("AddUpload with a data source listed twice succeeded")
	}
	if got, err := l.Uploads(ctx, "nope"); err != nil || len(got) != 0 {
		t.Fatalf("Uploads(unknown) = %v, %v", got, err)
	}
}

func TestPendingUploads(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	startRun(t, l, "r1")
	want := map[int64]bool{}
	for _, c := range []struct {
		status    string
		delivered bool
		pending   bool
	}{
		{"", true, true},
		{"PENDING", true, true},
		{"UNKNOWN", true, true},
		{"IN_PROGRESS", true, true},
		{"SUCCESS", true, false},
		{"FAILURE", true, false},
		{"SKIPPED", true, false},
		{"", false, false}, // never reached Wiz: nothing to poll
	} {
		id := addUpload(t, l, Upload{RunID: "r1", Status: c.status, Delivered: c.delivered})
		if c.pending {
			want[id] = true
		}
	}
	got, err := l.PendingUploads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("PendingUploads returned %d, want %d: %+v", len(got), len(want), got)
	}
	for _, u := range got {
		if !want[u.ID] {
			t.Errorf("upload %d (status %q, delivered %v) listed as pending", u.ID, u.Status, u.Delivered)
		}
	}
}

func TestUploadsOnCountsDeliveredPerUTCDay(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	startRun(t, l, "r1")
	const ds = "semgrep:github.com/acme/app"
	lateDay1 := time.Date(2025, 3, 14, 23, 59, 0, 0, time.UTC)
	earlyDay2 := time.Date(2025, 3, 15, 0, 1, 0, 0, time.UTC)

	addUpload(t, l, Upload{RunID: "r1", DataSources: []string{ds, "other"}, CreatedAt: lateDay1, Delivered: true})
	addUpload(t, l, Upload{RunID: "r1", DataSources: []string{ds}, CreatedAt: earlyDay2, Delivered: true})
	addUpload(t, l, Upload{RunID: "r1", DataSources: []string{ds}, CreatedAt: lateDay1})                        // never delivered
	addUpload(t, l, Upload{RunID: "r1", DataSources: []string{"other"}, CreatedAt: earlyDay2, Delivered: true}) // another source
	// Created before midnight, delivered after: it counts on the day Wiz got it.
	slow := addUpload(t, l, Upload{RunID: "r1", DataSources: []string{ds}, CreatedAt: lateDay1})
	if err := l.UpdateUpload(ctx, Upload{ID: slow, Status: "PENDING", Delivered: true, UpdatedAt: earlyDay2}); err != nil {
		t.Fatal(err)
	}

	tokyo := time.FixedZone("UTC+9", 9*3600)
	for _, c := range []struct {
		t    time.Time
		want int
	}{
		{time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC), 1},
		{time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC), 2},
		{time.Date(2025, 3, 15, 8, 0, 0, 0, tokyo), 1}, // 23:00 UTC on the 14th
		{time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC), 0},
	} {
		n, err := l.UploadsOn(ctx, ds, c.t)
		if err != nil || n != c.want {
			t.Errorf("UploadsOn(%s) = %d, %v; want %d", c.t, n, err, c.want)
		}
	}
	if n, _ := l.UploadsOn(ctx, "unknown", earlyDay2); n != 0 {
		t.Errorf("UploadsOn(unknown) = %d", n)
	}
}

func TestNeverAccepted(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	startRun(t, l, "r1")
	if err := l.StartRun(ctx, Run{ID: "dry", StartedAt: t0, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	ok := addUpload(t, l, Upload{RunID: "r1", DataSources: []string{"semgrep:h/acme/ok", "semgrep:h/acme/failed"}, CreatedAt: t0})
	addUpload(t, l, Upload{RunID: "r1", DataSources: []string{"semgrep:h/acme/failed", "semgrep:h/acme/other"}, CreatedAt: t0})
	addUpload(t, l, Upload{RunID: "dry", DataSources: []string{"semgrep:h/acme/dry-only"}, CreatedAt: t0})
	if err := l.CommitSent(ctx, ok, []SentSet{{Source: DataSource{ID: "semgrep:h/acme/ok"}, FindingIDs: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := l.NeverAccepted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// ok was accepted; dry-only was never meant to be sent.
	if want := []string{"semgrep:h/acme/failed", "semgrep:h/acme/other"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("NeverAccepted = %v, want %v", got, want)
	}
}
