package wizschema

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A document assembled from data sources written directly and data
// sources held in a spool is byte for byte the document written in one go.
func TestSpoolSplicesDataSourcesWhole(t *testing.T) {
	dir := t.TempDir()
	sources := testSources(5, 7)
	o := Options{AnalysisDate: testDate}

	direct := filepath.Join(dir, "direct.json")
	want, err := WriteFile(t.Context(), direct, o, sources)
	if err != nil {
		t.Fatal(err)
	}

	// The first source and the last two go through the spool; the first
	// spooled one carries no leading comma, the later ones do.
	spliced := filepath.Join(dir, "spliced.json")
	f, err := CreateFile(spliced, o)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := NewSpool(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	write := func(e *Encoder, s SourceInput) error {
		for _, a := range s.Assets {
			if err := e.WriteAsset(a.Asset, a.Findings); err != nil {
				return err
			}
		}
		return nil
	}
	for i, s := range sources {
		if i == 0 || i >= 3 {
			if err := sp.Write(s.ID, func(e *Encoder) error { return write(e, s) }); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := writeSources(t.Context(), f.Encoder, []SourceInput{s}); err != nil {
			t.Fatal(err)
		}
	}
	if sp.Len() != 3 {
		t.Fatalf("spool holds %d sources", sp.Len())
	}
	if err := sp.AppendTo(f.Encoder); err != nil {
		t.Fatal(err)
	}
	got, err := f.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("stats %+v, written in one go %+v", got, want)
	}
	if err := ValidateFile(spliced); err != nil {
		t.Fatalf("spliced document: %v", err)
	}
	// Same objects, in the order written: sources 1, 2, then 0, 3, 4.
	a, _ := os.ReadFile(direct)
	b, _ := os.ReadFile(spliced)
	objs := func(doc []byte) map[string]bool {
		out := map[string]bool{}
		for _, part := range bytes.Split(doc, []byte(`{"id":`))[1:] {
			out[strings.TrimRight(string(part), ",]}\n")] = true
		}
		return out
	}
	if len(a) != len(b) {
		t.Fatalf("spliced file is %d bytes, direct %d", len(b), len(a))
	}
	oa, ob := objs(a), objs(b)
	for k := range oa {
		if !ob[k] {
			t.Fatalf("a data source differs after the spool")
		}
	}
}

// A spooled data source that is already in the document is refused, and
// an unfinished file leaves nothing behind.
func TestSpoolRefusesADataSourceTwice(t *testing.T) {
	dir := t.TempDir()
	o := Options{AnalysisDate: testDate}
	s := testSources(1, 2)[0]
	f, err := CreateFile(filepath.Join(dir, "up.json"), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSources(t.Context(), f.Encoder, []SourceInput{s}); err != nil {
		t.Fatal(err)
	}
	sp, err := NewSpool(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Write(s.ID, func(e *Encoder) error { return e.WriteAsset(s.Assets[0].Asset, s.Assets[0].Findings) }); err != nil {
		t.Fatal(err)
	}
	if err := sp.AppendTo(f.Encoder); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Fatalf("err %v", err)
	}
	sp.Close()
	f.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left behind: %v", ents)
	}
}
