package wizschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

func encode(t *testing.T, o Options, sources []SourceInput) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := encodeSources(t.Context(), &buf, o, sources); err != nil {
		t.Fatalf("encoding: %v", err)
	}
	return buf.Bytes()
}

func TestEncodeDocumentValidates(t *testing.T) {
	sources := testSources(3, 25)
	out := encode(t, Options{AnalysisDate: testDate}, sources)
	if err := Validate(bytes.NewReader(out)); err != nil {
		t.Fatalf("encoded document does not validate: %v", err)
	}
	var doc Document
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.IntegrationID != CustomerIntegrationID {
		t.Errorf("integrationId = %q", doc.IntegrationID)
	}
	if len(doc.DataSources) != 3 {
		t.Fatalf("%d data sources", len(doc.DataSources))
	}
	ds := doc.DataSources[1]
	if ds.ID != "semgrep:github.com/acme/service-001" || !ds.AnalysisDate.Equal(testDate) {
		t.Errorf("data source = %q at %v", ds.ID, ds.AnalysisDate)
	}
	if len(ds.Assets) != 2 {
		t.Fatalf("%d assets", len(ds.Assets))
	}
	mainRB, featRB := ds.Assets[0].Details.RepositoryBranch, ds.Assets[1].Details.RepositoryBranch
	if mainRB.AssetID != ds.ID+"@main" || !*mainRB.IsDefault || featRB.AssetID != ds.ID+"@feature/login" || *featRB.IsDefault {
		t.Errorf("assets: %+v / %+v", mainRB, featRB)
	}
	// Ids on the feature branch carry the branch; the default branch's do not.
	in := sources[1].Assets
	for i, a := range ds.Assets {
		var want []string
		for _, f := range in[i].Findings {
			want = append(want, MapFinding(&f).ID)
		}
		var got []string
		for _, f := range a.SASTFindings {
			got = append(got, f.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("asset %d ids:\n got %q\nwant %q", i, got, want)
		}
	}
	if id := ds.Assets[1].SASTFindings[0].ID; !strings.HasSuffix(id, "@feature/login") {
		t.Errorf("feature-branch id %q lacks the branch suffix", id)
	}
	// The encoder and MapFinding agree on whole findings.
	if got, want := ds.Assets[0].SASTFindings[3], MapFinding(&in[0].Findings[3]); !reflectEqualJSON(got, want) {
		t.Errorf("encoded finding differs from MapFinding:\n got %+v\nwant %+v", got, want)
	}
}

func reflectEqualJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestZeroFindingsIsEmptyList(t *testing.T) {
	repo := testRepo(7)
	out := encode(t, Options{AnalysisDate: testDate}, []SourceInput{{
		ID:     finding.DataSourceID(repo),
		Assets: []AssetWithFindings{{Asset: AssetInput{Repo: repo, Branch: "main", IsDefault: true}}},
	}, {
		ID: "semgrep:github.com/acme/left-the-selection",
	}})
	if !bytes.Contains(out, []byte(`"sastFindings":[]`)) {
		t.Errorf("no empty finding list in %s", out)
	}
	if !bytes.Contains(out, []byte(`"id":"semgrep:github.com/acme/left-the-selection","analysisDate":"2026-03-04T05:06:07Z","assets":[]`)) {
		t.Errorf("empty data source not written as such: %s", out)
	}
	if err := Validate(bytes.NewReader(out)); err != nil {
		t.Error(err)
	}
	// The in-memory types say the same.
	b, _ := json.Marshal(Document{IntegrationID: "x", DataSources: []DataSource{{ID: "d", Assets: []Asset{{}}}}})
	if !bytes.Contains(b, []byte(`"sastFindings":[]`)) || !bytes.Contains(b, []byte(`"assets":[{`)) {
		t.Errorf("Document marshal: %s", b)
	}
	b, _ = json.Marshal(Document{})
	if string(b) != `{"integrationId":"","dataSources":[]}` {
		t.Errorf("empty Document marshal: %s", b)
	}
}

func TestEmptyDocument(t *testing.T) {
	out := encode(t, Options{IntegrationID: "partner-id"}, nil)
	if string(out) != `{"integrationId":"partner-id","dataSources":[]}`+"\n" {
		t.Errorf("empty document = %q", out)
	}
}

func TestEncodeRepairsOrRefuses(t *testing.T) {
	repo := testRepo(2)
	asset := AssetInput{Repo: repo, Branch: "main", IsDefault: true}
	write := func(fs ...finding.Finding) ([]byte, error) {
		var buf bytes.Buffer
		_, err := encodeSources(t.Context(), &buf, Options{}, []SourceInput{{
			ID: finding.DataSourceID(repo), Assets: []AssetWithFindings{{Asset: asset, Findings: fs}},
		}})
		return buf.Bytes(), err
	}

	// Repaired: an unnormalised CWE, a junk CWE, a zero severity, a zero
	// or negative line.
	f := testFinding(repo, "main", true, 1)
	f.CWEs = []string{"CWE-89: SQL Injection", "A03:2021"}
	f.Severity = finding.SeverityUnknown
	f.EndLine, f.StartColumn = 0, -4
	out, err := write(f)
	if err != nil {
		t.Fatalf("repairable finding refused: %v", err)
	}
	var doc Document
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sf := doc.DataSources[0].Assets[0].SASTFindings[0]
	if !slices.Equal(sf.Weaknesses, []string{"CWE-89"}) || sf.Severity != "None" || sf.EndLine != 0 || sf.StartColumn != 0 {
		t.Errorf("repaired finding = %+v", sf)
	}
	if err := Validate(bytes.NewReader(out)); err != nil {
		t.Error(err)
	}

	// Refused: no name at all, no id, a duplicate id, a finding of
	// another branch or repository.
	noName := testFinding(repo, "main", true, 2)
	noName.RuleName, noName.RuleID = "", ""
	noID := testFinding(repo, "main", true, 3)
	noID.ID = ""
	otherBranch := testFinding(repo, "dev", false, 4)
	wrongDefault := testFinding(repo, "main", false, 5)
	otherRepo := testFinding(testRepo(3), "main", true, 6)
	cases := []struct {
		name string
		fs   []finding.Finding
		want []string
	}{
		{"empty name", []finding.Finding{f, noName}, []string{"name is empty", noName.ID, "semgrep:github.com/acme/service-002@main", `data source "semgrep:github.com/acme/service-002"`}},
		{"empty id", []finding.Finding{noID}, []string{"id is empty"}},
		{"duplicate id", []finding.Finding{f, testFinding(repo, "main", true, 9), f}, []string{"duplicate finding id", f.ID}},
		{"other branch", []finding.Finding{otherBranch}, []string{`branch "dev"`}},
		{"default flag", []finding.Finding{wrongDefault}, []string{"default branch"}},
		{"other repository", []finding.Finding{otherRepo}, []string{"service-003"}},
	}
	for _, c := range cases {
		_, err := write(c.fs...)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", c.name, err)
		}
	}
}

