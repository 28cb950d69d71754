package semgrep

import (
	"encoding/json"
	"slices"
	"testing"
)

// The fast paths of the flexible types must read exactly what the general
// path reads, and leave to it whatever they do not handle.
func TestFlexFastPathsAgreeWithTheGeneralPath(t *testing.T) {
	for _, in := range []string{
		`"plain"`, `""`, `"a\"b"`, `"\u0041x"`, `"tab\there"`, `"é ünïcode"`, `"a/b"`,
		`[]`, `["a","b"]`, `["a", "b"]`, `["a","",1,"b"]`, `["x\n"]`, `["\u00e9"]`, `[ "a" ]`, `["a",]`, `[""]`,
	} {
		if !json.Valid([]byte(in)) {
			if _, ok := plainStrings([]byte(in)); ok {
				t.Errorf("%s: invalid JSON taken by the fast path", in)
			}
			continue
		}
		var want flexStrings
		var anyv any
		_ = json.Unmarshal([]byte(in), &anyv)
		switch v := anyv.(type) {
		case string:
			if v != "" {
				want = flexStrings{v}
			}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok && s != "" {
					want = append(want, s)
				}
			}
		}
		var got flexStrings
		if err := got.UnmarshalJSON([]byte(in)); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: got %q (%v), want %q", in, got, err, want)
		}
		if s, ok := plainString([]byte(in)); ok {
			var ref string
			if json.Unmarshal([]byte(in), &ref) != nil || ref != s {
				t.Errorf("%s: fast string %q, encoding/json %q", in, s, ref)
			}
		}
	}
	for _, in := range []string{`0`, `12`, `-7`, `123456789012345678`, `1234567890123456789`, `12.0`, `"12"`, `1e3`, `-`, `null`, `""`} {
		var got flexInt
		err := got.UnmarshalJSON([]byte(in))
		var ref float64
		var refS string
		switch {
		case json.Unmarshal([]byte(in), &ref) == nil:
			if err != nil || float64(got) != ref {
				t.Errorf("%s: got %d (%v), want %v", in, got, err, ref)
			}
		case json.Unmarshal([]byte(in), &refS) == nil && refS == "12":
			if got != 12 {
				t.Errorf("%s: got %d", in, got)
			}
		}
	}
}
