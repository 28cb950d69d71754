package jsoncmp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// The load: 20 repositories sharing 60,000 findings, served as pages of
// 3000 (the API's maximum page size).
const (
	nRepos    = 20
	nFindings = 60000
	pageSize  = 3000
	slug      = "scale-org"
	webBase   = "https://semgrep.dev"
)

// pageFinding has the shape of core/semgrep's apiFinding (same JSON names,
// same nesting) with plain Go types in place of flexInt, flexTime and
// flexStrings, so every library decodes the same thing by its own means.
type pageFinding struct {
	ID              int64           `json:"id"`
	Ref             string          `json:"ref"`
	FirstSeenScanID int64           `json:"first_seen_scan_id"`
	MatchBasedID    string          `json:"match_based_id"`
	State           string          `json:"state"`
	TriageState     string          `json:"triage_state"`
	Status          string          `json:"status"`
	Severity        string          `json:"severity"`
	Confidence      string          `json:"confidence"`
	Categories      []string        `json:"categories"`
	CreatedAt       string          `json:"created_at"`
	RelevantSince   string          `json:"relevant_since"`
	RuleName        string          `json:"rule_name"`
	RuleMessage     string          `json:"rule_message"`
	Location        *pageLocation   `json:"location"`
	Repository      *pageRepository `json:"repository"`
	LineOfCodeURL   string          `json:"line_of_code_url"`
	Rule            *pageRule       `json:"rule"`
	VulnID          json.RawMessage `json:"vulnerability_identifier"`
	FoundDependency json.RawMessage `json:"found_dependency"`
}

type pageLocation struct {
	FilePath  string `json:"file_path"`
	Line      int64  `json:"line"`
	Column    int64  `json:"column"`
	EndLine   int64  `json:"end_line"`
	EndColumn int64  `json:"end_column"`
}

type pageRepository struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type pageRule struct {
	Name       string   `json:"name"`
	Message    string   `json:"message"`
	Confidence string   `json:"confidence"`
	Category   string   `json:"category"`
	CWENames   []string `json:"cwe_names"`
	OWASPNames []string `json:"owasp_names"`
}

// page is the flat {"findings": [...]} envelope.
type page struct {
	Findings []pageFinding `json:"findings"`
}

// rawPage is the first pass of the real decoder's two-pass scheme.
type rawPage struct {
	Findings []json.RawMessage `json:"findings"`
}

// load is the measured data, built once per test binary.
type load struct {
	pages      [][]byte                // {"findings":[...]} bodies, 3000 findings each
	pageBytes  int64                   // sum of len(pages[i])
	findings   []finding.Finding       // as our decoder returns them, ids assigned
	sast       []wizschema.SASTFinding // wizschema.MapFinding of each
	sources    []wizschema.SourceInput // findings grouped per repository and branch
	stdOneSize int64                   // bytes of the SASTFindings marshalled one by one (std)
}

var (
	loadOnce sync.Once
	theLoad  *load
	loadErr  error
)

func getLoad(tb testing.TB) *load {
	tb.Helper()
	loadOnce.Do(func() { theLoad, loadErr = buildLoad() })
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	return theLoad
}

