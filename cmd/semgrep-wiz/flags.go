package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
)

// common holds the flags every command takes. They are persistent flags
// of the root command, so they work before the command name as well as
// after it (semgrep-wiz --no-color check).
type common struct {
	configFile string
	stateDir   string
	from       []string
	repoURL    string
	repoName   string
	branch     string
	commit     string
	repoRoot   string
	// allowScanErrors sends a --from file's repository even when its scan
	// failed.
	allowScanErrors bool
	noColor         bool
	// Connection overrides (flags > environment > file).
	wizAPIEndpoint, wizAuthURL, wizClientID string
	semgrepAPIURL, semgrepDeployment        string
}

// register adds the common flags to fs.
func (c *common) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.configFile, config.FlagConfig, "", "config file (default $XDG_CONFIG_HOME/semgrep-wiz/config.yaml; env SEMGREP_WIZ_CONFIG)")
	fs.StringVar(&c.stateDir, config.FlagStateDir, "", "state directory (default $XDG_STATE_HOME/semgrep-wiz; env SEMGREP_WIZ_STATE_DIR)")
	// StringArray, not StringSlice: a path may hold a comma.
	fs.StringArrayVar(&c.from, "from", nil, "read findings from a semgrep --json or --sarif file instead of the API (repeatable)")
	fs.StringVar(&c.repoURL, "repo-url", "", "with --from: the repository's URL (else SEMGREP_REPO_URL or the CI's variables)")
	fs.StringVar(&c.repoName, "repo-name", "", "with --from: the repository's name, owner/repo (default: from the URL)")
	fs.StringVar(&c.branch, "branch", "", "with --from: the branch that was scanned (else SEMGREP_BRANCH or the CI's variables)")
	fs.StringVar(&c.commit, "commit", "", "with --from: the commit that was scanned (else SEMGREP_COMMIT or the CI's variables)")
	fs.StringVar(&c.repoRoot, "repo-root", "", "with --from: the checkout the scan ran in; paths below it become repository-relative (default: the CI workspace, else the git top level)")
	fs.BoolVar(&c.allowScanErrors, "allow-scan-errors", false, "with --from: send a file's repository even though Semgrep reports that its scan failed")
	fs.BoolVar(&c.noColor, "no-color", false, "no colour in output (also NO_COLOR)")
	fs.StringVar(&c.wizAPIEndpoint, config.FlagWizAPIEndpoint, "", "Wiz API endpoint URL (env WIZ_API_ENDPOINT)")
	fs.StringVar(&c.wizAuthURL, config.FlagWizAuthURL, "", "Wiz authentication URL (env WIZ_AUTH_URL)")
	fs.StringVar(&c.wizClientID, config.FlagWizClientID, "", "Wiz client id (env WIZ_CLIENT_ID; the secret only from WIZ_CLIENT_SECRET or the keyring)")
	fs.StringVar(&c.semgrepAPIURL, config.FlagSemgrepAPIURL, "", "Semgrep API URL (env SEMGREP_API_URL)")
	fs.StringVar(&c.semgrepDeployment, config.FlagSemgrepDeployment, "", "Semgrep deployment slug (env SEMGREP_DEPLOYMENT)")
}

// fileContext fills what a CLI file does not say from flags, then from the
// variables Semgrep and the common CI systems set.
func (c *common) fileContext(getenv func(string) string) (repoURL, repoName, branch, commit string, err error) {
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
	repoURL = first(c.repoURL, getenv("SEMGREP_REPO_URL"), gh, getenv("CI_PROJECT_URL"), getenv("BITBUCKET_GIT_HTTP_ORIGIN"), getenv("BUILD_REPOSITORY_URI"))
	repoName = first(c.repoName, getenv("SEMGREP_REPO_NAME"), getenv("GITHUB_REPOSITORY"), getenv("CI_PROJECT_PATH"))
	branch = first(c.branch, getenv("SEMGREP_BRANCH"), getenv("GITHUB_REF_NAME"), getenv("CI_COMMIT_REF_NAME"), getenv("BITBUCKET_BRANCH"), getenv("BUILD_SOURCEBRANCHNAME"))
	commit = first(c.commit, getenv("SEMGREP_COMMIT"), getenv("GITHUB_SHA"), getenv("CI_COMMIT_SHA"), getenv("BITBUCKET_COMMIT"), getenv("BUILD_SOURCEVERSION"))
	// A pull-request build scans a diff, not the branch: sending it as the
	// branch would mark everything else fixed in Wiz.
	prBuild := strings.HasPrefix(getenv("GITHUB_EVENT_NAME"), "pull_request") || getenv("CI_MERGE_REQUEST_IID") != "" || getenv("BITBUCKET_PR_ID") != ""
	switch {
	case c.branch == "" && prBuild:
		err = usagef("this looks like a pull-request build: Wiz should receive full scans of the default branch only; pass --branch explicitly to send it anyway")
	case repoURL == "":
		err = usagef("--from needs the repository's URL: pass --repo-url https://github.com/owner/repo (or set SEMGREP_REPO_URL)")
	case branch == "":
		err = usagef("--from needs the scanned branch: pass --branch main (or set SEMGREP_BRANCH)")
	}
	return
}

// scanRoot finds where the scanned checkout is on this machine, so file
// paths can be made repository-relative: --repo-root, else the CI
// workspace, else the git top level of the working directory. scanDir is
// the working directory (relative paths in a file are relative to where
// the scan ran, taken to be here).
func (c *common) scanRoot(getenv func(string) string) (root, scanDir string, err error) {
	scanDir, _ = os.Getwd()
	if c.repoRoot != "" {
		abs, err := filepath.Abs(c.repoRoot)
		if err != nil {
			return "", "", usagef("--repo-root %s: %v", c.repoRoot, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return "", "", usagef("--repo-root %s: not a directory", c.repoRoot)
		}
		return abs, scanDir, nil
	}
	root, _ = semgrep.FindRepoRoot(getenv, scanDir)
	return root, scanDir, nil
}

// overrides are the flags that take part in configuration precedence.
func (c *common) overrides() config.Overrides {
	return config.Overrides{
		ConfigFile: c.configFile, StateDir: c.stateDir,
		WizAPIEndpoint: c.wizAPIEndpoint, WizAuthURL: c.wizAuthURL, WizClientID: c.wizClientID,
		SemgrepAPIURL: c.semgrepAPIURL, SemgrepDeployment: c.semgrepDeployment,
	}
}
