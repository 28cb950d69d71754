package main

import (
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"

	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// serveStandins is `demo --serve`: the stand-ins alone, for a scale run in
// a parent process or for a person pointing semgrep-wiz at them. It prints
// the environment, then a "# ready" line, and serves until interrupted or
// until its standard input closes (the parent went away).
func serveStandins(ctx context.Context, e env, ds *semgreptest.Dataset, sg *semgreptest.Server, wz *wiztest.Server, warm bool, cpuProfile string) error {
	if warm {
		// Asked for once, each page the sync will ask for is rendered and kept.
		if err := walkPages(ctx, sg.URL, ds.Token, ds.Deployment.Slug); err != nil {
			return fmt.Errorf("rendering the findings pages: %w", err)
		}
	}
	stopProfile, err := startCPUProfile(cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	vars := standinVars(ds, sg, wz)
	names := slices.Sorted(maps.Keys(vars))
	fmt.Fprintf(e.stdout, "# semgrep-wiz demo stand-ins: %d repositories, %d findings (demo credentials: they open only these local servers)\n",
		len(ds.Projects), ds.FindingCount())
	for _, k := range names {
		fmt.Fprintf(e.stdout, "export %s='%s'\n", k, vars[k])
	}
	fmt.Fprintln(e.stdout, "# ready")
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, e.stdin) // EOF: the parent is gone
		stop()
	}()
	<-ctx.Done()
	return nil
}

type scaleSpec struct {
	repos, findings  int
	latency          time.Duration
	dryRun, baseline bool
	stateDir         string
	cpuProfile       string
	spread           semgreptest.Spread
}

// scaleRun is `demo --headless --repos N --findings M`: one sync of a
// generated dataset against stand-ins in a child process, timed, with this
// process's peak memory, so anyone can reproduce the performance numbers.
func scaleRun(ctx context.Context, e env, sp scaleSpec) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to start the stand-ins: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	child := exec.CommandContext(ctx, exe, "demo", "--serve", "--repos", strconv.Itoa(sp.repos),
		"--findings", strconv.Itoa(max(sp.findings, sp.repos)), "--latency", sp.latency.String(), "--spread", string(sp.spread))
	child.Stderr = e.stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return err
	}
	out, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	total := max(sp.findings, sp.repos)
	fmt.Fprintf(e.stdout, "semgrep-wiz demo: generating %d findings in %d repositories, spread %s (the largest holds %d), in the stand-ins (a separate process)…\n",
		total, sp.repos, sp.spread, sp.spread.Shares(sp.repos, total)[0])
	if err := child.Start(); err != nil {
		return fmt.Errorf("starting the stand-ins: %w", err)
	}
	defer func() {
		stdin.Close()
		cancel()
		_ = child.Wait()
	}()
	vars := map[string]string{}
	sc := bufio.NewScanner(out)
	ready := false
	for !ready && sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			vars[k] = strings.Trim(v, "'")
		}
		ready = line == "# ready"
	}
	if !ready {
		return errors.New("the stand-ins did not start")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()

	de, cleanup, err := demoEnv(e, sp.stateDir, vars)
	if err != nil {
		return err
	}
	defer cleanup()
	var requests atomic.Int64
	de.semgrepRequests = &requests

	so := defaultSyncOpts()
	so.json = true
	so.yes, so.dryRun = !sp.dryRun, sp.dryRun
	var res strings.Builder
	se := de
	se.stdout = &res
	stopProfile, err := startCPUProfile(sp.cpuProfile)
	if err != nil {
		return err
	}
	cpu0 := cpuTime()
	start := time.Now()
	err = cmdSync(ctx, &common{}, so, se)
	took := time.Since(start)
	stopProfile()
	cpu := cpuTime() - cpu0
	rss := peakRSS()
	var r struct {
		Status   string
		Findings struct{ Sent, Excluded int }
		Uploads  []struct{ Bytes int64 }
	}
	_ = json.Unmarshal([]byte(res.String()), &r)
	read := r.Findings.Sent + r.Findings.Excluded
	var bytes int64
	for _, u := range r.Uploads {
		bytes += u.Bytes
	}
	sentWord, _ := textfmt.CountWords(r.Status, r.Status == "dry_run", r.Status == "success" || r.Status == "partial")
	fmt.Fprintf(e.stdout, "sync %s: %d findings read and %d %s (%s upload file) in %s — %.0f findings per second; CPU %s; peak RSS %s\n",
		r.Status, read, r.Findings.Sent, sentWord, humanBytes(bytes), took.Round(time.Millisecond), float64(read)/took.Seconds(), cpu.Round(time.Millisecond), humanBytes(rss))
	if sp.latency > 0 {
		seq := time.Duration(requests.Load()) * sp.latency
		fmt.Fprintf(e.stdout, "%d Semgrep requests at %s each: one after another they would take at least %s; the sync took %s (%.1f× faster)\n",
			requests.Load(), sp.latency, seq.Round(time.Millisecond), took.Round(time.Millisecond), seq.Seconds()/took.Seconds())
	}
	if err != nil || !sp.baseline {
		return err
	}
	bare, err := runBareClient(ctx, exe, vars, e.stderr)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Fprintf(e.stdout, "bare client (encoding/json, %d repositories at once, its own process): %d findings in %d pages, %d requests, %s, CPU %s, peak RSS %s\n",
		pipeline.DefaultConcurrency, bare.Findings, bare.Pages, bare.Requests, secs(bare.Seconds), secs(bare.CPUSeconds), humanBytes(bare.PeakRSS))
	fmt.Fprintf(e.stdout, "the sync against the bare client: %.2f× its time, %.2f× its requests (%d), %.2f× its peak RSS\n",
		took.Seconds()/bare.Seconds, float64(requests.Load())/float64(bare.Requests), requests.Load(), float64(rss)/float64(max(bare.PeakRSS, 1)))
	return nil
}

func secs(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}

// runBareClient runs `demo --bare-client` against the stand-ins in a
// process of its own and reads what it measured.
func runBareClient(ctx context.Context, exe string, vars map[string]string, stderr io.Writer) (bareReport, error) {
	var r bareReport
	cmd := exec.CommandContext(ctx, exe, "demo", "--bare-client")
	cmd.Env = os.Environ()
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		cmd.Env = append(cmd.Env, k+"="+vars[k])
	}
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Seconds <= 0 || r.Requests <= 0 {
		return r, fmt.Errorf("the bare client answered %q", strings.TrimSpace(string(out)))
	}
	return r, nil
}

// walkPages asks for every findings page a sync with the default policy
// asks for, repository by repository, through the client code the sync
// uses (so the query is the sync's own): the stand-ins render them ahead.
func walkPages(ctx context.Context, base, token, slug string) error {
	c := semgrep.New(semgrep.Options{BaseURL: base, Token: token, HTTPClient: &http.Client{}, MaxConcurrency: 2})
	projects, err := c.Projects(ctx, slug)
	if err != nil {
		return err
	}
	pol := policy.Default()
	for _, p := range projects {
		q := pipeline.FindingsQuery(pol, p.Name, false)
		if err := c.Findings(ctx, slug, q, func([]finding.Finding) error { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// startCPUProfile profiles the process into path until stop is called;
// with path "" it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
