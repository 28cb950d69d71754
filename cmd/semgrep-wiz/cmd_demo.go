package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	uic "github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// Demo credentials of the local stand-ins. They are not secrets: they open
// nothing but servers this process starts on loopback.
const (
	demoClientID     = "democlientid0000000000000000000000000000000000000000001"
	demoClientSecret = "demo0secret0for0the0local0wiz0stand0in0only000000000000000000000"
)

const demoConfig = `# semgrep-wiz demo configuration (endpoints and secrets come from the environment)
wiz:
  vcs_hosts:
    git.acme-corp.internal: GitLab
`

type demoOpts struct {
	headless, dryRun, serve, baseline, bareClient bool
	repos, findings                               int
	latency                                       time.Duration
	cpuProfile                                    string
	spread                                        string
}

func cmdDemo(ctx context.Context, c *common, o demoOpts, e env) error {
	if o.bareClient {
		return bareClient(ctx, e)
	}
	headless, dryRun, serve, baseline := o.headless, o.dryRun, o.serve, o.baseline
	repos, findings, latency, cpuProfile := o.repos, o.findings, o.latency, o.cpuProfile

	if findings > 0 && repos <= 0 {
		return usagef("demo: --findings needs --repos")
	}
	if repos < 0 || findings < 0 || latency < 0 {
		return usagef("demo: --repos, --findings and --latency must not be negative")
	}
	spread := semgreptest.SpreadZipf
	if o.spread != "" {
		var err error
		if spread, err = semgreptest.ParseSpread(o.spread); err != nil {
			return usagef("demo: --spread: %v", err)
		}
	}
	if repos > 0 && headless && !serve {
		// The stand-ins run in a child process so the numbers (time, peak
		// memory) are the sync's own.
		return scaleRun(ctx, e, scaleSpec{repos: repos, findings: findings, latency: latency, dryRun: dryRun, baseline: baseline, stateDir: c.StateDir, cpuProfile: cpuProfile, spread: spread})
	}
	ds := semgreptest.DemoDataset(time.Now())
	sgOpts := []semgreptest.Option{semgreptest.WithLatency(latency)}
	if repos > 0 {
		// A deterministic dataset of the asked size (same seed, same data).
		ds = semgreptest.GenerateSpread(1, repos, max(findings, repos), spread, time.Now())
	}
	if repos > 0 && serve {
		// A scale run reads every finding, from pages rendered in advance.
		ds.OpenAndSevere()
		sgOpts = append(sgOpts, semgreptest.WithPageCache())
	}
	sg := semgreptest.NewServer(ds, sgOpts...)
	defer sg.Close()
	wz := wiztest.NewServer(wiztest.Options{ClientID: demoClientID, ClientSecret: demoClientSecret})
	defer wz.Close()
	if serve {
		return serveStandins(ctx, e, ds, sg, wz, repos > 0, cpuProfile)
	}

	de, cleanup, err := demoEnv(e, c.StateDir, standinVars(ds, sg, wz))
	if err != nil {
		return err
	}
	defer cleanup()

	if !headless {
		if e.isInteractive() && isTerminal(e.stdout) {
			return runTUI(ctx, &common{}, de, uic.Home)
		}
		fmt.Fprintln(e.stderr, "semgrep-wiz demo: not a terminal, so running the headless demo (the app needs a terminal).")
	}
	fmt.Fprintf(e.stdout, "semgrep-wiz demo: a local Semgrep stand-in at %s and a local Wiz stand-in at %s,\n", sg.URL, wz.URL)
	fmt.Fprintf(e.stdout, "with sample data for deployment %q. Nothing leaves this machine.\n\n", ds.Deployment.Slug)

	fmt.Fprintln(e.stdout, "── 1. semgrep-wiz check ──────────────────────────────────────────")
	if err := cmdCheck(ctx, &common{}, checkOpts{}, de); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\n── 2. semgrep-wiz preview --all ──────────────────────────────────")
	if err := cmdPreview(ctx, &common{}, previewOpts{all: true}, de); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\n── 3. semgrep-wiz sync --yes ─────────────────────────────────────")
	if err := cmdSync(ctx, &common{}, demoSync, de); err != nil {
		return err
	}
	printHeld(e, wz)

	// A day later: developers fixed some findings and a new full scan ran.
	fixed := fixSome(sg, "acme/payments-api", 12)
	fmt.Fprintf(e.stdout, "\n── 4. later: %d findings of acme/payments-api were fixed; semgrep-wiz preview ──\n", fixed)
	if err := cmdPreview(ctx, &common{}, previewOpts{}, de); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\n── 5. semgrep-wiz sync --yes ─────────────────────────────────────")
	if err := cmdSync(ctx, &common{}, demoSync, de); err != nil {
		return err
	}
	printHeld(e, wz)
	fmt.Fprintln(e.stdout, "\n── 6. semgrep-wiz history ────────────────────────────────────────")
	if err := historyList(ctx, &common{}, historyOpts{n: 20}, de); err != nil {
		return err
	}
	return nil
}

