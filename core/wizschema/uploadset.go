package wizschema

import (
	"fmt"
	"io"
	"os"
)

// EncodedSource is one finished data source, already encoded as a JSON
// object by an Encoder with the set's options (see Spool.Drain): its id,
// the object's bytes, their length and what it holds.
type EncodedSource struct {
	ID    string
	Body  io.Reader
	Size  int64
	Stats EncodeStats
}

// UploadFile is one committed document of an UploadSet.
type UploadFile struct {
	Path        string
	Stats       EncodeStats
	DataSources []string // in the order written
	// Oversized marks a file holding one data source that alone is larger
	// than the cap: a data source is never split, so it goes by itself.
	Oversized bool
}

// UploadSet writes data sources into as many upload documents as the size
// cap needs, cutting only between data sources: a data source is sent
// whole, in exactly one file (Wiz resolves what an upload of a data source
// leaves out). Each file is committed (complete, fsynced, renamed into
// place) as soon as the next data source does not fit; Abort drops the
// open file, Remove the committed ones too. Not safe for concurrent use.
type UploadSet struct {
	opts  Options
	max   int64
	path  func(n int) string
	cur   *File
	ids   []string
	files []UploadFile
	err   error
}

// tailLen is what closing a document adds: "]}\n".
const tailLen = 3

// NewUploadSet starts a set of documents no larger than max bytes each
// (max <= 0: one document, however large). path names the n-th file
// (from 0); every file is created in its directory.
func NewUploadSet(o Options, max int64, path func(n int) string) (*UploadSet, error) {
	if _, err := o.normalize(); err != nil {
		return nil, err
	}
	return &UploadSet{opts: o, max: max, path: path}, nil
}

// Add writes one data source: into the open document when it fits under
// the cap, else into a new one. A data source larger than the cap on its
// own is written alone into a document of its own (reported by
// UploadFile.Oversized).
func (u *UploadSet) Add(src EncodedSource) error {
	if u.err != nil {
		return u.err
	}
	if u.cur != nil && u.max > 0 && u.cur.Stats().Bytes+1+src.Size+tailLen > u.max {
		if err := u.commit(false); err != nil {
			return err
		}
	}
	if u.cur == nil {
		if err := u.open(); err != nil {
			return err
		}
	}
	if err := u.cur.AppendDataSource(src.ID, io.LimitReader(src.Body, src.Size), src.Stats); err != nil {
		return u.fail(err)
	}
	u.ids = append(u.ids, src.ID)
	if u.max > 0 && len(u.ids) == 1 && u.cur.Stats().Bytes+tailLen > u.max {
		return u.commit(true) // nothing may join it
	}
	return nil
}

func (u *UploadSet) open() error {
	f, err := CreateFile(u.path(len(u.files)), u.opts)
	if err != nil {
		return u.fail(err)
	}
	u.cur, u.ids = f, nil
	return nil
}

func (u *UploadSet) commit(oversized bool) error {
	stats, err := u.cur.Commit()
	if err != nil {
		return u.fail(err)
	}
	u.files = append(u.files, UploadFile{Path: u.cur.path, Stats: stats, DataSources: u.ids, Oversized: oversized})
	u.cur, u.ids = nil, nil
	return nil
}

func (u *UploadSet) fail(err error) error {
	if u.cur != nil {
		u.cur.Abort()
		u.cur = nil
	}
	u.err = err
	return err
}

// Close commits the open document and returns every file of the set. A
// set that was given no data source is one empty document.
func (u *UploadSet) Close() ([]UploadFile, error) {
	if u.err != nil {
		return nil, u.err
	}
	if u.cur == nil && len(u.files) == 0 {
		if err := u.open(); err != nil {
			return nil, err
		}
	}
	if u.cur != nil {
		if err := u.commit(false); err != nil {
			return nil, err
		}
	}
	u.err = fmt.Errorf("upload set already closed")
	return u.files, nil
}

// Files lists the documents committed so far.
func (u *UploadSet) Files() []UploadFile { return u.files }

// Abort drops the document still open (its partial temporary file).
// Committed files stay.
func (u *UploadSet) Abort() {
	if u.cur != nil {
		u.cur.Abort()
		u.cur = nil
	}
	if u.err == nil {
		u.err = fmt.Errorf("upload set aborted")
	}
}

// Remove aborts the set and removes its committed files too.
func (u *UploadSet) Remove() {
	u.Abort()
	for _, f := range u.files {
		os.Remove(f.Path)
	}
}