func TestEncoderStateErrors(t *testing.T) {
	repo := testRepo(1)
	asset := AssetInput{Repo: repo, Branch: "main", IsDefault: true}
	dsID := finding.DataSourceID(repo)
	var buf bytes.Buffer

	e, _ := NewEncoder(&buf, Options{})
	if err := e.WriteAsset(asset, nil); err == nil {
		t.Error("asset outside a data source accepted")
	}
	if err := e.Close(); err == nil {
		t.Error("error is not sticky")
	}

	e, _ = NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(dsID)
	if err := e.Close(); err == nil || !strings.Contains(err.Error(), "still open") {
		t.Errorf("close with an open data source: %v", err)
	}

	e, _ = NewEncoder(&buf, Options{})
	if err := e.BeginDataSource(""); err == nil {
		t.Error("empty data source id accepted")
	}

	e, _ = NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(dsID)
	if err := e.WriteAsset(AssetInput{Repo: testRepo(2), Branch: "main"}, nil); err == nil || !strings.Contains(err.Error(), "one data source per repository") {
		t.Errorf("asset of another repository: %v", err)
	}

	e, _ = NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(dsID)
	_ = e.WriteAsset(asset, nil)
	if err := e.WriteAsset(asset, nil); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("same asset twice: %v", err)
	}

	e, _ = NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(dsID)
	_ = e.EndDataSource()
	if err := e.BeginDataSource(dsID); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("same data source twice: %v", err)
	}

	e, _ = NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(dsID)
	if err := e.BeginDataSource("semgrep:other"); err == nil {
		t.Error("nested data source accepted")
	}

	e, _ = NewEncoder(&buf, Options{})
	if err := e.EndDataSource(); err == nil {
		t.Error("EndDataSource without Begin accepted")
	}

	e, _ = NewEncoder(&buf, Options{})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.BeginDataSource(dsID); err == nil {
		t.Error("use after Close accepted")
	}

	// A sequence that fails part way aborts: no partial branch is sent.
	e, _ = NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(dsID)
	boom := errors.New("page 3 of findings: connection reset")
	f := testFinding(repo, "main", true, 1)
	err := e.WriteAssetSeq(asset, func(yield func(*finding.Finding, error) bool) {
		if yield(&f, nil) {
			yield(nil, boom)
		}
	})
	if !errors.Is(err, boom) {
		t.Errorf("failing sequence: %v", err)
	}
	if err := e.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after a failed asset: %v", err)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestWriteErrorSurfaces(t *testing.T) {
	_, err := encodeSources(t.Context(), &failingWriter{after: 100 << 10}, Options{}, testSources(2, 2000))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("write error = %v", err)
	}
}