// demoSync is what the headless demo runs: sync --yes.
var demoSync = func() syncOpts { o := defaultSyncOpts(); o.yes = true; return o }()

// standinVars is the environment that points semgrep-wiz at the stand-ins.
func standinVars(ds *semgreptest.Dataset, sg *semgreptest.Server, wz *wiztest.Server) map[string]string {
	return map[string]string{
		"SEMGREP_API_URL": sg.URL, "SEMGREP_APP_TOKEN": ds.Token, "SEMGREP_DEPLOYMENT": ds.Deployment.Slug,
		"WIZ_API_ENDPOINT": wz.APIEndpoint(), "WIZ_AUTH_URL": wz.AuthURL(),
		"WIZ_CLIENT_ID": demoClientID, "WIZ_CLIENT_SECRET": demoClientSecret,
	}
}

// demoEnv is e pointed at the stand-ins (vars) with a configuration and
// state of its own: in stateDir, or in a temporary directory that cleanup
// removes. Nothing of the user's own configuration, keyring or state is read.
func demoEnv(e env, stateDir string, vars map[string]string) (env, func(), error) {
	cleanup := func() {}
	dir := stateDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "semgrep-wiz-demo-")
		if err != nil {
			return e, cleanup, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		dir = tmp
	}
	// The sample data has one self-hosted GitLab; the config file says so,
	// as an administrator's would.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return e, cleanup, fmt.Errorf("creating the demo directory: %w", err)
	}
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte(demoConfig), 0o600); err != nil {
		return e, cleanup, fmt.Errorf("writing the demo config: %w", err)
	}
	all := map[string]string{
		"SEMGREP_WIZ_CONFIG":    cfgFile,
		"SEMGREP_WIZ_STATE_DIR": dir,
		"XDG_CONFIG_HOME":       filepath.Join(dir, "config"),
		"XDG_STATE_HOME":        filepath.Join(dir, "state"),
		"HOME":                  dir,
		"NO_COLOR":              e.getenv("NO_COLOR"),
		// The user's garbage collector settings win in the demo too.
		"GOGC":       e.getenv("GOGC"),
		"GOMEMLIMIT": e.getenv("GOMEMLIMIT"),
	}
	for k, v := range vars {
		all[k] = v
	}
	de := e
	de.getenv = func(k string) string { return all[k] }
	de.pollInterval = 300 * time.Millisecond
	de.triggeredBy = "demo"
	return de, cleanup, nil
}

// printHeld shows what the Wiz stand-in holds per data source.
func printHeld(e env, wz *wiztest.Server) {
	held := wz.DataSources()
	ids := make([]string, 0, len(held))
	width := 0
	for id := range held {
		ids = append(ids, id)
		width = max(width, len(id))
	}
	sort.Strings(ids)
	fmt.Fprintln(e.stdout, "\nWhat the Wiz stand-in now holds, per data source:")
	for _, id := range ids {
		fmt.Fprintf(e.stdout, "  %-*s %4d open, %4d resolved\n", width, id, len(held[id].Open), len(held[id].Resolved))
	}
}

// fixSome removes up to n open high/critical findings of a project's
// default branch from the Semgrep stand-in, as a fix and a new full scan
// would, and records that scan.
func fixSome(sg *semgreptest.Server, project string, n int) int {
	fixed := 0
	sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			p := &ds.Projects[i]
			if p.Name != project {
				continue
			}
			branch := p.PrimaryBranch
			if branch == "" {
				branch = p.DefaultBranch
			}
			var kept []semgreptest.Finding
			for _, f := range p.Findings {
				if fixed < n && f.EffectiveStatus() == "open" && (f.Severity == "critical" || f.Severity == "high") && strings.TrimPrefix(f.Ref, "refs/heads/") == strings.TrimPrefix(branch, "refs/heads/") {
					fixed++
					continue
				}
				kept = append(kept, f)
			}
			p.Findings = kept
			now := time.Now().UTC()
			p.Scans = append(p.Scans, semgreptest.Scan{ID: 1 << 40, Branch: branch, IsFullScan: true, Status: "SCAN_STATUS_COMPLETED", StartedAt: now.Add(-2 * time.Minute), CompletedAt: now.Add(-time.Minute)})
		}
	})
	return fixed
}