func buildLoad() (*load, error) {
	ds := semgreptest.GenerateDataset(1, nRepos, nFindings, time.Now())
	var all []semgreptest.Finding
	for _, p := range ds.Projects {
		all = append(all, p.Findings...)
	}
	l := &load{}
	for i := 0; i < len(all); i += pageSize {
		body, err := json.Marshal(struct {
			Findings []semgreptest.Finding `json:"findings"`
		}{all[i:min(i+pageSize, len(all))]})
		if err != nil {
			return nil, err
		}
		l.pages = append(l.pages, body)
		l.pageBytes += int64(len(body))
	}

	// Our real decoder, then ids per repository and the default-branch
	// flag as core/pipeline sets them (every generated project's primary
	// branch is main).
	byRepo := map[string][]finding.Finding{}
	var order []string
	for _, body := range l.pages {
		fs, err := semgrep.DecodeFindingsPage(bytes.NewReader(body), slug, webBase)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			id := finding.DataSourceID(f.Repo)
			if _, ok := byRepo[id]; !ok {
				order = append(order, id)
			}
			f.IsDefaultBranch = finding.SameBranch(f.Branch, "main")
			byRepo[id] = append(byRepo[id], f)
		}
	}
	for _, id := range order {
		fs := byRepo[id]
		finding.AssignIDs(fs)
		l.findings = append(l.findings, fs...)
		l.sources = append(l.sources, wizschema.SourceInput{ID: id, Assets: assetsByBranch(fs)})
	}
	if len(l.findings) != nFindings {
		return nil, fmt.Errorf("decoded %d findings, want %d", len(l.findings), nFindings)
	}
	l.sast = make([]wizschema.SASTFinding, len(l.findings))
	for i := range l.findings {
		l.sast[i] = wizschema.MapFinding(&l.findings[i])
	}
	m := stdCodec().newMarshaler()
	for i := range l.sast {
		b, err := m(&l.sast[i])
		if err != nil {
			return nil, err
		}
		l.stdOneSize += int64(len(b))
	}
	return l, nil
}

// assetsByBranch groups one repository's findings into assets the way
// core/pipeline does: the default branch first, then one asset per other
// branch in order of appearance.
func assetsByBranch(fs []finding.Finding) []wizschema.AssetWithFindings {
	repo := fs[0].Repo
	out := []wizschema.AssetWithFindings{{Asset: wizschema.AssetInput{Repo: repo, Branch: "main", IsDefault: true}}}
	idx := map[string]int{}
	for _, f := range fs {
		if f.IsDefaultBranch {
			out[0].Findings = append(out[0].Findings, f)
			continue
		}
		i, ok := idx[f.Branch]
		if !ok {
			i = len(out)
			idx[f.Branch] = i
			out = append(out, wizschema.AssetWithFindings{Asset: wizschema.AssetInput{Repo: repo, Branch: f.Branch}})
		}
		out[i].Findings = append(out[i].Findings, f)
	}
	return out
}

// codec is one library as we would call it.
type codec struct {
	name string
	// unmarshal decodes a whole document into v.
	unmarshal func(data []byte, v any) error
	// newMarshaler returns a marshal function that keeps its buffer
	// between calls, as wizschema.Encoder.marshal does: the result is
	// valid until the next call and carries no trailing newline. HTML
	// escaping is off, as in our encoder.
	newMarshaler func() func(v any) ([]byte, error)
}

// stdCodec is encoding/json used exactly as core/semgrep and
// core/wizschema use it. Built with GOEXPERIMENT=jsonv2 it is the v1 API
// implemented on top of v2.
func stdCodec() codec {
	return codec{
		name:      "std",
		unmarshal: json.Unmarshal,
		newMarshaler: func() func(any) ([]byte, error) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			return func(v any) ([]byte, error) {
				buf.Reset()
				if err := enc.Encode(v); err != nil {
					return nil, err
				}
				b := buf.Bytes()
				return b[:len(b)-1], nil
			}
		},
	}
}

// allCodecs is filled by the files of each library (init order does not
// matter: benchmarks and tests look them up by name).
var allCodecs = map[string]codec{}

func register(c codec) {
	if _, dup := allCodecs[c.name]; dup {
		panic("codec registered twice: " + c.name)
	}
	allCodecs[c.name] = c
}

func init() { register(stdCodec()) }

// codecOrder is the order of benchmarks and reports; names missing from
// allCodecs (v2 without the experiment) are skipped.
var codecOrder = []string{"std", "v2", "goccy", "sonic", "sonic-std", "segmentio", "jsoniter"}

func codecs() []codec {
	var out []codec
	for _, n := range codecOrder {
		if c, ok := allCodecs[n]; ok {
			out = append(out, c)
		}
	}
	if len(out) != len(allCodecs) {
		panic("codecOrder misses a registered codec")
	}
	return out
}