func TestStats(t *testing.T) {
	var buf bytes.Buffer
	e, _ := NewEncoder(&buf, Options{})
	for _, s := range testSources(3, 10) {
		_ = e.BeginDataSource(s.ID)
		for _, a := range s.Assets {
			_ = e.WriteAsset(a.Asset, a.Findings)
		}
		_ = e.EndDataSource()
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if st.DataSources != 3 || st.Assets != 6 || st.Findings != 30 || st.Bytes != int64(buf.Len()) {
		t.Errorf("stats = %+v, wrote %d bytes", st, buf.Len())
	}
}

func TestHostileStrings(t *testing.T) {
	repo := testRepo(4)
	f := testFinding(repo, "main", true, 1)
	f.RuleName = "bad \x00\x01\x1f name \u2028\u2029 \"quoted\" \\ <b>&amp;</b>"
	f.Message = "invalid UTF-8: \xff\xfe\xc3 end"
	f.Snippet = "line1\nline2\r\n\ttab \x7f \xed\xa0\x80 surrogate"
	f.Path = "dir/\x1bweird\".py"
	out := encode(t, Options{}, []SourceInput{{
		ID:     finding.DataSourceID(repo),
		Assets: []AssetWithFindings{{Asset: AssetInput{Repo: repo, Branch: "main", IsDefault: true}, Findings: []finding.Finding{f}}},
	}})
	if !json.Valid(out) || !utf8.Valid(out) {
		t.Fatalf("output is not valid JSON/UTF-8: %q", out)
	}
	if err := Validate(bytes.NewReader(out)); err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	sf := doc.DataSources[0].Assets[0].SASTFindings[0]
	if sf.Name != f.RuleName {
		t.Errorf("valid UTF-8 with control characters did not round-trip: %q", sf.Name)
	}
	if !strings.Contains(string(out), "<b>&amp;</b>") {
		t.Error("HTML escaping is on")
	}
}

// TestEncoderMemoryBounded streams half a million findings generated on the
// fly: the heap must not grow with them.
func TestEncoderMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const assets, per = 100, 5000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	e, err := NewEncoder(discardCounter{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	before := heap()
	for s := 0; s < assets; s++ {
		repo := testRepo(s)
		if err := e.BeginDataSource(finding.DataSourceID(repo)); err != nil {
			t.Fatal(err)
		}
		err := e.WriteAssetSeq(AssetInput{Repo: repo, Branch: "main", IsDefault: true}, generate(repo, s*per, per))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.EndDataSource(); err != nil {
			t.Fatal(err)
		}
		if s%50 == 0 {
			peak = max(peak, heap())
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e.Stats().Findings != assets*per {
		t.Fatalf("wrote %d findings", e.Stats().Findings)
	}
	if grew := int64(peak) - int64(before); grew > 8<<20 {
		t.Errorf("heap grew by %d MiB while streaming %d findings", grew>>20, assets*per)
	}
}

type discardCounter struct{}

func (discardCounter) Write(p []byte) (int, error) { return len(p), nil }

func generate(repo finding.Repository, start, n int) iter.Seq2[*finding.Finding, error] {
	return func(yield func(*finding.Finding, error) bool) {
		for i := start; i < start+n; i++ {
			f := testFinding(repo, "main", true, i)
			if !yield(&f, nil) {
				return
			}
		}
	}
}

func ExampleEncoder() {
	repo := finding.Repository{Name: "acme/app", URL: "git@github.com:acme/app.git"}
	var buf bytes.Buffer
	e, _ := NewEncoder(&buf, Options{})
	_ = e.BeginDataSource(finding.DataSourceID(repo))
	_ = e.WriteAsset(AssetInput{Repo: repo, Branch: "main", IsDefault: true}, nil)
	_ = e.EndDataSource()
	_ = e.Close()
	fmt.Println(Validate(&buf), e.Stats().Assets)
	// Output: <nil> 1
}
