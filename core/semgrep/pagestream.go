package semgrep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	fastjson "github.com/segmentio/encoding/json"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// A findings page is read from the response as it arrives, one finding
// at a time: a page of 3,000 findings is megabytes of JSON, and holding
// the body whole while it is decoded (as many bodies as requests in
// flight) was most of what a sync or a preview kept in memory besides
// the decoded pages themselves. What is held is one finding's bytes.
//
// The page reads exactly as decodeFindingsBody reads a whole body (the
// fuzz target holds the two to it): the flat {"findings": [...]} or the
// documented wrappers, keys matched as encoding/json matches them (case
// folded, the last of a repeated key wins), every value checked to be
// JSON, nothing allowed after the object.

// readFindingsPage decodes one findings page from r: one finding for each
// item of the page. A read error from r is returned as it is, for the
// caller to word (the response was cut off). sizeHint is how many findings
// a full page holds (0: unknown).
func readFindingsPage(op string, r io.Reader, contentType, slug, webBase string, sizeHint int) ([]finding.Finding, error) {
	p := &pageReader{br: bufio.NewReaderSize(r, 64<<10), op: op, contentType: contentType, slug: slug, web: webBase, hint: sizeHint}
	return p.page()
}

// pageReader walks one findings page's JSON from a stream.
type pageReader struct {
	br          *bufio.Reader
	off         int64  // bytes consumed
	buf         []byte // the value being read
	stack       []byte // open brackets of that value
	op          string
	contentType string
	slug, web   string
	readErr     error // what the stream failed with, if it did
	hint        int   // the findings a full page holds, to size the first array
}

// pageArray is the findings of one "findings" array, and the first of them
// that could not be decoded (a repeated key may replace the array, and
// with it the error, as encoding/json would).
type pageArray struct {
	fs  []finding.Finding
	err error
}

var wrapperKeys = [...]string{"sastFindings", "scaFindings", "aiSastFindings"}

func (p *pageReader) page() ([]finding.Finding, error) {
	c, err := p.peek()
	if err == io.EOF { // nothing, or only white space
		return nil, badResponse(p.op, "expected "+wantFindings+", got an empty body")
	}
	if err != nil {
		return nil, p.fail(err)
	}
	if c == '<' {
		return nil, badResponse(p.op, "expected "+wantFindings+", got an HTML or XML page ("+p.note()+") — is the API URL right?")
	}
	var (
		flat     *pageArray
		wrappers [len(wrapperKeys)]*pageArray
	)
	if c != '{' {
		raw, err := p.validValue()
		if err != nil {
			return nil, p.fail(err)
		}
		if err := p.end(); err != nil {
			return nil, p.fail(err)
		}
		if string(raw) != "null" { // null leaves every key absent, as encoding/json does
			return nil, badResponse(p.op, fmt.Sprintf("expected %s, but the top level is %s", wantFindings, jsonKind(raw)))
		}
	} else {
		err := p.object(func(key string) error {
			if strings.EqualFold(key, "findings") {
				a, err := p.array(key)
				flat = a
				return err
			}
			for i, w := range wrapperKeys {
				if strings.EqualFold(key, w) {
					a, err := p.wrapper(key, wrappers[i])
					wrappers[i] = a
					return err
				}
			}
			return p.skip()
		})
		if err == nil {
			err = p.end()
		}
		if err != nil {
			return nil, p.fail(err)
		}
	}
	if flat != nil {
		return flat.fs, flat.err
	}
	var out []finding.Finding
	ok := false
	for _, w := range wrappers {
		if w != nil {
			ok = true
			if w.err != nil {
				return nil, w.err
			}
			out = append(out, w.fs...)
		}
	}
	if !ok {
		return nil, badResponse(p.op, "expected "+wantFindings)
	}
	return out, nil
}

// wrapper reads {"findings": [...]} under one of the wrapper keys; prev
// is what an earlier same key left (its fields stay unless repeated, as
// encoding/json decodes into the struct it already has). A null is nil.
func (p *pageReader) wrapper(key string, prev *pageArray) (*pageArray, error) {
	c, err := p.peek()
	if err != nil {
		return prev, err
	}
	switch c {
	case 'n':
		return nil, p.null()
	case '{':
	default:
		return prev, p.typeError(key)
	}
	w := prev
	if w == nil {
		w = &pageArray{}
	}
	err = p.object(func(k string) error {
		if strings.EqualFold(k, "findings") {
			a, err := p.array(key + ".findings")
			if a == nil {
				a = &pageArray{}
			}
			*w = *a
			return err
		}
		return p.skip()
	})
	return w, err
}

