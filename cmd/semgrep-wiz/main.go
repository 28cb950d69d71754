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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/metrics"
)

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
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
	// uploadCap, when set, replaces wiz.max_upload_mb, in bytes (tests
	// split the small demo data into several uploads).
	uploadCap int64
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
	// now, when set, is the clock of expiry decisions (status, /status):
	// tests move it to make a last success old.
	now func() time.Time
	// metrics, when set, counts every request the clients send (watch
	// --listen).
	metrics *metrics.Metrics
}

// core is what core/app reads of e.
func (e env) core() app.Env {
	return app.Env{Getenv: e.getenv, Secrets: e.secrets, Now: e.now, PollInterval: e.pollInterval, WizRate: e.wizRate,
		SemgrepRequests: e.semgrepRequests, Metrics: e.metrics}
}

// clock is the time expiry is judged at.
func (e env) clock() time.Time {
	if e.now != nil {
		return e.now()
	}
	return time.Now()
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
	return isTerminal(e.stdin)
}

// usageError is bad usage or configuration: exit status 2. It is core's
// ConfigError, so loading's errors and the commands' own are one kind.
type usageError = app.ConfigError

func usagef(format string, a ...any) error { return usageError{Err: fmt.Errorf(format, a...)} }

// run runs the program on args and returns its exit status.
func run(ctx context.Context, args []string, e env) int {
	cl := &cli{e: e}
	return cl.exitCode(cl.execute(ctx, args))
}

// setupHint follows an error about settings that are not set anywhere:
// the wizard is the easy way to enter them.
const setupHint = "semgrep-wiz: not set up yet? Run 'semgrep-wiz setup' on a terminal to enter these settings once, or set the environment variables named above."

// jobFailed carries the exit status of a job that ran and failed (its
// report has already been printed).
type jobFailed struct{ msg string }

func (j jobFailed) Error() string { return j.msg }

// exitCode prints err on one line and returns the exit status that goes
// with it: 2 for bad usage or configuration (and anything cobra rejected
// before the command ran), 1 for a job that failed.
func (cl *cli) exitCode(err error) int {
	e := cl.e
	if err == nil {
		return exitOK
	}
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(e.stderr, "semgrep-wiz: %v\n", err)
		if app.MissingSettings(err) {
			fmt.Fprintln(e.stderr, setupHint)
		}
		return exitUsage
	}
	if !cl.ran {
		// Rejected by cobra itself (e.g. a completion shell it does not know).
		fmt.Fprintf(e.stderr, "semgrep-wiz: %s\n", oneLine(err.Error()))
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
