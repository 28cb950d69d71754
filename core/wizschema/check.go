package wizschema

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// checkFinding is the $defs/sastFinding schema written out by hand: the
// generic validator costs several microseconds per finding (see
// BenchmarkValidateFinding*), this costs next to nothing. The Go type
// already rules out unknown keys, wrong types and missing required keys
// (id, name and severity have no omitempty); what is left is checked here.
// TestHandChecksAgreeWithSchema proves the two agree.
func checkFinding(sf *SASTFinding) error {
	if !inEnum(severityEnum, sf.Severity) {
		return fmt.Errorf("severity %q is not one of %s", sf.Severity, strings.Join(severityEnum, ", "))
	}
	for i, w := range sf.Weaknesses {
		if !isCWE(w) {
			return fmt.Errorf("weaknesses[%d] %q does not match ^CWE-\\d+$", i, w)
		}
	}
	for _, n := range [...]struct {
		name string
		v    int
	}{{"startLine", sf.StartLine}, {"endLine", sf.EndLine}, {"startColumn", sf.StartColumn}, {"endColumn", sf.EndColumn}} {
		// 0 is omitted by omitempty, so only negative values reach Wiz.
		if n.v < 0 {
			return fmt.Errorf("%s %d is below the minimum 1", n.name, n.v)
		}
	}
	for i, l := range sf.CodeLibraryLanguages {
		if !inEnum(languageEnum, l) {
			return fmt.Errorf("codeLibraryLanguages[%d] %q is not a Wiz code language", i, l)
		}
	}
	return nil
}

// checkFindingPolicy holds what we refuse although the schema allows it:
// an empty id cannot be tracked and an empty name is a malformed finding
// that policy should have excluded.
func checkFindingPolicy(sf *SASTFinding) error {
	if strings.TrimSpace(sf.ID) == "" {
		return fmt.Errorf("finding id is empty")
	}
	if strings.TrimSpace(sf.Name) == "" {
		return fmt.Errorf("finding name is empty (no rule name or rule id)")
	}
	return nil
}

// validateJSON checks one encoded object against a $defs sub-schema with
// the generic validator.
func validateJSON(fragment string, b []byte) error {
	s, err := schemaFor(fragment)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("does not match the Wiz SAST schema: %s", oneLine(err))
	}
	return nil
}
