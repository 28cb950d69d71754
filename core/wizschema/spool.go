package wizschema

import (
	"fmt"
	"io"
	"os"
)

// Spool keeps data sources aside in a temporary file while a sync decides
// whether they go into the upload (a data source the mass-resolve guard
// holds back until the user confirms). Held data sources cost disk, not
// memory, and are copied into a document byte for byte.
type Spool struct {
	f     *os.File
	opts  Options
	enc   *Encoder
	spans []spoolSpan
}

type spoolSpan struct {
	id         string
	start, end int64
	stats      EncodeStats
}

// NewSpool creates the spool's file in dir; Close removes it.
func NewSpool(dir string, o Options) (*Spool, error) {
	f, err := os.CreateTemp(dir, ".semgrep-wiz-held-*")
	if err != nil {
		return nil, fmt.Errorf("creating a file for held data sources in %s: %w", dir, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	enc, err := NewEncoder(f, o)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &Spool{f: f, opts: o, enc: enc}, nil
}

// Write encodes one data source into the spool: write adds its assets.
func (s *Spool) Write(id string, write func(*Encoder) error) error {
	before := s.enc.Stats()
	if err := s.enc.BeginDataSource(id); err != nil {
		return err
	}
	start := before.Bytes
	if before.DataSources > 0 {
		start++ // the comma Begin wrote
	}
	if err := write(s.enc); err != nil {
		return s.enc.fail(err)
	}
	if err := s.enc.EndDataSource(); err != nil {
		return err
	}
	after := s.enc.Stats()
	s.spans = append(s.spans, spoolSpan{id: id, start: start, end: after.Bytes,
		stats: EncodeStats{DataSources: 1, Assets: after.Assets - before.Assets, Findings: after.Findings - before.Findings, Bytes: after.Bytes - start}})
	return nil
}

// Append keeps a data source already encoded (SourceSpool.Finish) aside.
func (s *Spool) Append(id string, obj io.Reader, st EncodeStats) error {
	before := s.enc.Stats()
	if err := s.enc.AppendDataSource(id, obj, st); err != nil {
		return err
	}
	start := before.Bytes
	if before.DataSources > 0 {
		start++ // the comma AppendDataSource wrote
	}
	after := s.enc.Stats()
	s.spans = append(s.spans, spoolSpan{id: id, start: start, end: after.Bytes,
		stats: EncodeStats{DataSources: 1, Assets: st.Assets, Findings: st.Findings, Bytes: after.Bytes - start}})
	return nil
}

// Len is the number of data sources held.
func (s *Spool) Len() int { return len(s.spans) }

// AppendTo copies every held data source into dst.
func (s *Spool) AppendTo(dst *Encoder) error {
	return s.Drain(func(src EncodedSource) error {
		return dst.AppendDataSource(src.ID, src.Body, src.Stats)
	})
}

// Drain hands every data source written so far, in order, to fn (each
// one's Body is valid only during its call) and then empties the spool
// for reuse: a sync encodes each finished repository into a spool and
// drains it into the UploadSet, so every source reaches the files the
// same way.
func (s *Spool) Drain(fn func(EncodedSource) error) error {
	if len(s.spans) == 0 {
		return nil
	}
	if err := s.enc.Close(); err != nil {
		return err
	}
	for _, sp := range s.spans {
		src := EncodedSource{ID: sp.id, Body: io.NewSectionReader(s.f, sp.start, sp.end-sp.start), Size: sp.end - sp.start, Stats: sp.stats}
		src.Stats.Bytes = src.Size
		if err := fn(src); err != nil {
			return err
		}
	}
	s.spans = nil
	return s.reset()
}

// reset starts the spool's file over.
func (s *Spool) reset() error {
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("emptying %s: %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("emptying %s: %w", s.f.Name(), err)
	}
	enc, err := NewEncoder(s.f, s.opts)
	if err != nil {
		return err
	}
	s.enc = enc
	return nil
}

// Close removes the spool's file.
func (s *Spool) Close() {
	s.f.Close()
	os.Remove(s.f.Name())
}
