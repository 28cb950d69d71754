package ledger

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSyncElsewhere(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	watch, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	tui, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tui.Close()
	// The lock holder counts as another process.
	ownPID = func() int { return -1 }
	defer func() { ownPID = os.Getpid }()

	if e, err := tui.SyncElsewhere(ctx); err != nil || e != nil {
		t.Fatalf("nothing runs: %+v %v", e, err)
	}
	// An interrupted run from before, still marked running.
	if err := watch.StartRun(ctx, Run{ID: "old", StartedAt: time.Now().Add(-time.Hour), Trigger: "watch"}); err != nil {
		t.Fatal(err)
	}
	release, err := watch.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := tui.SyncElsewhere(ctx)
	if err != nil || e == nil || e.PID != os.Getpid() || e.Run != nil {
		t.Fatalf("lock held, run not recorded yet: %+v %v", e, err)
	}
	if e, _ := watch.SyncElsewhere(ctx); e != nil {
		t.Error("the holder sees its own sync as elsewhere")
	}
	if err := watch.StartRun(ctx, Run{ID: "now", Trigger: "watch"}); err != nil {
		t.Fatal(err)
	}
	if e, _ := tui.SyncElsewhere(ctx); e == nil || e.Run == nil || e.Run.ID != "now" || e.Run.Trigger != "watch" {
		t.Fatalf("running run: %+v", e)
	}
	release()
	if e, _ := tui.SyncElsewhere(ctx); e != nil {
		t.Errorf("after release: %+v", e)
	}

	// A holder that died: the record stays, its process is gone.
	host, _ := os.Hostname()
	rec := []byte(`{"pid": 2147483000, "host": "` + host + `", "since": "` + time.Now().UTC().Format(time.RFC3339) + `"}`)
	if err := os.WriteFile(filepath.Join(dir, LockFileName), rec, 0o600); err != nil {
		t.Fatal(err)
	}
	if e, _ := tui.SyncElsewhere(ctx); e != nil {
		t.Errorf("a dead holder: %+v", e)
	}
}
