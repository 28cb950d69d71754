package semgrep

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
)

// fullPage is a page of n findings of about size bytes each.
func fullPage(n, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"findings": [`)
	msg := strings.Repeat("x", size)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id": %d, "rule_name": "r.%d", "severity": "high", "state": "unresolved", "rule_message": "%s \"q\" \\ {[", "location": {"file_path": "src/f%d.py", "line": %d}}`, i+1, i%7, msg, i, i+1)
	}
	b.WriteString(`], "meta": {"total": 3}}`)
	return b.Bytes()
}

// A page is read one finding at a time: what the reader holds besides the
// decoded findings is one finding's bytes and its read buffer, not the
// body (here 3,000 findings, about 3.5 MB).
func TestPageStreamHoldsOneFinding(t *testing.T) {
	body := fullPage(3000, 1000)
	p := &pageReader{br: bufio.NewReaderSize(bytes.NewReader(body), 64<<10), op: "listing findings", slug: "acme", hint: 3000}
	fs, err := p.page()
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3000 || fs[2999].PlatformID != "3000" || !strings.HasSuffix(fs[0].Message, `"q" \ {[`) {
		t.Fatalf("%d findings, last %q, message %q", len(fs), fs[len(fs)-1].PlatformID, fs[0].Message[len(fs[0].Message)-10:])
	}
	if cap(p.buf) > 4<<10 || p.off != int64(len(body)) {
		t.Fatalf("held %d bytes at most for a value (a finding is about 1,200) and read %d of %d", cap(p.buf), p.off, len(body))
	}
	if cap(fs) != 3000 {
		t.Errorf("page slice grown to %d, want the page size 3000", cap(fs))
	}
}

// Errors keep the words a whole body had: where JSON is malformed, a body
// cut off (retried), what the top level or the findings key is instead.
func TestPageStreamErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"findings": [{"id": 1},, {"id": 2}]}`, "expected an object with a \"findings\" array, got malformed JSON at byte 24 (application/json, 37 bytes)"},
		{`{"findings": [{"id": 1}] "x": 1}`, "malformed JSON at byte 25"},
		{`{"findings": [{"id": 1}]} {}`, "malformed JSON at byte 26"},
		{`{"findings": [{"id": 1}`, "the response was cut off (application/json, 23 bytes)"},
		{`{"findings": "none"}`, `expected an object with a "findings" array, but findings is a string`},
		{`[{"id": 1}]`, `but the top level is an array`},
		{`{"scaFindings": {"findings": 3}}`, `but scaFindings.findings is a number`},
		{`{"findings": [{"id": 1}, {"id": true}]}`, `findings[1]: expected an integer, got a boolean`},
		{`   `, "got an empty body"},
		{` <html>`, "got an HTML or XML page (application/json, 7 bytes)"},
	} {
		_, err := readFindingsPage("listing findings", strings.NewReader(tc.body), "application/json; charset=utf-8", "acme", "", 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
		_, err2 := readFindingsPage("listing findings", iotest.OneByteReader(strings.NewReader(tc.body)), "application/json; charset=utf-8", "acme", "", 0)
		if fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Errorf("%s byte by byte: %v, in one read: %v", tc.body, err2, err)
		}
	}
}

// A read that fails is handed back as it is, for the call to word and retry.
func TestPageStreamReadError(t *testing.T) {
	body := fullPage(50, 100)
	r := iotest.TimeoutReader(iotest.HalfReader(bytes.NewReader(body)))
	_, err := readFindingsPage("listing findings", r, "", "acme", "", 0)
	if err != iotest.ErrTimeout {
		t.Fatalf("err %v, want the read's own error", err)
	}
}
