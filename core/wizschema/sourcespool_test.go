package wizschema

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// Data sources written page by page, their branches' findings mixed on
// every page, and spliced into a document (directly and through a Spool)
// make byte for byte the document written in one go.
func TestSourceSpoolWritesPagesAsTheWholeSource(t *testing.T) {
	dir := t.TempDir()
	sources := testSources(4, 23)
	o := Options{AnalysisDate: testDate}
	want, err := WriteFile(t.Context(), filepath.Join(dir, "direct.json"), o, sources)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "paged.json")
	f, err := CreateFile(path, o)
	if err != nil {
		t.Fatal(err)
	}
	held, err := NewSpool(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for i, s := range sources {
		sp, err := NewSourceSpool(dir, o, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Close()
		def, feat := s.Assets[0], s.Assets[1]
		if err := sp.Write(def.Asset, nil); err != nil { // the own branch first, even empty
			t.Fatal(err)
		}
		// Pages of 5: the feature branch's findings interleave with main's.
		all := append(append([]finding.Finding{}, feat.Findings...), def.Findings...)
		for len(all) > 0 {
			page := all[:min(5, len(all))]
			all = all[len(page):]
			for j := range page {
				a := def.Asset
				if !page[j].IsDefaultBranch {
					a = feat.Asset
				}
				if err := sp.Write(a, page[j:j+1]); err != nil {
					t.Fatal(err)
				}
			}
		}
		obj, size, st, err := sp.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if st.Findings != 23 || st.Assets != 2 {
			t.Fatalf("stats %+v", st)
		}
		if i%2 == 1 {
			err = held.Append(s.ID, obj, st)
		} else {
			before := f.Stats().Bytes
			err = f.AppendDataSource(s.ID, obj, st)
			if got := f.Stats().Bytes - before; err == nil && got != size+int64(min(i, 1)) {
				t.Errorf("source %d: size %d, wrote %d", i, size, got)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := held.AppendTo(f.Encoder); err != nil {
		t.Fatal(err)
	}
	got, err := f.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if got.Findings != want.Findings || got.Assets != want.Assets || got.DataSources != want.DataSources || got.Bytes != want.Bytes {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if err := ValidateFile(path); err != nil {
		t.Fatal(err)
	}
	// Same sources, other order: the document holds the same objects.
	a, _ := os.ReadFile(filepath.Join(dir, "direct.json"))
	b, _ := os.ReadFile(path)
	if len(a) != len(b) {
		t.Fatalf("%d bytes, want %d", len(b), len(a))
	}
	for _, s := range sources {
		if !bytes.Contains(b, []byte(`{"id":"`+s.ID+`"`)) {
			t.Errorf("%s is missing", s.ID)
		}
	}
}

// A finding the schema refuses fails the source's spool, and the error
// says which.
func TestSourceSpoolRefusesABadFinding(t *testing.T) {
	s := testSources(1, 3)[0]
	sp, err := NewSourceSpool(t.TempDir(), Options{AnalysisDate: testDate}, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	bad := s.Assets[0].Findings[1]
	bad.ID = ""
	err = sp.Write(s.Assets[0].Asset, []finding.Finding{s.Assets[0].Findings[0], bad})
	if err == nil || !strings.Contains(err.Error(), s.ID) {
		t.Fatalf("err %v", err)
	}
	if _, _, _, err := sp.Finish(); err == nil {
		t.Fatal("a failed spool finished")
	}
}
