package ledger

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 14, 12, 3, 4, 123456789, time.UTC)

func TestRunsRoundTripNewestFirst(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	runs := []Run{
		{ID: "20250314T120304Z-aaa111", StartedAt: t0, Trigger: "cli", User: "ana", Host: "h1", Policy: `{"severities":["high"]}`, Source: "api:acme"},
		{ID: "20250314T130000Z-bbb222", StartedAt: t0.Add(time.Hour), Trigger: "watch", Source: "files", DryRun: true},
		{ID: "20250314T140000Z-ccc333", StartedAt: t0.Add(2 * time.Hour), Trigger: "tui", Status: "success"},
	}
	for _, r := range runs {
		if err := l.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.StartRun(ctx, runs[0]); err == nil {
		t.Fatal("a second StartRun with the same id succeeded")
	}
	fin := runs[0]
	fin.Status, fin.FinishedAt, fin.Error = "partial", t0.Add(time.Minute), "1 repository could not be read"
	fin.Sent, fin.New, fin.Unchanged, fin.Resolved, fin.Excluded, fin.Repositories = 10, 3, 7, 2, 5, 4
	fin.User = "ignored" // FinishRun only records the outcome
	if err := l.FinishRun(ctx, fin); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, Run{ID: "nope", Status: "success"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FinishRun(unknown) = %v, want ErrNotFound", err)
	}
	if err := l.FinishRun(ctx, Run{ID: runs[1].ID, Status: "running"}); err == nil {
		t.Fatal("FinishRun with status running succeeded")
	}

	check := func(l *Ledger) {
		t.Helper()
		got, err := l.Runs(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		want0 := fin
		want0.User = "ana"
		want1, want2 := runs[1], runs[2]
		want1.Status, want2.Status = "running", "running" // StartRun ignores the given status
		want := []Run{want2, want1, want0}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Runs:\n got %+v\nwant %+v", got, want)
		}
		two, err := l.Runs(ctx, 2)
		if err != nil || len(two) != 2 || two[0].ID != runs[2].ID {
			t.Fatalf("Runs(2) = %v, %v", two, err)
		}
	}
	check(l)
	l.Close()
	l2, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	check(l2)
}

func TestGetRunPrefix(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	for i, id := range []string{"20250314T120304Z-aaa111", "20250314T120304Z-aab222", "20250315T080000Z-ccc333"} {
		if err := l.StartRun(ctx, Run{ID: id, StartedAt: t0.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]string{
		"20250314T120304Z-aaa111": "20250314T120304Z-aaa111",
		"20250314T120304Z-aab":    "20250314T120304Z-aab222",
		"20250315":                "20250315T080000Z-ccc333",
	} {
		r, err := l.GetRun(ctx, prefix)
		if err != nil || r.ID != want {
			t.Errorf("GetRun(%q) = %q, %v; want %q", prefix, r.ID, err, want)
		}
	}
	_, err := l.GetRun(ctx, "20250314T120304Z-aa")
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "20250314T120304Z-aaa111") || !strings.Contains(err.Error(), "20250314T120304Z-aab222") {
		t.Fatalf("ambiguous prefix: err = %v, want ErrAmbiguous listing both runs", err)
	}
	for _, p := range []string{"2026", "", "%", "2025031_"} {
		if _, err := l.GetRun(ctx, p); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetRun(%q) = %v, want ErrNotFound", p, err)
		}
	}
}

func TestEventsRoundTrip(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	for _, id := range []string{"r1", "r2"} {
		if err := l.StartRun(ctx, Run{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	evs := []Event{
		{Time: t0, Kind: "step_started", Step: "collect"},
		{Time: t0.Add(time.Second), Kind: "repo_failed", Step: "collect", Repo: "acme/app", Message: "HTTP 502"},
		{Time: t0.Add(2 * time.Second), Kind: "bytes_sent", Step: "upload", Done: 1 << 20, Total: 3 << 20},
		{Time: t0.Add(3 * time.Second), Kind: "activity_status", Step: "poll", ActivityID: "act-1", ActivityStatus: "IN_PROGRESS"},
	}
	if err := l.AddEvents(ctx, "r1", evs[:2]...); err != nil {
		t.Fatal(err)
	}
	if err := l.AddEvents(ctx, "r2", Event{Kind: "warning", Message: "other run"}); err != nil {
		t.Fatal(err)
	}
	if err := l.AddEvents(ctx, "r1", evs[2:]...); err != nil {
		t.Fatal(err)
	}
	got, err := l.Events(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, evs) {
		t.Fatalf("Events:\n got %+v\nwant %+v", got, evs)
	}
	other, err := l.Events(ctx, "r2")
	if err != nil || len(other) != 1 || other[0].Time.IsZero() {
		t.Fatalf("Events(r2) = %+v, %v; want one event stamped with a time", other, err)
	}
	if err := l.AddEvents(ctx, "nope", evs[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddEvents(unknown run) = %v, want ErrNotFound", err)
	}
	if got, err := l.Events(ctx, "nope"); err != nil || len(got) != 0 {
		t.Fatalf("Events(unknown) = %v, %v", got, err)
	}
}

func TestMarkInterrupted(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	if err := l.StartRun(ctx, Run{ID: "dead", StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := l.AddEvents(ctx, "dead", Event{Time: t0.Add(5 * time.Second), Kind: "step_started", Step: "upload"}); err != nil {
		t.Fatal(err)
	}
	if err := l.StartRun(ctx, Run{ID: "quiet", StartedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := l.StartRun(ctx, Run{ID: "done", StartedAt: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, Run{ID: "done", Status: "success", FinishedAt: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A process killed mid-run leaves the row "running"; simulate by
	// closing without FinishRun and reopening.
	l.Close()
	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	if _, err := l.MarkInterrupted(ctx); err == nil {
		t.Fatal("MarkInterrupted without the lock succeeded")
	}
	release, err := l.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	n, err := l.MarkInterrupted(ctx)
	if err != nil || n != 2 {
		t.Fatalf("MarkInterrupted = %d, %v; want 2", n, err)
	}
	dead, _ := l.GetRun(ctx, "dead")
	if dead.Status != StatusInterrupted || !dead.FinishedAt.Equal(t0.Add(5*time.Second)) || dead.Error == "" {
		t.Fatalf("dead run = %+v; want interrupted at its last event with an explanation", dead)
	}
	quiet, _ := l.GetRun(ctx, "quiet")
	if quiet.Status != StatusInterrupted || !quiet.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("quiet run = %+v; want interrupted at its start", quiet)
	}
	done, _ := l.GetRun(ctx, "done")
	if done.Status != "success" || !done.FinishedAt.Equal(t0.Add(3*time.Hour)) || done.Error != "" {
		t.Fatalf("finished run changed: %+v", done)
	}
	if n, err := l.MarkInterrupted(ctx); err != nil || n != 0 {
		t.Fatalf("second MarkInterrupted = %d, %v; want 0", n, err)
	}
}
