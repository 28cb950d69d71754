package semgrep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

const absPaths = "cli-json--v1.84.1-LOW-severity-absolute-paths--defectdojo.json"

// TestPathsBecomeRepositoryRelative: absolute paths below the checkout
// lose it; without a known checkout they stay absolute, so the policy can
// keep them out of Wiz; a scan run in a subfolder gets its folder in front.
func TestPathsBecomeRepositoryRelative(t *testing.T) {
	root := "/Users/user.example/git/company/full-codebase"
	for _, tc := range []struct {
		name    string
		o       FileOptions
		want    string
		outside bool
	}{
		{"checkout known", FileOptions{Root: root}, "company/lead-magnet/src/templates/base.html.twig", false},
		{"checkout known, trailing slash", FileOptions{Root: root + "/"}, "company/lead-magnet/src/templates/base.html.twig", false},
		{"checkout unknown", FileOptions{}, "/Users/user.example/git/company/full-codebase/company/lead-magnet/src/templates/base.html.twig", true},
		{"another checkout", FileOptions{Root: "/home/runner/work/app/app"}, "/Users/user.example/git/company/full-codebase/company/lead-magnet/src/templates/base.html.twig", true},
		{"a sibling with the same prefix", FileOptions{Root: root + "/comp"}, "/Users/user.example/git/company/full-codebase/company/lead-magnet/src/templates/base.html.twig", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.RepoURL = "https://github.com/acme/app"
			res, err := ReadFile(sample(t, absPaths), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.Path != tc.want || finding.OutsideRepository(f.Path) != tc.outside {
					t.Errorf("path %q (outside %v), want %q", f.Path, finding.OutsideRepository(f.Path), tc.want)
				}
			}
		})
	}

	// Relative paths from a scan run in <root>/frontend.
	res := rewriteSample(t, juiceJSON, FileOptions{RepoURL: juiceOpts.RepoURL, Root: "/w/juice", ScanDir: "/w/juice/frontend"}, func(map[string]any) {})
	for _, f := range res.Findings {
		if !strings.HasPrefix(f.Path, "frontend/") {
			t.Errorf("scan of a subfolder: path %q lacks the folder", f.Path)
		}
	}
	// The scan ran at the root, or somewhere else entirely: unchanged.
	for _, scanDir := range []string{"/w/juice", "/tmp"} {
		res := rewriteSample(t, juiceJSON, FileOptions{RepoURL: juiceOpts.RepoURL, Root: "/w/juice", ScanDir: scanDir}, func(map[string]any) {})
		if res.Findings[0].Path != "data/static/codefixes/dbSchemaChallenge_1.ts" {
			t.Errorf("scan in %s: path %q", scanDir, res.Findings[0].Path)
		}
	}
	// A path that climbs out of the scan directory stays outside.
	res = rewriteSample(t, juiceJSON, juiceOpts, func(doc map[string]any) {
		results(doc)[0].(map[string]any)["path"] = "../other/x.ts"
	})
	if p := res.Findings[0].Path; p != "../other/x.ts" || !finding.OutsideRepository(p) {
		t.Errorf("climbing path %q", p)
	}
}

func TestFindRepoRoot(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "app", "src")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	if root, from := FindRepoRoot(noEnv, sub); root != "" {
		t.Fatalf("no checkout: got %s (%s)", root, from)
	}
	// A worktree's .git is a file.
	if err := os.WriteFile(filepath.Join(dir, ".git"), []byte("gitdir: /elsewhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if root, from := FindRepoRoot(noEnv, sub); root != dir || from != "git" {
		t.Errorf("git top level: %s (%s), want %s", root, from, dir)
	}
	env := map[string]string{"CI_PROJECT_DIR": "/builds/acme/app", "GITHUB_WORKSPACE": "/home/runner/work/app/app"}
	if root, from := FindRepoRoot(func(k string) string { return env[k] }, sub); root != "/home/runner/work/app/app" || from != "GITHUB_WORKSPACE" {
		t.Errorf("CI workspace: %s (%s)", root, from)
	}
}
