package jsoncmp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/bytedance/sonic"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// TestDecodeSame: every library decodes every page to exactly what
// encoding/json decodes.
func TestDecodeSame(t *testing.T) {
	l := getLoad(t)
	std := allCodecs["std"]
	want := make([]page, len(l.pages))
	for i, body := range l.pages {
		if err := std.unmarshal(body, &want[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range codecs() {
		t.Run(c.name, func(t *testing.T) {
			for i, body := range l.pages {
				var got page
				if err := c.unmarshal(body, &got); err != nil {
					t.Fatalf("page %d: %v", i, err)
				}
				if reflect.DeepEqual(got, want[i]) {
					continue
				}
				if len(got.Findings) != len(want[i].Findings) {
					t.Fatalf("page %d: %d findings, want %d", i, len(got.Findings), len(want[i].Findings))
				}
				for k := range got.Findings {
					if !reflect.DeepEqual(got.Findings[k], want[i].Findings[k]) {
						t.Fatalf("page %d finding %d:\n got %+v\nwant %+v", i, k, got.Findings[k], want[i].Findings[k])
					}
				}
			}
		})
	}
}

// TestEncodeSame: every library's output, one finding at a time and as a
// whole slice, is valid JSON that decodes (with encoding/json) to the same
// values as encoding/json's own output. Byte-identical output is counted.
func TestEncodeSame(t *testing.T) {
	l := getLoad(t)
	stdM := allCodecs["std"].newMarshaler()
	want := make([][]byte, len(l.sast))
	for i := range l.sast {
		b, err := stdM(&l.sast[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = bytes.Clone(b)
	}
	wantSlice, err := stdM(l.sast)
	if err != nil {
		t.Fatal(err)
	}
	wantSlice = bytes.Clone(wantSlice)
	var wantAll []wizschema.SASTFinding
	if err := json.Unmarshal(wantSlice, &wantAll); err != nil {
		t.Fatal(err)
	}
	for _, c := range codecs() {
		t.Run(c.name, func(t *testing.T) {
			m := c.newMarshaler()
			same := 0
			for i := range l.sast {
				got, err := m(&l.sast[i])
				if err != nil {
					t.Fatalf("finding %d: %v", i, err)
				}
				if bytes.Equal(got, want[i]) {
					same++
					continue
				}
				if !json.Valid(got) {
					t.Fatalf("finding %d: invalid JSON %q", i, got)
				}
				var g, w wizschema.SASTFinding
				if err := json.Unmarshal(got, &g); err != nil {
					t.Fatalf("finding %d: %v", i, err)
				}
				if err := json.Unmarshal(want[i], &w); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(g, w) {
					t.Fatalf("finding %d decodes differently:\n got %s\nwant %s", i, got, want[i])
				}
			}
			got, err := m(l.sast)
			if err != nil {
				t.Fatal(err)
			}
			var all []wizschema.SASTFinding
			if err := json.Unmarshal(got, &all); err != nil {
				t.Fatalf("whole slice: %v", err)
			}
			if !reflect.DeepEqual(all, wantAll) {
				t.Fatal("whole slice decodes differently")
			}
			t.Logf("%s: %d of %d findings byte-identical to encoding/json; whole slice identical: %v",
				c.name, same, len(l.sast), bytes.Equal(got, wantSlice))
			if same != len(l.sast) {
				t.Errorf("%d findings differ in bytes (same values)", len(l.sast)-same)
			}
		})
	}
}

// TestEncodeOurs: our real encoder writes every finding.
func TestEncodeOurs(t *testing.T) {
	l := getLoad(t)
	var buf bytes.Buffer
	stats, err := encodeOurs(&buf, l.sources)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Findings != nFindings {
		t.Fatalf("%d findings", stats.Findings)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatal("invalid document")
	}
	t.Logf("pages: %d bytes (%.0f B/finding); document: %d bytes (%.0f B/finding)",
		l.pageBytes, float64(l.pageBytes)/nFindings, stats.Bytes, float64(stats.Bytes)/nFindings)
}

// quirk is the decoding target of TestQuirks.
type quirk struct {
	S string   `json:"s"`
	N int64    `json:"n"`
	L []string `json:"l"`
}

type omitInt struct {
	N int      `json:"n,omitempty"`
	L []string `json:"l"`
}

// TestQuirks records where libraries behave differently from
// encoding/json on inputs our data could hold or our API could send. It
// fails only on behaviour that would break our output (invalid JSON);
// the rest is printed as a table (run with -v).
func TestQuirks(t *testing.T) {
	type dcase struct {
		name, in string
		show     func(q *quirk) string
	}
	str := func(q *quirk) string { return `"` + show([]byte(q.S)) + `"` }
	num := func(q *quirk) string { return fmt.Sprint(q.N) }
	decodes := []dcase{
		{"int field gets 12.0", `{"n":12.0}`, num},
		{"int field gets \"12\"", `{"n":"12"}`, num},
		{"int64 overflow", `{"n":9223372036854775808}`, num},
		{"key case differs (\"S\")", `{"S":"x"}`, str},
		{"duplicate key", `{"s":"a","s":"b"}`, str},
		{"invalid UTF-8 in string", "{\"s\":\"a\xffb\"}", str},
		{"lone surrogate \\ud800", `{"s":"a\ud800b"}`, str},
		{"raw control char in string", "{\"s\":\"a\x01b\"}", str},
		{"trailing garbage", `{"s":"x"} x`, str},
		{"null list", `{"l":null}`, func(q *quirk) string { return fmt.Sprintf("%#v", q.L) }},
		{"strings point into (a copy of) the input", `{"s":"first string value","l":["second string value"]}`, nil},
	}
	type ecase struct {
		name string
		v    any
	}
	encodes := []ecase{
		{"HTML chars <>&", map[string]string{"s": "a<b>&c"}},
		{"U+2028 in string", map[string]string{"s": "a\u2028b"}},
		{"invalid UTF-8 in string", map[string]string{"s": "a\xffb"}},
		{"int 0 with omitempty, nil slice", omitInt{}},
		{"float 1e21", map[string]float64{"f": 1e21}},
	}
	var sb strings.Builder
	names := []string{}
	for _, c := range codecs() {
		names = append(names, c.name)
	}
	fmt.Fprintf(&sb, "\n| case | %s |\n|---|%s\n", strings.Join(names, " | "), strings.Repeat("---|", len(names)))
	for _, d := range decodes {
		row := []string{}
		for _, c := range codecs() {
			var q quirk
			in := []byte(d.in)
			switch err := c.unmarshal(in, &q); {
			case err != nil:
				row = append(row, "error")
			case d.show == nil:
				row = append(row, fmt.Sprint(aliases(in, &q)))
			default:
				row = append(row, "`"+d.show(&q)+"`")
			}
		}
		fmt.Fprintf(&sb, "| decode %s | %s |\n", d.name, strings.Join(row, " | "))
	}
	for _, e := range encodes {
		row := []string{}
		for _, c := range codecs() {
			out, err := c.newMarshaler()(e.v)
			switch {
			case err != nil:
				row = append(row, "error")
			case !json.Valid(out):
				row = append(row, "`"+show(out)+"` INVALID")
				t.Errorf("%s: encode %s: invalid JSON %q", c.name, e.name, out)
			case !utf8.Valid(out):
				row = append(row, "`"+show(out)+"` (not UTF-8)")
			default:
				row = append(row, "`"+show(out)+"`")
			}
		}
		fmt.Fprintf(&sb, "| encode %s | %s |\n", e.name, strings.Join(row, " | "))
	}
	t.Log(sb.String())
}

// show prints printable ASCII as is and escapes every other byte or rune
// (a raw U+2028 shows as <U+2028>, an invalid byte as <xFF>).
func show(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&sb, "<x%02X>", b[0])
		case r < 0x20 || r >= 0x7f:
			fmt.Fprintf(&sb, "<U+%04X>", r)
		case r == '|':
			sb.WriteString(`\|`)
		default:
			sb.WriteRune(r)
		}
		b = b[n:]
	}
	return sb.String()
}

// aliases reports whether the decoded strings q.S and q.L[0] lie at the
// same distance from each other as in the input: then they point into
// the input, or into one copy of it, and keep all of it alive.
func aliases(in []byte, q *quirk) bool {
	if q.S == "" || len(q.L) != 1 || q.L[0] == "" {
		return false
	}
	p1 := uintptr(unsafe.Pointer(unsafe.StringData(q.S)))
	p2 := uintptr(unsafe.Pointer(unsafe.StringData(q.L[0])))
	return p2-p1 == uintptr(bytes.Index(in, []byte(q.L[0]))-bytes.Index(in, []byte(q.S)))
}

// TestSonicNative: on this toolchain sonic runs its JIT/SIMD code, not its
// encoding/json fallback.
func TestSonicNative(t *testing.T) {
	if sonic.APIKind != sonic.UseSonicJSON {
		t.Errorf("sonic.APIKind = %d: sonic falls back to encoding/json here", sonic.APIKind)
	}
}
