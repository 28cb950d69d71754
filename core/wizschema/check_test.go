package wizschema

import (
	"encoding/json"
	"testing"
)

// TestHandChecksAgreeWithSchema proves checkFinding and the generic
// validator on $defs/sastFinding accept and refuse the same findings.
func TestHandChecksAgreeWithSchema(t *testing.T) {
	f := testFinding(testRepo(1), "feature/x", false, 5)
	realistic := MapFinding(&f)
	base := SASTFinding{ID: "sg-1", Name: "Rule", Severity: "High"}
	with := func(mod func(*SASTFinding)) SASTFinding {
		s := base
		mod(&s)
		return s
	}
	cases := []struct {
		name  string
		sf    SASTFinding
		valid bool
	}{
		{"minimal", base, true},
		{"realistic mapped", realistic, true},
		{"severity None", with(func(s *SASTFinding) { s.Severity = "None" }), true},
		{"severity Low", with(func(s *SASTFinding) { s.Severity = "Low" }), true},
		{"severity Medium", with(func(s *SASTFinding) { s.Severity = "Medium" }), true},
		{"severity Critical", with(func(s *SASTFinding) { s.Severity = "Critical" }), true},
		{"empty name (schema allows; policy refuses)", with(func(s *SASTFinding) { s.Name = "" }), true},
		{"empty id (schema allows; policy refuses)", with(func(s *SASTFinding) { s.ID = "" }), true},
		{"cwe list", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-1", "CWE-943", "CWE-0123456789"} }), true},
		{"lines at minimum", with(func(s *SASTFinding) { s.StartLine, s.EndLine, s.StartColumn, s.EndColumn = 1, 1, 1, 1 }), true},
		{"zero lines omitted", with(func(s *SASTFinding) { s.StartLine, s.EndLine, s.StartColumn, s.EndColumn = 0, 0, 0, 0 }), true},
		{"all languages", with(func(s *SASTFinding) { s.CodeLibraryLanguages = languageEnum }), true},
		{"control characters and invalid UTF-8", with(func(s *SASTFinding) {
			s.Name, s.Snippet, s.FilePath = "a\x00b\x1f\"\\</script>", "\xff\xfe bad \u2028", "p\tq\r\n"
		}), true},
		{"empty strings in optional fields", with(func(s *SASTFinding) { s.Weaknesses = []string{}; s.CodeLibraryLanguages = []string{} }), true},

		{"severity empty", with(func(s *SASTFinding) { s.Severity = "" }), false},
		{"severity Info", with(func(s *SASTFinding) { s.Severity = "Info" }), false},
		{"severity Unknown", with(func(s *SASTFinding) { s.Severity = "Unknown" }), false},
		{"severity lower case", with(func(s *SASTFinding) { s.Severity = "high" }), false},
		{"severity upper case", with(func(s *SASTFinding) { s.Severity = "HIGH" }), false},
		{"cwe with title", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-89: Improper Neutralization"} }), false},
		{"cwe lower case", with(func(s *SASTFinding) { s.Weaknesses = []string{"cwe-89"} }), false},
		{"cwe no number", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-"} }), false},
		{"cwe trailing space", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-89 "} }), false},
		{"cwe trailing newline", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-89\n"} }), false},
		{"cwe non-ASCII digit", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-٣"} }), false},
		{"cwe second bad", with(func(s *SASTFinding) { s.Weaknesses = []string{"CWE-89", "OWASP-A1"} }), false},
		{"negative startLine", with(func(s *SASTFinding) { s.StartLine = -1 }), false},
		{"negative endLine", with(func(s *SASTFinding) { s.EndLine = -5 }), false},
		{"negative startColumn", with(func(s *SASTFinding) { s.StartColumn = -1 }), false},
		{"negative endColumn", with(func(s *SASTFinding) { s.EndColumn = -2 }), false},
		{"language lower case", with(func(s *SASTFinding) { s.CodeLibraryLanguages = []string{"javascript"} }), false},
		{"language alias", with(func(s *SASTFinding) { s.CodeLibraryLanguages = []string{"Go", "C++"} }), false},
		{"language empty", with(func(s *SASTFinding) { s.CodeLibraryLanguages = []string{""} }), false},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.sf)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		schemaErr := validateJSON("/$defs/sastFinding", b)
		handErr := checkFinding(&c.sf)
		if (schemaErr == nil) != c.valid {
			t.Errorf("%s: schema says %v, table says valid=%v (%s)", c.name, schemaErr, c.valid, b)
		}
		if (handErr == nil) != (schemaErr == nil) {
			t.Errorf("%s: hand check %v disagrees with schema %v", c.name, handErr, schemaErr)
		}
	}
}

func TestPolicyChecks(t *testing.T) {
	for _, sf := range []SASTFinding{
		{ID: "", Name: "n", Severity: "Low"},
		{ID: "  ", Name: "n", Severity: "Low"},
		{ID: "x", Name: "", Severity: "Low"},
		{ID: "x", Name: " \t", Severity: "Low"},
	} {
		if checkFindingPolicy(&sf) == nil {
			t.Errorf("policy accepted %+v", sf)
		}
	}
	if err := checkFindingPolicy(&SASTFinding{ID: "x", Name: "n"}); err != nil {
		t.Errorf("policy refused a good finding: %v", err)
	}
}
