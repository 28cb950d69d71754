package wizschema

import (
	"strconv"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

func TestIDHashSetReportsRepeats(t *testing.T) {
	s := newIDHashSet()
	for i := range 10000 {
		if s.add("id-" + strconv.Itoa(i)) {
			t.Fatalf("id-%d reported as a repeat the first time", i)
		}
	}
	if s.len() != 10000 {
		t.Fatalf("len = %d, want 10000", s.len())
	}
	for _, id := range []string{"id-0", "id-9999", "id-4242"} {
		if !s.add(id) {
			t.Errorf("%s added twice, not reported", id)
		}
	}
	s.reset()
	if s.len() != 0 || s.add("id-0") {
		t.Fatalf("after reset: len %d, id-0 still known", s.len())
	}
}

// The duplicate check keeps hashes; its error still names the repeated id
// and where it is, also when the repeat comes pages later in a source spool,
// and the same id on another asset is no repeat.
func TestSourceSpoolDuplicateAcrossPagesNamed(t *testing.T) {
	repo := testRepo(1)
	main := AssetInput{Repo: repo, Branch: "main", IsDefault: true}
	dev := AssetInput{Repo: repo, Branch: "dev"}
	f1, f2 := testFinding(repo, "main", true, 1), testFinding(repo, "main", true, 2)
	d1 := testFinding(repo, "dev", false, 1)
	sp, err := NewSourceSpool(t.TempDir(), Options{AnalysisDate: testDate}, finding.DataSourceID(repo))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if err := sp.Write(main, []finding.Finding{f1}); err != nil {
		t.Fatal(err)
	}
	if err := sp.Write(dev, []finding.Finding{d1}); err != nil {
		t.Fatalf("the same finding on another branch: %v", err)
	}
	if err := sp.Write(main, []finding.Finding{f2}); err != nil {
		t.Fatal(err)
	}
	again := f1
	again.StartLine = 99
	err = sp.Write(main, []finding.Finding{again})
	if err == nil {
		t.Fatal("a repeated id pages later accepted")
	}
	for _, w := range []string{"duplicate finding id", strconv.Quote(f1.ID), again.Location()} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}
