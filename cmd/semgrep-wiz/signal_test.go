package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds semgrep-wiz once per test run, for tests that need a real
// process (signals, kills).
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "semgrep-wiz-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "semgrep-wiz")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building semgrep-wiz: %v", buildErr)
	}
	return binPath
}

// startSync runs `semgrep-wiz sync --yes` as a process and returns it once
// its stderr shows wait (the step to interrupt).
func (h *harness) startSync(t *testing.T, wait string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(binary(t), "sync", "--yes")
	for k, v := range h.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), wait) {
				once.Do(func() { close(found) })
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the sync never reached %q:\n%s", wait, seen.String())
	}
	return cmd, &seen
}

func workDirFiles(t *testing.T, h *harness) []string {
	ents, _ := os.ReadDir(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], "work"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestSIGTERMCancelsCleanlyAndTheNextRunStartsClean(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on windows")
	}
	for _, step := range []string{"Reading findings…", "Waiting for Wiz"} {
		t.Run(step, func(t *testing.T) {
			h := newHarness(t, wiztest.Options{PollsInProgress: 100000})
			if step == "Reading findings…" {
				h.sg.Inject(semgreptestSlowFindings())
			}
			cmd, seen := h.startSync(t, step)
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v\n%s", err, seen)
			}
			if !strings.Contains(seen.String(), "cancelled") {
				t.Errorf("no word of the cancellation:\n%s", seen)
			}
			l, lerr := ledger.Open(context.Background(), h.vars["SEMGREP_WIZ_STATE_DIR"])
			if lerr != nil {
				t.Fatal(lerr)
			}
			runs, _ := l.Runs(context.Background(), 1)
			l.Close()
			if len(runs) != 1 || runs[0].Status != "cancelled" {
				t.Fatalf("recorded %+v", runs)
			}
			if files := workDirFiles(t, h); len(files) != 0 {
				t.Errorf("files left in the work directory: %v", files)
			}
			// The next run is clean (and Wiz answers at once now).
			h.wz.Close()
			h2 := newHarness(t, wiztest.Options{})
			h2.vars["SEMGREP_WIZ_STATE_DIR"] = h.vars["SEMGREP_WIZ_STATE_DIR"]
			h2.vars["SEMGREP_WIZ_CONFIG"] = h.vars["SEMGREP_WIZ_CONFIG"]
			if code, _, stderr := h2.run("sync", "--yes"); code != 0 {
				t.Fatalf("next run: exit %d\n%s", code, stderr)
			}
		})
	}
}

func TestKilledSyncIsShownInterrupted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix signals")
	}
	h := newHarness(t, wiztest.Options{PollsInProgress: 100000})
	cmd, _ := h.startSync(t, "Waiting for Wiz")
	cmd.Process.Kill()
	cmd.Wait()
	h2 := newHarness(t, wiztest.Options{})
	h2.vars["SEMGREP_WIZ_STATE_DIR"] = h.vars["SEMGREP_WIZ_STATE_DIR"]
	h2.vars["SEMGREP_WIZ_CONFIG"] = h.vars["SEMGREP_WIZ_CONFIG"]
	code, out, stderr := h2.run("sync", "--yes")
	if code != 0 || !strings.Contains(out, "interrupted") {
		t.Fatalf("exit %d, the next run does not mention the interrupted one:\n%s\n%s", code, out, stderr)
	}
	_, out, _ = h2.run("history")
	if !strings.Contains(out, "interrupted") || !strings.Contains(out, "success") {
		t.Fatalf("history:\n%s", out)
	}
}

// semgreptestSlowFindings makes every findings page slow, so a signal can
// land while findings are being read.
func semgreptestSlowFindings() semgreptest.Fault {
	return semgreptest.Fault{Op: semgreptest.OpFindings, Delay: 20 * time.Second, Times: 0}
}
