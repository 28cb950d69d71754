package httplog

import (
	"io"
	"os"
	"path/filepath"
)

// AppendFile is an io.Writer that appends each Write to the file at path,
// created 0600 in a 0700 directory. It opens and closes the file for every
// write: debug lines are few next to the requests they describe, and no
// caller has to remember to close anything.
func AppendFile(path string) io.Writer { return appendFile(path) }

type appendFile string

func (a appendFile) Write(p []byte) (int, error) {
	path := string(a)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := f.Write(p)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
