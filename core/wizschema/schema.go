package wizschema

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaJSON is the Wiz SAST ingestion schema (JSON Schema 2020-12) that
// every upload is validated against before it leaves the machine.
//
//go:embed schema.json
var SchemaJSON []byte

const schemaURL = "urn:semgrep-wiz:wiz-sast-ingestion"

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	compileErr  error
)

// schemaFor returns the compiled schema for a JSON pointer fragment into
// the document ("" for the whole document, "/$defs/sastFinding" for one
// finding).
func schemaFor(fragment string) (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
		if err != nil {
			compileErr = fmt.Errorf("embedded Wiz schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(schemaURL, doc); err != nil {
			compileErr = fmt.Errorf("embedded Wiz schema: %w", err)
			return
		}
		compiled = map[string]*jsonschema.Schema{}
		for _, frag := range []string{"", "/$defs/sastFinding", "/$defs/repositoryBranch", "/$defs/asset", "/$defs/dataSource"} {
			s, err := c.Compile(schemaURL + "#" + frag)
			if err != nil {
				compileErr = fmt.Errorf("compiling Wiz schema %q: %w", frag, err)
				return
			}
			compiled[frag] = s
		}
	})
	if compileErr != nil {
		return nil, compileErr
	}
	s, ok := compiled[fragment]
	if !ok {
		return nil, fmt.Errorf("no compiled schema for %q", fragment)
	}
	return s, nil
}

// Validate checks a whole upload document against the embedded schema. It
// reads the document into memory; the streaming encoder validates object by
// object instead.
func Validate(r io.Reader) error {
	return validateAt("", r)
}

func validateAt(fragment string, r io.Reader) error {
	s, err := schemaFor(fragment)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(r)
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("does not match the Wiz SAST schema: %s", oneLine(err))
	}
	return nil
}

// oneLine flattens the validator's multi-line report into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
