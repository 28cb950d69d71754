package semgrep

import (
	"os"
	"path/filepath"
	"strings"
)

// workspaceVars are the variables CI systems set to the checkout's
// directory, in the order they are tried.
var workspaceVars = []string{
	"GITHUB_WORKSPACE",              // GitHub Actions
	"CI_PROJECT_DIR",                // GitLab CI
	"BUILD_SOURCESDIRECTORY",        // Azure Pipelines
	"BITBUCKET_CLONE_DIR",           // Bitbucket Pipelines
	"BUILDKITE_BUILD_CHECKOUT_PATH", // Buildkite
	"CIRCLE_WORKING_DIRECTORY",      // CircleCI
	"TRAVIS_BUILD_DIR",              // Travis CI
	"DRONE_WORKSPACE",               // Drone
	"WORKSPACE",                     // Jenkins
}

// FindRepoRoot finds the scanned checkout's root on this machine: the CI
// workspace when a CI system names one, else the git top level above dir
// (a ".git" directory, or file in a worktree). from says which ("" when
// none was found).
func FindRepoRoot(getenv func(string) string, dir string) (root, from string) {
	for _, v := range workspaceVars {
		w := strings.TrimSpace(getenv(v))
		if w == "" {
			continue
		}
		if strings.HasPrefix(w, "~/") { // CircleCI's default is ~/project
			home, err := os.UserHomeDir()
			if err != nil {
				continue
			}
			w = filepath.Join(home, w[2:])
		}
		if abs, err := filepath.Abs(w); err == nil {
			return abs, v
		}
	}
	if dir == "" {
		return "", ""
	}
	for d := filepath.Clean(dir); ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, "git"
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ""
		}
		d = parent
	}
}
