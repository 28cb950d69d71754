package semgrep

import (
	"encoding/json"
	"fmt"

	fastjson "github.com/segmentio/encoding/json"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// The whole-body reading of a findings page: encoding/json's view of the
// envelope. The fuzz targets hold the stream reader (pagestream.go) and
// the fast decoder to it.

// envelope is a page as encoding/json reads it: items raw
// (findingsEnvelope, to word an error item by item) or decoded straight
// into findings (typedEnvelope, one pass).
type envelope[T any] struct {
	Findings *[]T        `json:"findings"`
	Sast     *wrapped[T] `json:"sastFindings"`
	Sca      *wrapped[T] `json:"scaFindings"`
	AiSast   *wrapped[T] `json:"aiSastFindings"`
}

type wrapped[T any] struct {
	Findings []T `json:"findings"`
}

type (
	findingsEnvelope = envelope[json.RawMessage]
	typedEnvelope    = envelope[apiFinding]
)

func (e *envelope[T]) items() ([]T, bool) {
	if e.Findings != nil {
		return *e.Findings, true
	}
	var out []T
	ok := false
	for _, w := range []*wrapped[T]{e.Sast, e.Sca, e.AiSast} {
		if w != nil {
			ok = true
			out = append(out, w.Findings...)
		}
	}
	return out, ok
}

// decodeFindingsBody decodes a whole findings page body: with
// segmentio/encoding's json in one pass, and where that fails item by item
// with encoding/json. It is how pages were read before they were read as
// a stream, kept as the reference the stream reader is held to.
func decodeFindingsBody(op string, body []byte, contentType, slug, webBase string) ([]finding.Finding, int, error) {
	var env typedEnvelope
	if fastjson.Unmarshal(body, &env) == nil {
		items, ok := env.items()
		if !ok {
			return nil, 0, badResponse(op, "expected "+wantFindings)
		}
		out := make([]finding.Finding, len(items))
		for i := range items {
			out[i] = items[i].toFinding(slug, webBase)
		}
		return out, len(items), nil
	}
	var raw findingsEnvelope
	if err := decodeJSON(op, body, contentType, wantFindings, &raw); err != nil {
		return nil, 0, err
	}
	items, ok := raw.items()
	if !ok {
		return nil, 0, badResponse(op, "expected "+wantFindings)
	}
	fs, err := mapAPIFindings(items, slug, webBase)
	if err != nil {
		return nil, len(items), &itemError{msg: err.Error()}
	}
	return fs, len(items), nil
}

func mapAPIFindings(items []json.RawMessage, slug, webBase string) ([]finding.Finding, error) {
	out := make([]finding.Finding, 0, len(items))
	for i, raw := range items {
		var a apiFinding
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("findings[%d]: %s", i, describeJSONError(err))
		}
		out = append(out, a.toFinding(slug, webBase))
	}
	return out, nil
}