// array reads a findings array (nil for null), decoding each element.
func (p *pageReader) array(key string) (*pageArray, error) {
	c, err := p.peek()
	if err != nil {
		return nil, err
	}
	switch c {
	case 'n':
		return nil, p.null()
	case '[':
	default:
		return nil, p.typeError(key)
	}
	p.consume()
	a := &pageArray{fs: make([]finding.Finding, 0, p.hint)}
	p.hint = 0 // a page has one findings array, wrappers aside
	if c, err := p.peek(); err != nil {
		return nil, err
	} else if c == ']' {
		p.consume()
		return a, nil
	}
	for i := 0; ; i++ {
		start := p.off
		raw, err := p.value()
		if err != nil {
			return nil, err
		}
		if a.err == nil {
			f, err := p.decode(raw, start, key, i)
			if err != nil {
				var item *itemError
				if !errors.As(err, &item) {
					return nil, err
				}
				a.err, a.fs = err, nil
			} else {
				a.fs = append(a.fs, f)
			}
		} else if !json.Valid(raw) {
			return nil, p.syntaxAt(start)
		}
		c, err := p.peek()
		if err != nil {
			return nil, err
		}
		p.consume()
		switch c {
		case ',':
		case ']':
			return a, nil
		default:
			return nil, p.syntaxAt(p.off - 1)
		}
	}
}

// decode decodes one element: in one pass with the fast decoder; with
// encoding/json where that fails, to tell bad JSON (the page is malformed)
// from a finding that is not one (an *itemError naming it).
func (p *pageReader) decode(raw []byte, start int64, key string, i int) (finding.Finding, error) {
	var a apiFinding
	if fastjson.Unmarshal(raw, &a) == nil {
		return a.toFinding(p.slug, p.web), nil
	}
	a = apiFinding{}
	err := json.Unmarshal(raw, &a)
	if err == nil {
		return a.toFinding(p.slug, p.web), nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return finding.Finding{}, p.syntaxAt(start + se.Offset)
	}
	return finding.Finding{}, &itemError{msg: fmt.Sprintf("%s[%d]: %s", key, i, describeJSONError(err))}
}

// object reads an object, handing each key to field, which reads its value.
func (p *pageReader) object(field func(key string) error) error {
	if c, err := p.peek(); err != nil {
		return err
	} else if c != '{' {
		return p.syntaxAt(p.off)
	}
	p.consume()
	if c, err := p.peek(); err != nil {
		return err
	} else if c == '}' {
		p.consume()
		return nil
	}
	for {
		c, err := p.peek()
		if err != nil {
			return err
		}
		if c != '"' {
			return p.syntaxAt(p.off)
		}
		start := p.off
		raw, err := p.value()
		if err != nil {
			return err
		}
		var key string
		if err := json.Unmarshal(raw, &key); err != nil {
			return p.syntaxAt(start)
		}
		if c, err := p.peek(); err != nil {
			return err
		} else if c != ':' {
			return p.syntaxAt(p.off)
		}
		p.consume()
		if err := field(key); err != nil {
			return err
		}
		c, err = p.peek()
		if err != nil {
			return err
		}
		p.consume()
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return p.syntaxAt(p.off - 1)
		}
	}
}

// validValue reads the next value whole and checks that it is JSON.
func (p *pageReader) validValue() ([]byte, error) {
	start := p.off
	raw, err := p.value()
	if err != nil {
		return nil, err
	}
	if !json.Valid(raw) {
		return nil, p.syntaxAt(start)
	}
	return raw, nil
}

// skip reads a value nothing uses; it must still be JSON.
func (p *pageReader) skip() error {
	_, err := p.validValue()
	return err
}

// null reads a value that starts with n: it must be null.
func (p *pageReader) null() error {
	start := p.off
	raw, err := p.validValue()
	if err == nil && string(raw) != "null" {
		err = p.syntaxAt(start)
	}
	return err
}

// typeError is a value of the wrong kind under key (once it is read and
// found to be JSON, which a syntax error elsewhere would trump).
func (p *pageReader) typeError(key string) error {
	raw, err := p.validValue()
	if err != nil {
		return err
	}
	return badResponse(p.op, fmt.Sprintf("expected %s, but %s is %s", wantFindings, key, jsonKind(raw)))
}

// end checks that only white space follows the top-level value.
func (p *pageReader) end() error {
	_, err := p.peek()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	return p.syntaxAt(p.off)
}

