package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
)

// idSpool keeps the Wiz finding ids of each planned data source on disk
// until Wiz has accepted the upload and the ledger records them: a sync of
// a large organisation must not hold every id in memory. Records are
// lines: a data source line ("\x1d" + id), then one line per finding id
// (ids and data source ids never hold control characters).
type idSpool struct {
	f *os.File
	w *bufio.Writer
}

const spoolSourceMark = "\x1d"

func newIDSpool(dir string) (*idSpool, error) {
	f, err := os.CreateTemp(dir, ".semgrep-wiz-ids-*")
	if err != nil {
		return nil, fmt.Errorf("creating a file for the finding ids in %s: %w", dir, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &idSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *idSpool) add(dataSourceID string, ids []string) error {
	if strings.ContainsAny(dataSourceID, "\n\x1d") {
		return fmt.Errorf("data source id %q holds a control character", dataSourceID)
	}
	s.w.WriteString(spoolSourceMark)
	s.w.WriteString(dataSourceID)
	s.w.WriteByte('\n')
	for _, id := range ids {
		if strings.ContainsAny(id, "\n\x1d") {
			return fmt.Errorf("finding id %q holds a control character", id)
		}
		s.w.WriteString(id)
		s.w.WriteByte('\n')
	}
	return nil
}

// sets reads the spool back, one data source at a time.
func (s *idSpool) sets() iter.Seq2[spooled, error] {
	return func(yield func(spooled, error) bool) {
		if err := s.w.Flush(); err != nil {
			yield(spooled{}, fmt.Errorf("writing the finding ids: %w", err))
			return
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			yield(spooled{}, err)
			return
		}
		sc := bufio.NewScanner(s.f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var cur *spooled
		for sc.Scan() {
			line := sc.Text()
			if id, ok := strings.CutPrefix(line, spoolSourceMark); ok {
				if cur != nil && !yield(*cur, nil) {
					return
				}
				cur = &spooled{id: id}
				continue
			}
			if cur == nil {
				yield(spooled{}, errors.New("reading the finding ids: an id before any data source"))
				return
			}
			cur.ids = append(cur.ids, line)
		}
		if err := sc.Err(); err != nil {
			yield(spooled{}, fmt.Errorf("reading the finding ids: %w", err))
			return
		}
		if cur != nil {
			yield(*cur, nil)
		}
	}
}

type spooled struct {
	id  string
	ids []string
}

func (s *idSpool) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}
