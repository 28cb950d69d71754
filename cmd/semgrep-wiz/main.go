// Command semgrep-wiz sends Semgrep Code findings to Wiz. Headless
// subcommands print human progress on stderr and data on stdout; exit
// status 0 on success, 1 when the job failed, 2 on bad usage or
// configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
)

const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	usageHeader = `semgrep-wiz sends Semgrep Code (SAST) findings to Wiz.

Usage:
  semgrep-wiz [flags]             the terminal app (the setup wizard first if nothing is configured)
  semgrep-wiz <command> [flags]

Commands:
  setup     the setup wizard alone (--accessible: plain prompts)
  check     test the connection to Wiz and Semgrep (--json, --upload)
  preview   show what would be sent (--json | --csv, --all)
  sync      run one sync (--yes, --dry-run, --out DIR, --json, --allow-mass-resolve, --timeout 2h)
  history   past runs (--json, -n N); 'history show RUN', 'history refresh RUN'
  watch     stay running: sync after each new full scan, re-send daily (--interval 10m)
  demo      run against built-in local stand-ins of Semgrep and Wiz (--headless)
  version   print version, commit and build date

Common flags: --config FILE, --state-dir DIR, --from FILE (repeatable),
--repo-url URL, --branch NAME, --commit SHA, --no-color.
Run 'semgrep-wiz <command> -h' for a command's flags.
`
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// env is everything a command touches of the outside world, so tests can
// run commands in-process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// interactive reports whether stdin is a terminal; nil means ask the OS.
	interactive func() bool
	// pollInterval, when set, makes Wiz activity polling faster (demo mode
	// and tests talk to a stand-in that answers at once).
	pollInterval time.Duration
	// wizRate, when set, replaces the Wiz client's request pacing (tests
	// poll every few milliseconds).
	wizRate float64
	// semgrepRequests, when set, counts the requests sent to the Semgrep
	// API (scale runs compare them with the time taken).
	semgrepRequests *atomic.Int64
	// secrets, when set, replaces the OS keyring / credentials file (tests
	// must never read a developer's real keyring).
	secrets config.SecretStore
	// triggeredBy is recorded with each run ("cli" unless demo or watch
	// says otherwise).
	triggeredBy string
	// testing allows sub-second watch intervals.
	testing bool
}

func (e env) trigger() string {
	if e.triggeredBy != "" {
		return e.triggeredBy
	}
	return "cli"
}

func (e env) isInteractive() bool {
	if e.interactive != nil {
		return e.interactive()
	}
	f, ok := e.stdin.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// usageError is bad usage or configuration: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "--version") {
		return exitCode(cmdTUI(ctx, args, e, ""), e)
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "setup":
		err = cmdSetup(ctx, rest, e)
	case "check":
		err = cmdCheck(ctx, rest, e)
	case "preview":
		err = cmdPreview(ctx, rest, e)
	case "sync":
		err = cmdSync(ctx, rest, e)
	case "history":
		err = cmdHistory(ctx, rest, e)
	case "watch":
		err = cmdWatch(ctx, rest, e)
	case "demo":
		err = cmdDemo(ctx, rest, e)
	case "version", "--version":
		err = cmdVersion(rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usageHeader)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "semgrep-wiz: unknown command %q\n\n%s", cmd, usageHeader)
		return exitUsage
	}
	return exitCode(err, e)
}

// jobFailed carries the exit status of a job that ran and failed (its
// report has already been printed).
type jobFailed struct{ msg string }

func (j jobFailed) Error() string { return j.msg }

func exitCode(err error, e env) int {
	if err == nil {
		return exitOK
	}
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(e.stderr, "semgrep-wiz: %v\n", err)
		return exitUsage
	}
	var j jobFailed
	if errors.As(err, &j) {
		if j.msg != "" {
			fmt.Fprintf(e.stderr, "semgrep-wiz: %s\n", j.msg)
		}
		return exitFailed
	}
	fmt.Fprintf(e.stderr, "semgrep-wiz: %v\n", err)
	return exitFailed
}
