package ledger

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLockSameProcessOtherLedger(t *testing.T) {
	l1, dir := openTest(t)
	ctx := context.Background()
	l2, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()

	release, err := l1.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l2.Lock(ctx)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock error %T is not a *LockedError", err)
	}
	host, _ := os.Hostname()
	if le.PID != os.Getpid() || le.Host != host || time.Since(le.Since) > time.Minute || time.Since(le.Since) < 0 {
		t.Fatalf("LockedError = %+v; want pid %d host %s, since just now", le, os.Getpid(), host)
	}
	msg := err.Error()
	if !strings.Contains(msg, fmt.Sprintf("pid %d on host %s", os.Getpid(), host)) || !strings.HasSuffix(msg, "wait for it to finish") {
		t.Fatalf("message %q should name the holder's pid and host", msg)
	}

	release()
	release() // idempotent
	release2, err := l2.Lock(ctx)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	// Close releases a held lock too.
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	release2() // after Close: a no-op
	r, err := l1.Lock(ctx)
	if err != nil {
		t.Fatalf("Lock after the holder closed: %v", err)
	}
	r()
}

func TestLockCancelledContext(t *testing.T) {
	l, _ := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Lock(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock(cancelled) = %v", err)
	}
}

func TestLockedErrorMessage(t *testing.T) {
	now := time.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 12, 3, 4, 0, time.Local)
	for _, c := range []struct {
		e    LockedError
		want string
	}{
		{LockedError{PID: 1234, Host: "x", Since: today}, "another sync is running (pid 1234 on host x, since 12:03:04); wait for it to finish"},
		{LockedError{PID: 1234, Host: "x", Since: time.Date(2020, 1, 2, 3, 4, 5, 0, time.Local)}, "another sync is running (pid 1234 on host x, since 2020-01-02 03:04:05); wait for it to finish"},
		{LockedError{}, "another sync is running (holder unknown); wait for it to finish"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

// helperEnv selects what the re-executed test binary does (the standard
// helper-process pattern): "lock" holds the sync lock; "commit" dies
// half-way through a CommitSent.
const (
	helperEnv    = "LEDGER_TEST_HELPER"
	helperDirEnv = "LEDGER_TEST_DIR"
)

func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the lock and crash tests")
	}
	ctx := context.Background()
	l, err := Open(ctx, os.Getenv(helperDirEnv))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	switch mode {
	case "lock":
		if _, err := l.Lock(ctx); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println("ready")
	case "commit":
		if err := l.StartRun(ctx, Run{ID: "crashing"}); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		up, err := l.AddUpload(ctx, Upload{RunID: "crashing", DataSources: []string{"a", "b"}, Delivered: true, Status: "SUCCESS"})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		testHookAfterDelete = func(ds string) error {
			if ds == "b" { // a rewritten, b deleted: the worst moment to die
				fmt.Println("ready")
				select {}
			}
			return nil
		}
		err = l.CommitSent(ctx, up, []SentSet{{Source: DataSource{ID: "a"}, FindingIDs: ids("new", 5000)}, {Source: DataSource{ID: "b"}, FindingIDs: ids("nb", 10)}})
		fmt.Println("error: CommitSent returned", err)
		os.Exit(2)
	}
	select {} // hold until killed
}

// startHelper re-executes the test binary in a mode and waits until it
// reports "ready".
func startHelper(t *testing.T, mode, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if l := s.Text(); l == "ready" || strings.HasPrefix(l, "error:") {
				line <- l
				return
			}
		}
		line <- "helper exited"
	}()
	select {
	case l := <-line:
		if l != "ready" {
			t.Fatalf("helper %s: %s", mode, l)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("helper %s did not get ready", mode)
	}
	return cmd
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func TestLockHeldByAnotherProcess(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	child := startHelper(t, "lock", dir)

	_, err := l.Lock(ctx)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("Lock while a child holds it = %v, want ErrLocked", err)
	}
	if le.PID != child.Process.Pid || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", child.Process.Pid)) {
		t.Fatalf("error %q should name the child's pid %d", err, child.Process.Pid)
	}

	// The OS drops the lock of a killed process: no stale lock.
	kill(t, child)
	release, err := l.Lock(ctx)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	release()
}

// A process killed in the middle of CommitSent (after deleting a set, before
// writing its replacement) leaves the ledger as it was before the commit,
// and its run is shown as interrupted at the next start.
func TestKilledDuringCommitLeavesLedgerConsistent(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	up := deliveredUpload(t, l, "r1", "a", "b")
	oldA, oldB := ids("a", 3000), ids("b", 7)
	if err := l.CommitSent(ctx, up, []SentSet{{Source: DataSource{ID: "a"}, FindingIDs: oldA}, {Source: DataSource{ID: "b"}, FindingIDs: oldB}}); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, Run{ID: "r1", Status: "success"}); err != nil {
		t.Fatal(err)
	}
	l.Close()

	kill(t, startHelper(t, "commit", dir))

	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var check string
	if err := l.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if got := held(t, l, "a"); !slices.Equal(got, oldA) {
		t.Fatalf("Held(a) = %d ids after the crash, want the old %d", len(got), len(oldA))
	}
	if got := held(t, l, "b"); !slices.Equal(got, oldB) {
		t.Fatalf("Held(b) = %v after the crash, want the old set", got)
	}
	release, err := l.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if n, err := l.MarkInterrupted(ctx); err != nil || n != 1 {
		t.Fatalf("MarkInterrupted = %d, %v; want the crashed run", n, err)
	}
	r, err := l.GetRun(ctx, "crashing")
	if err != nil || r.Status != StatusInterrupted {
		t.Fatalf("crashed run = %+v, %v", r, err)
	}
	ups, _ := l.Uploads(ctx, "crashing")
	if len(ups) != 1 || ups[0].Committed {
		t.Fatalf("crashed upload = %+v; want recorded and not committed", ups)
	}
}