// value reads the next JSON value's bytes, finding its end by its
// brackets and strings only; the caller checks what it needs to be JSON.
// The bytes are valid until the next call.
func (p *pageReader) value() ([]byte, error) {
	c, err := p.peek()
	if err != nil {
		return nil, err
	}
	p.buf, p.stack = p.buf[:0], p.stack[:0]
	if c != '{' && c != '[' && c != '"' {
		return p.primitive()
	}
	inString, escaped := false, false
	for {
		if p.br.Buffered() == 0 {
			if _, err := p.br.Peek(1); err != nil {
				return nil, p.eof(err)
			}
		}
		chunk, _ := p.br.Peek(p.br.Buffered())
		i, done := 0, false
		if escaped {
			i, escaped = 1, false
		}
	scan:
		for i < len(chunk) {
			if inString {
				// The closing quote, unless an escape comes first (two
				// byte searches are faster than one for either byte).
				rest := chunk[i:]
				q := bytes.IndexByte(rest, '"')
				end := q
				if q < 0 {
					end = len(rest)
				}
				if j := bytes.IndexByte(rest[:end], '\\'); j >= 0 {
					i += j
					if i+1 >= len(chunk) {
						i, escaped = len(chunk), true
						break
					}
					i += 2
					continue
				}
				if q < 0 {
					i = len(chunk)
					break
				}
				i += q
				inString = false
				i++
				if len(p.stack) == 0 {
					done = true
					break
				}
				continue
			}
			switch b := chunk[i]; b {
			case '"':
				inString = true
			case '{', '[':
				p.stack = append(p.stack, b)
			case '}', ']':
				n := len(p.stack)
				if n == 0 || (b == '}') != (p.stack[n-1] == '{') {
					return nil, p.syntaxAt(p.off + int64(i))
				}
				p.stack = p.stack[:n-1]
				if n == 1 {
					i++
					done = true
					break scan
				}
			}
			i++
		}
		p.buf = append(p.buf, chunk[:i]...)
		p.discard(i)
		if done {
			return p.buf, nil
		}
	}
}

// primitive reads a number, true, false or null (or what stands where
// one should): up to the next delimiter or the end.
func (p *pageReader) primitive() ([]byte, error) {
	for {
		if p.br.Buffered() == 0 {
			if _, err := p.br.Peek(1); err != nil {
				if err == io.EOF && len(p.buf) > 0 {
					return p.buf, nil
				}
				return nil, p.eof(err)
			}
		}
		chunk, _ := p.br.Peek(p.br.Buffered())
		i := 0
		for i < len(chunk) && !delimiter(chunk[i]) {
			i++
		}
		p.buf = append(p.buf, chunk[:i]...)
		p.discard(i)
		if i < len(chunk) {
			if len(p.buf) == 0 {
				return nil, p.syntaxAt(p.off)
			}
			return p.buf, nil
		}
	}
}

func delimiter(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', ',', ':', ']', '}', '[', '{', '"':
		return true
	}
	return false
}

// peek skips white space and returns the next byte, not consuming it.
func (p *pageReader) peek() (byte, error) {
	for {
		b, err := p.br.ReadByte()
		if err != nil {
			if err != io.EOF {
				p.readErr = err
			}
			return 0, err
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			p.off++
			continue
		}
		_ = p.br.UnreadByte()
		return b, nil
	}
}

func (p *pageReader) consume() {
	_, _ = p.br.ReadByte()
	p.off++
}

func (p *pageReader) discard(n int) {
	_, _ = p.br.Discard(n)
	p.off += int64(n)
}

// eof is the end of the stream inside a value: cut off, unless the stream
// itself failed.
func (p *pageReader) eof(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	p.readErr = err
	return err
}

// pageSyntaxError is bad JSON at an offset of the body.
type pageSyntaxError struct{ off int64 }

func (e *pageSyntaxError) Error() string { return fmt.Sprintf("malformed JSON at byte %d", e.off) }

func (p *pageReader) syntaxAt(off int64) error { return &pageSyntaxError{off: off} }

// fail words an error of the walk as decodeJSON words a whole body's.
func (p *pageReader) fail(err error) error {
	var ae *APIError
	var se *pageSyntaxError
	switch {
	case errors.As(err, &ae):
		return err
	case p.readErr != nil:
		return err // the caller words a failed read
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		e := badResponse(p.op, "the response was cut off ("+p.note()+")")
		e.Kind = KindTransport
		e.retryable = true
		return e
	case errors.As(err, &se):
		return badResponse(p.op, fmt.Sprintf("expected %s, got malformed JSON at byte %d (%s)", wantFindings, se.off, p.note()))
	}
	return badResponse(p.op, fmt.Sprintf("expected %s: %s", wantFindings, oneLine(err.Error(), 160)))
}

// note says what the body was (its type and size), reading what is left
// of it to count it.
func (p *pageReader) note() string {
	n, err := io.Copy(io.Discard, p.br)
	if err != nil {
		p.readErr = err
	}
	note := fmt.Sprintf("%d bytes", p.off+n)
	if mt, _, _ := mime.ParseMediaType(p.contentType); mt != "" {
		note = mt + ", " + note
	}
	return note
}
