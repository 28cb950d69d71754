package semgrep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// MaxFileSize is the largest findings file ReadFile and Read accept. The
// file is read whole (a result can only be interpreted once the format is
// known, and JSON keys come in any order), so the limit bounds memory.
const MaxFileSize = 512 << 20

// maxFileSize is MaxFileSize; tests lower it.
var maxFileSize int64 = MaxFileSize

// Formats of FileResult.Format.
const (
	FormatJSON  = "json"
	FormatSARIF = "sarif"
)

// FileOptions say what a findings file cannot: which repository, branch and
// commit it was scanned from.
type FileOptions struct {
	RepoURL    string
	RepoName   string // default: the last two path segments of the normalised RepoURL
	Branch     string
	Commit     string
	Deployment string
	// Root is the repository's root directory on this machine (absolute),
	// when known: absolute paths below it become repository-relative.
	Root string
	// ScanDir is the directory the scan ran in (absolute), when known:
	// relative paths are relative to it, so a scan of a subfolder gets the
	// subfolder's path below Root in front.
	ScanDir string
}

// FileResult is what a findings file held.
type FileResult struct {
	Path        string
	Format      string // FormatJSON or FormatSARIF
	ToolVersion string
	Findings    []finding.Finding
	ScanErrors  int // errors the scan reported (JSON errors[], SARIF notifications)
	// ScanReport holds those errors, each classified fatal or not: a file
	// whose scan failed must never be read as "no findings".
	ScanReport
	// Rules is the number of rules that ran, when the file says (SARIF
	// always; JSON only with timing data), else 0.
	Rules int
}

// ReadFile reads a `semgrep scan --json` or `--sarif` file, telling the two
// apart by content. Every error is one line that names the file.
func ReadFile(p string, o FileOptions) (*FileResult, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fileErr(p, "%s", osReason(err))
	}
	if fi.IsDir() {
		return nil, fileErr(p, "is a directory, not a findings file")
	}
	if fi.Size() > maxFileSize {
		return nil, fileErr(p, "file is %s, over the %s limit", mib(fi.Size()), mib(maxFileSize))
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fileErr(p, "%s", osReason(err))
	}
	defer f.Close()
	return Read(f, p, o)
}

// Read is ReadFile for an open reader; name is used in errors and as
// FileResult.Path / Finding.SourceFile.
func Read(r io.Reader, name string, o FileOptions) (*FileResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fileErr(name, "%s", osReason(err))
	}
	if int64(len(data)) > maxFileSize {
		return nil, fileErr(name, "file is over the %s limit", mib(maxFileSize))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // BOM from Windows tools
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileErr(name, "file is empty; expected Semgrep JSON or SARIF output")
	}

	if c := bytes.TrimSpace(data)[0]; c != '{' && c != '[' && c != '"' {
		return nil, fileErr(name, "not a Semgrep JSON or SARIF file (the content is not JSON)")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
			return nil, fileErr(name, "line %d: invalid JSON: unexpected end of input (is the file truncated?)", lineAt(data, int64(len(data))))
		case errors.As(err, &se):
			return nil, fileErr(name, "line %d: invalid JSON: %s", lineAt(data, se.Offset), oneLine(strings.TrimPrefix(se.Error(), "json: "), 120))
		case errors.As(err, &te):
			return nil, fileErr(name, "not a Semgrep JSON or SARIF file (the top level is %s, not an object)", jsonKind(bytes.TrimSpace(data)))
		}
		return nil, fileErr(name, "invalid JSON: %s", oneLine(err.Error(), 120))
	}

	var res *FileResult
	switch {
	case top["runs"] != nil:
		res, err = readSARIF(top, name, o)
	case top["results"] != nil:
		res, err = readCLIJSON(top, name, o)
	case top["findings"] != nil || top["sastFindings"] != nil:
		return nil, fileErr(name, `looks like a Semgrep API response ("findings"), not semgrep scan --json or --sarif output`)
	case top["deployments"] != nil || top["projects"] != nil || top["scans"] != nil:
		return nil, fileErr(name, "looks like a Semgrep API response, not semgrep scan --json or --sarif output")
	default:
		return nil, fileErr(name, `not a Semgrep JSON or SARIF file (no "results" array)`)
	}
	if err != nil {
		return nil, fileErr(name, "%s", err.Error())
	}
	res.Path = name
	finding.AssignIDs(res.Findings)
	return res, nil
}

// fileErr makes the one-line "reading <file>: ..." error.
func fileErr(name, format string, args ...any) error {
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	return fmt.Errorf("reading %s: %s", name, msg)
}

func osReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "file not found"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func mib(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// fileFinding starts a finding with what the options say.
func (o FileOptions) base(src finding.Source, name string) finding.Finding {
	return finding.Finding{
		Source:     src,
		SourceFile: name,
		Product:    finding.ProductSAST,
		Repo: finding.Repository{
			Name:       o.repoName(),
			URL:        strings.TrimSpace(o.RepoURL),
			Deployment: o.Deployment,
		},
		Ref:    o.Branch,
		Branch: finding.NormalizeBranch(o.Branch),
		Commit: strings.TrimSpace(o.Commit),
		Status: "open",
	}
}

// RepoName is the repository's name: RepoName, else the last two path
// segments of the normalised RepoURL, else the normalised URL itself.
func (o FileOptions) RepoNameOrURL() string {
	if n := o.repoName(); n != "" {
		return n
	}
	return finding.NormalizeRepoURL(o.RepoURL)
}

// Repository is the repository the options name.
func (o FileOptions) Repository() finding.Repository {
	return finding.Repository{Name: o.RepoNameOrURL(), URL: strings.TrimSpace(o.RepoURL), Deployment: o.Deployment}
}

// repoPath makes a reported path repository-relative (forward slashes, no
// "./"). A path that cannot be placed inside the repository comes back
// absolute or starting with "../"; policy excludes those findings.
func (o FileOptions) repoPath(p string) string {
	p = cleanPath(p)
	if p == "" {
		return ""
	}
	root := slashDir(o.Root)
	if isAbsPath(p) {
		if rel, ok := below(root, p); ok {
			return rel
		}
		return p
	}
	if scan := slashDir(o.ScanDir); root != "" && scan != "" {
		if prefix, ok := below(root, scan); ok && prefix != "" {
			p = path.Join(prefix, p)
		}
	}
	return strings.TrimPrefix(path.Clean(p), "./")
}

// slashDir is a cleaned absolute directory with forward slashes, or "".
func slashDir(d string) string {
	d = strings.TrimSpace(d)
	if d == "" {
		return ""
	}
	d = path.Clean(strings.ReplaceAll(d, `\`, "/"))
	if !isAbsPath(d) {
		return ""
	}
	return d
}

// below reports p's path relative to dir when p is dir or inside it.
func below(dir, p string) (string, bool) {
	if dir == "" {
		return "", false
	}
	if p == dir {
		return "", true
	}
	prefix := strings.TrimSuffix(dir, "/") + "/"
	if strings.HasPrefix(p, prefix) {
		return p[len(prefix):], true
	}
	// Windows drive letters and paths differ in case only.
	if len(p) > 2 && p[1] == ':' && strings.HasPrefix(strings.ToLower(p), strings.ToLower(prefix)) {
		return p[len(prefix):], true
	}
	return "", false
}

// isAbsPath reports /x and C:/x.
func isAbsPath(p string) bool {
	return strings.HasPrefix(p, "/") || (len(p) >= 3 && p[1] == ':' && p[2] == '/')
}

func (o FileOptions) repoName() string {
	if n := strings.Trim(strings.TrimSpace(o.RepoName), "/"); n != "" {
		return n
	}
	n := finding.NormalizeRepoURL(o.RepoURL)
	parts := strings.Split(n, "/")
	if len(parts) < 2 {
		return ""
	}
	if len(parts) == 2 {
		return parts[1]
	}
	return strings.Join(parts[len(parts)-2:], "/")
}

var uriBaseRe = regexp.MustCompile(`^%[A-Za-z0-9_]+%[/\\]?`)

// cleanPath makes a reported path repository-relative where it can: it
// strips file://, %SRCROOT%-style prefixes and a leading "./", and uses
// forward slashes. Absolute paths are kept (cleaned): the caller does not
// know the scan root, so cutting them would be a guess.
func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	if len(p) >= 7 && strings.EqualFold(p[:7], "file://") {
		p = p[7:]
		// file://localhost/x and file:///C:/x
		p = strings.TrimPrefix(p, "localhost")
		if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
	}
	p = uriBaseRe.ReplaceAllString(p, "")
	p = strings.ReplaceAll(p, `\`, "/")
	p = path.Clean(p)
	if p == "." || p == "/" {
		return ""
	}
	return strings.TrimPrefix(p, "./")
}

// fingerprintRe matches a Semgrep match-based id: 128 hex digits and an
// "_<index>" today, 32 hex digits in CLI 0.x.
var fingerprintRe = regexp.MustCompile(`^[0-9a-fA-F]{32,128}(_[0-9]+)?$`)

// matchBasedID returns fp when it is a real fingerprint. "requires login"
// (not logged in) and the masked placeholders of test snapshots ("0x42")
// are the same on every result and so are never identities.
func matchBasedID(fp string) string {
	fp = strings.TrimSpace(fp)
	if isNotLoggedIn(fp) || !fingerprintRe.MatchString(fp) {
		return ""
	}
	return fp
}

// isNotLoggedIn reports the CLI's "requires login" placeholder, blanks
// around it included: it is never code or an identity.
func isNotLoggedIn(s string) bool {
	return strings.TrimSpace(s) == finding.NotLoggedIn
}

// rawString returns raw as a string when it is a JSON string.
func rawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
