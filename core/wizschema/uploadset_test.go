package wizschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// spoolSources encodes sources into a spool and drains them into the set,
// the way a sync hands over finished data sources.
func spoolSources(t *testing.T, dir string, o Options, set *UploadSet, sources []SourceInput) map[string]int64 {
	t.Helper()
	sp, err := NewSpool(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sizes := map[string]int64{}
	for _, s := range sources {
		err := sp.Write(s.ID, func(e *Encoder) error {
			for _, a := range s.Assets {
				if err := e.WriteAsset(a.Asset, a.Findings); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// One source at a time, as the sync does: the spool is reused.
		if err := sp.Drain(func(src EncodedSource) error {
			sizes[src.ID] = src.Size
			return set.Add(src)
		}); err != nil {
			t.Fatal(err)
		}
	}
	return sizes
}

type docShape struct {
	DataSources []struct {
		ID     string `json:"id"`
		Assets []struct {
			SastFindings []json.RawMessage `json:"sastFindings"`
		} `json:"assets"`
	} `json:"dataSources"`
}

func readShape(t *testing.T, path string) docShape {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d docShape
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestUploadSetSplitsAtDataSourcesUnderTheCap(t *testing.T) {
	dir := t.TempDir()
	o := Options{AnalysisDate: testDate}
	sources := testSources(9, 10)
	// Repository 0, far larger than the cap, moves to the middle.
	sources[0] = testSources(1, 400)[0]
	sources[0], sources[4] = sources[4], sources[0]

	// The whole document in one go, to size the cap against.
	one, err := WriteFile(t.Context(), filepath.Join(dir, "one.json"), o, sources)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 16 << 10
	if one.Bytes < 4*limit {
		t.Fatalf("test data too small: %d bytes", one.Bytes)
	}

	set, err := NewUploadSet(o, limit, func(n int) string { return filepath.Join(dir, fmt.Sprintf("part-%d.json", n)) })
	if err != nil {
		t.Fatal(err)
	}
	sizes := spoolSources(t, dir, o, set, sources)
	files, err := set.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("%d files, want several", len(files))
	}

	seen := map[string]int{}
	var total EncodeStats
	for i, f := range files {
		if err := ValidateFile(f.Path); err != nil {
			t.Errorf("file %d: %v", i, err)
		}
		st, err := os.Stat(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != f.Stats.Bytes {
			t.Errorf("file %d: stats say %d bytes, the file has %d", i, f.Stats.Bytes, st.Size())
		}
		if f.Oversized != (sizes[f.DataSources[0]] > limit) {
			t.Errorf("file %d (%v): oversized %v", i, f.DataSources, f.Oversized)
		}
		switch {
		case f.Oversized && len(f.DataSources) != 1:
			t.Errorf("file %d: an oversized source shares its file with %v", i, f.DataSources)
		case !f.Oversized && st.Size() > limit:
			t.Errorf("file %d: %d bytes, over the cap of %d", i, st.Size(), limit)
		}
		d := readShape(t, f.Path)
		var ids []string
		findings := 0
		for _, ds := range d.DataSources {
			ids = append(ids, ds.ID)
			seen[ds.ID]++
			for _, a := range ds.Assets {
				findings += len(a.SastFindings)
			}
		}
		if !slices.Equal(ids, f.DataSources) {
			t.Errorf("file %d holds %v, the set says %v", i, ids, f.DataSources)
		}
		if f.Stats.DataSources != len(ids) || f.Stats.Findings != findings {
			t.Errorf("file %d: stats %+v, file has %d sources and %d findings", i, f.Stats, len(ids), findings)
		}
		total.Findings += f.Stats.Findings
	}
	for _, s := range sources {
		if seen[s.ID] != 1 {
			t.Errorf("data source %s is in %d files, want exactly 1", s.ID, seen[s.ID])
		}
	}
	if total.Findings != one.Findings {
		t.Errorf("files hold %d findings, the sources %d", total.Findings, one.Findings)
	}
	if !slices.ContainsFunc(files, func(f UploadFile) bool { return f.Oversized }) {
		t.Error("the oversized source was not reported")
	}
}

func TestUploadSetWithoutCapIsOneFile(t *testing.T) {
	dir := t.TempDir()
	o := Options{AnalysisDate: testDate}
	sources := testSources(5, 7)
	want, err := os.ReadFile(func() string {
		p := filepath.Join(dir, "direct.json")
		if _, err := WriteFile(t.Context(), p, o, sources); err != nil {
			t.Fatal(err)
		}
		return p
	}())
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewUploadSet(o, 0, func(n int) string { return filepath.Join(dir, fmt.Sprintf("set-%d.json", n)) })
	if err != nil {
		t.Fatal(err)
	}
	spoolSources(t, dir, o, set, sources)
	files, err := set.Close()
	if err != nil || len(files) != 1 {
		t.Fatalf("%d files, %v", len(files), err)
	}
	got, err := os.ReadFile(files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the one file differs from the document written in one go")
	}
}

func TestUploadSetAbortLeavesOnlyCommittedFiles(t *testing.T) {
	dir := t.TempDir()
	o := Options{AnalysisDate: testDate}
	set, err := NewUploadSet(o, 4<<10, func(n int) string { return filepath.Join(dir, fmt.Sprintf("part-%d.json", n)) })
	if err != nil {
		t.Fatal(err)
	}
	spoolSources(t, dir, o, set, testSources(6, 10))
	committed := len(set.Files())
	if committed == 0 {
		t.Fatal("nothing committed yet; raise the data")
	}
	set.Abort()
	names := func() []string {
		ents, _ := os.ReadDir(dir)
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	if n := len(names()); n != committed {
		t.Errorf("after Abort the directory holds %v, want the %d committed files only", names(), committed)
	}
	set.Remove()
	if n := len(names()); n != 0 {
		t.Errorf("after Remove the directory holds %v", names())
	}
}
