package wizschema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// SourceSpool encodes one data source piece by piece (a page of findings at
// a time, the branches of a page mixed) into a temporary file, so a
// repository read page by page is never held whole. Every finding is
// checked as Encoder checks it. The pages of an asset may lie between those
// of another in the file; Finish reads them back in asset order, each
// asset whole, as one data source object for Encoder.AppendDataSource (or
// Spool.Append). Memory is a page plus a hash of each id of each asset
// (the duplicate check), not its findings.
//
// A SourceSpool is not safe for concurrent use; Close removes its file.
type SourceSpool struct {
	f      *os.File
	w      *bufio.Writer
	opts   Options
	id     string
	off    int64 // bytes written to f (through w)
	assets []*spoolAsset
	find   map[assetKey]*spoolAsset
	err    error
}

type assetKey struct {
	branch    string
	isDefault bool
}

type spoolAsset struct {
	enc    *Encoder // writes through the spool's writer; its own checks and ids
	st     *assetState
	chunks [][2]int64 // [start, end) in the file
}

// NewSourceSpool starts data source id in a temporary file in dir. o must
// be the options of the document it goes into (the same analysis date).
func NewSourceSpool(dir string, o Options, id string) (*SourceSpool, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errors.New("data source id is empty")
	}
	f, err := os.CreateTemp(dir, ".semgrep-wiz-source-*")
	if err != nil {
		return nil, fmt.Errorf("creating a file for data source %q in %s: %w", id, dir, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &SourceSpool{f: f, w: bufio.NewWriterSize(f, 32<<10), opts: o, id: id, find: map[assetKey]*spoolAsset{}}, nil
}

// Write adds findings to asset a (the asset is created on first use, in
// the order assets are first written: write the repository's own branch
// first, even with no findings).
func (s *SourceSpool) Write(a AssetInput, fs []finding.Finding) error {
	if s.err != nil {
		return s.err
	}
	k := assetKey{finding.NormalizeBranch(a.Branch), a.IsDefault}
	as := s.find[k]
	if as == nil {
		as = &spoolAsset{enc: s.fragment()}
		before := as.enc.stats.Bytes
		st, err := as.enc.beginAsset(a, false)
		if err != nil {
			return s.fail(err)
		}
		as.st = st
		s.assets = append(s.assets, as)
		s.find[k] = as
		as.chunk(s, before)
	}
	before := as.enc.stats.Bytes
	for i := range fs {
		if err := as.enc.assetFinding(as.st, &fs[i]); err != nil {
			return s.fail(err)
		}
	}
	as.chunk(s, before)
	return nil
}

// chunk records what the asset's encoder wrote since before.
func (as *spoolAsset) chunk(s *SourceSpool, before int64) {
	n := as.enc.stats.Bytes - before
	if n == 0 {
		return
	}
	if c := len(as.chunks); c > 0 && as.chunks[c-1][1] == s.off {
		as.chunks[c-1][1] += n // follows its own last chunk
	} else {
		as.chunks = append(as.chunks, [2]int64{s.off, s.off + n})
	}
	s.off += n
}

// fragment is an Encoder that writes one asset of this data source into
// the spool's file, without a document around it.
func (s *SourceSpool) fragment() *Encoder {
	e := &Encoder{
		w:          s.w,
		opts:       s.opts,
		date:       s.opts.AnalysisDate.Format(time.RFC3339),
		dsIDs:      map[string]struct{}{},
		assetIDs:   map[string]struct{}{},
		findingIDs: newIDHashSet(),
		dsOpen:     true,
		dsID:       s.id,
	}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

func (s *SourceSpool) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return s.err
}

// Finish completes the data source: obj reads the whole data source object
// (valid until Close), size is its length and st what it holds.
func (s *SourceSpool) Finish() (obj io.Reader, size int64, st EncodeStats, err error) {
	if s.err != nil {
		return nil, 0, st, s.err
	}
	if err := s.w.Flush(); err != nil {
		return nil, 0, st, s.fail(fmt.Errorf("writing data source %q aside: %w", s.id, err))
	}
	head, err := json.Marshal(s.id)
	if err != nil {
		return nil, 0, st, s.fail(err)
	}
	date := s.opts.AnalysisDate.Format(time.RFC3339)
	parts := []io.Reader{bytes.NewReader([]byte(`{"id":` + string(head) + `,"analysisDate":"` + date + `","assets":[`))}
	size = int64(len(`{"id":`) + len(head) + len(`,"analysisDate":"`) + len(date) + len(`","assets":[`))
	for i, as := range s.assets {
		if i > 0 {
			parts = append(parts, bytes.NewReader([]byte(",")))
			size++
		}
		for _, c := range as.chunks {
			parts = append(parts, io.NewSectionReader(s.f, c[0], c[1]-c[0]))
			size += c[1] - c[0]
		}
		parts = append(parts, bytes.NewReader([]byte("]}")))
		size += 2
		st.Assets++
		st.Findings += as.enc.stats.Findings
	}
	parts = append(parts, bytes.NewReader([]byte("]}")))
	size += 2
	st.DataSources, st.Bytes = 1, size
	return io.MultiReader(parts...), size, st, nil
}

// Close removes the spool's file.
func (s *SourceSpool) Close() {
	s.f.Close()
	os.Remove(s.f.Name())
}
