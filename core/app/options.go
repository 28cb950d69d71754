package app

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/metrics"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
)

// Options are the choices made on the command line that loading reads:
// where the configuration and the state are, connection settings given
// as flags (they win over the environment and the file), and local
// Semgrep files to read instead of the API.
type Options struct {
	ConfigFile string // --config
	StateDir   string // --state-dir
	// From are semgrep --json or --sarif files read instead of the
	// Semgrep API (--from, repeatable).
	From []string
	// What a --from file may not say about its repository: --repo-url,
	// --repo-name, --branch, --commit. Empty ones are taken from the
	// variables Semgrep and the common CI systems set.
	RepoURL, RepoName, Branch, Commit string
	// RepoRoot is the checkout the scan ran in (--repo-root): paths below
	// it become repository-relative.
	RepoRoot string
	// AllowScanErrors sends a --from file's repository even when its scan
	// failed (--allow-scan-errors).
	AllowScanErrors bool
	// Connection settings (flags > environment > file).
	WizAPIEndpoint, WizAuthURL, WizClientID string
	SemgrepAPIURL, SemgrepDeployment        string
}

// Env is what the layer reads of the outside world, so tests can run it
// in-process. Only Getenv is required.
type Env struct {
	// Getenv reads the environment (os.Getenv in the binary).
	Getenv func(string) string
	// Secrets, when set, replaces the OS keyring / credentials file (tests
	// must never read a developer's real keyring).
	Secrets config.SecretStore
	// Now, when set, is the clock of expiry decisions (status): tests move
	// it to make a last success old.
	Now func() time.Time
	// PollInterval, when set, makes Wiz activity polling faster (demo mode
	// and tests talk to a stand-in that answers at once).
	PollInterval time.Duration
	// WizRate, when set, replaces the Wiz client's request pacing (tests
	// poll every few milliseconds).
	WizRate float64
	// SemgrepRequests, when set, counts the requests sent to the Semgrep
	// API (scale runs compare them with the time taken).
	SemgrepRequests *atomic.Int64
	// Metrics, when set, counts every request the clients send (watch
	// --listen).
	Metrics *metrics.Metrics
}

// clock is the time expiry is judged at.
func (e Env) clock() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// overrides are the options that take part in configuration precedence.
func (o Options) overrides() config.Overrides {
	return config.Overrides{
		ConfigFile: o.ConfigFile, StateDir: o.StateDir,
		WizAPIEndpoint: o.WizAPIEndpoint, WizAuthURL: o.WizAuthURL, WizClientID: o.WizClientID,
		SemgrepAPIURL: o.SemgrepAPIURL, SemgrepDeployment: o.SemgrepDeployment,
	}
}

// fileContext fills what a CLI file does not say from the options, then
// from the variables Semgrep and the common CI systems set.
func (o Options) fileContext(getenv func(string) string) (repoURL, repoName, branch, commit string, err error) {
	first := func(vals ...string) string {
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
		return ""
	}
	gh := ""
	if getenv("GITHUB_REPOSITORY") != "" {
		gh = strings.TrimSuffix(first(getenv("GITHUB_SERVER_URL"), "https://github.com"), "/") + "/" + getenv("GITHUB_REPOSITORY")
	}
	repoURL = first(o.RepoURL, getenv("SEMGREP_REPO_URL"), gh, getenv("CI_PROJECT_URL"), getenv("BITBUCKET_GIT_HTTP_ORIGIN"), getenv("BUILD_REPOSITORY_URI"))
	repoName = first(o.RepoName, getenv("SEMGREP_REPO_NAME"), getenv("GITHUB_REPOSITORY"), getenv("CI_PROJECT_PATH"))
	branch = first(o.Branch, getenv("SEMGREP_BRANCH"), getenv("GITHUB_REF_NAME"), getenv("CI_COMMIT_REF_NAME"), getenv("BITBUCKET_BRANCH"), getenv("BUILD_SOURCEBRANCHNAME"))
	commit = first(o.Commit, getenv("SEMGREP_COMMIT"), getenv("GITHUB_SHA"), getenv("CI_COMMIT_SHA"), getenv("BITBUCKET_COMMIT"), getenv("BUILD_SOURCEVERSION"))
	// A pull-request build scans a diff, not the branch: sending it as the
	// branch would mark everything else fixed in Wiz.
	prBuild := strings.HasPrefix(getenv("GITHUB_EVENT_NAME"), "pull_request") || getenv("CI_MERGE_REQUEST_IID") != "" || getenv("BITBUCKET_PR_ID") != ""
	switch {
	case o.Branch == "" && prBuild:
		err = configf("this looks like a pull-request build: Wiz should receive full scans of the default branch only; pass --branch explicitly to send it anyway")
	case repoURL == "":
		err = configf("--from needs the repository's URL: pass --repo-url https://github.com/owner/repo (or set SEMGREP_REPO_URL)")
	case branch == "":
		err = configf("--from needs the scanned branch: pass --branch main (or set SEMGREP_BRANCH)")
	}
	return
}

// scanRoot finds where the scanned checkout is on this machine, so file
// paths can be made repository-relative: RepoRoot, else the CI
// workspace, else the git top level of the working directory. scanDir is
// the working directory (relative paths in a file are relative to where
// the scan ran, taken to be here).
func (o Options) scanRoot(getenv func(string) string) (root, scanDir string, err error) {
	scanDir, _ = os.Getwd()
	if o.RepoRoot != "" {
		abs, err := filepath.Abs(o.RepoRoot)
		if err != nil {
			return "", "", configf("--repo-root %s: %v", o.RepoRoot, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return "", "", configf("--repo-root %s: not a directory", o.RepoRoot)
		}
		return abs, scanDir, nil
	}
	root, _ = semgrep.FindRepoRoot(getenv, scanDir)
	return root, scanDir, nil
}
