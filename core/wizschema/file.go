package wizschema

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// SourceInput is one data source to write: its id (finding.DataSourceID
// of the repository) and its assets. A source with no assets is written as
// an empty data source.
type SourceInput struct {
	ID     string
	Assets []AssetWithFindings
}

// AssetWithFindings is one branch and every finding open on it.
type AssetWithFindings struct {
	Asset    AssetInput
	Findings []finding.Finding
}

// WriteFile encodes sources into path atomically: it writes a temporary
// file in the same directory, fsyncs it and renames it over path, so path
// either keeps its old content or holds a complete, checked document. The
// file is mode 0600.
func WriteFile(ctx context.Context, path string, o Options, sources []SourceInput) (EncodeStats, error) {
	f, err := CreateFile(path, o)
	if err != nil {
		return EncodeStats{}, err
	}
	defer f.Abort()
	if err := writeSources(ctx, f.Encoder, sources); err != nil {
		return f.Stats(), fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit()
}

// File is an upload document written to disk data source by data source
// (a sync streams repositories into it). Nothing appears at its path until
// Commit; Abort (safe after Commit) removes the partial file.
type File struct {
	*Encoder
	path string
	tmp  *os.File
	done bool
}

// CreateFile starts the document for path in a temporary 0600 file in the
// same directory.
func CreateFile(path string, o Options) (*File, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating upload file in %s: %w", dir, err)
	}
	f := &File{path: path, tmp: tmp}
	if err := tmp.Chmod(0o600); err != nil {
		f.Abort()
		return nil, fmt.Errorf("setting mode of %s: %w", tmp.Name(), err)
	}
	if f.Encoder, err = NewEncoder(tmp, o); err != nil {
		f.Abort()
		return nil, err
	}
	return f, nil
}

// Commit finishes the document, fsyncs it and renames it to its path.
func (f *File) Commit() (EncodeStats, error) {
	if f.done {
		return f.Stats(), errors.New("upload file already finished")
	}
	stats, err := f.commit()
	if err != nil {
		f.Abort()
	}
	return stats, err
}

func (f *File) commit() (EncodeStats, error) {
	if err := f.Close(); err != nil {
		return f.Stats(), fmt.Errorf("writing %s: %w", f.path, err)
	}
	stats := f.Stats()
	if err := f.tmp.Sync(); err != nil {
		return stats, fmt.Errorf("syncing %s: %w", f.tmp.Name(), err)
	}
	if err := f.tmp.Close(); err != nil {
		return stats, fmt.Errorf("closing %s: %w", f.tmp.Name(), err)
	}
	if err := os.Rename(f.tmp.Name(), f.path); err != nil {
		return stats, fmt.Errorf("renaming upload file to %s: %w", f.path, err)
	}
	f.done = true
	// Make the rename itself durable; not every file system supports
	// syncing a directory, and the file is complete either way.
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return stats, nil
}

// Abort drops an unfinished file; after Commit it does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

func writeSources(ctx context.Context, e *Encoder, sources []SourceInput) error {
	for _, s := range sources {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.BeginDataSource(s.ID); err != nil {
			return err
		}
		for _, a := range s.Assets {
			if err := e.WriteAssetSeq(a.Asset, ctxFindings(ctx, a.Findings)); err != nil {
				return err
			}
		}
		if err := e.EndDataSource(); err != nil {
			return err
		}
	}
	return nil
}

func encodeSources(ctx context.Context, w io.Writer, o Options, sources []SourceInput) (EncodeStats, error) {
	e, err := NewEncoder(w, o)
	if err != nil {
		return EncodeStats{}, err
	}
	if err := writeSources(ctx, e, sources); err != nil {
		return e.Stats(), err
	}
	err = e.Close()
	return e.Stats(), err
}

// ctxFindings yields the findings, checking for cancellation now and then
// so a huge asset does not hold up a cancelled run.
func ctxFindings(ctx context.Context, fs []finding.Finding) func(func(*finding.Finding, error) bool) {
	return func(yield func(*finding.Finding, error) bool) {
		for i := range fs {
			if i%1024 == 0 {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
			}
			if !yield(&fs[i], nil) {
				return
			}
		}
	}
}

// ValidateFile checks an upload file against the embedded schema without
// loading it whole: the document and data-source levels are checked with
// their lists emptied, each asset (with its findings) on its own. It also
// refuses what the schema cannot express: a data source twice in one
// file, a finding id twice in one asset, duplicate keys at the document
// and data-source levels, and anything after the document.
func ValidateFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("validating upload file: %w", err)
	}
	defer f.Close()
	if err := validateStream(bufio.NewReaderSize(f, 256<<10)); err != nil {
		return fmt.Errorf("validating %s: %w", path, err)
	}
	return nil
}

func validateStream(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := expectDelim(dec, '{', "the document"); err != nil {
		return err
	}
	shell := map[string]any{}
	dsIDs := map[string]bool{}
	for dec.More() {
		key, err := objectKey(dec, shell, "the document")
		if err != nil {
			return err
		}
		if key != "dataSources" {
			if shell[key], err = decodeValue(dec); err != nil {
				return err
			}
			continue
		}
		shell[key], err = streamArray(dec, "dataSources", func(i int) error { return validateDataSource(dec, i, dsIDs) })
		if err != nil {
			return err
		}
	}
	if err := endObject(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the document")
	}
	if err := validateValue("", shell); err != nil {
		return fmt.Errorf("document: %w", err)
	}
	return nil
}

func validateDataSource(dec *json.Decoder, i int, seen map[string]bool) error {
	where := fmt.Sprintf("dataSources[%d]", i)
	if err := expectDelim(dec, '{', where); err != nil {
		return err
	}
	shell := map[string]any{}
	for dec.More() {
		key, err := objectKey(dec, shell, where)
		if err != nil {
			return err
		}
		if key != "assets" {
			if shell[key], err = decodeValue(dec); err != nil {
				return err
			}
			if id, ok := shell[key].(string); key == "id" && ok {
				if seen[id] {
					return fmt.Errorf("%s: data source %q appears twice", where, id)
				}
				seen[id] = true
				where = fmt.Sprintf("dataSources[%d] (%q)", i, id)
			}
			continue
		}
		shell[key], err = streamArray(dec, where+".assets", func(j int) error {
			var asset any
			if err := dec.Decode(&asset); err != nil {
				return fmt.Errorf("%s.assets[%d]: %w", where, j, err)
			}
			if err := validateValue("/$defs/asset", asset); err != nil {
				return fmt.Errorf("%s.assets[%d]: %w", where, j, err)
			}
			if err := duplicateFindingIDs(asset); err != nil {
				return fmt.Errorf("%s.assets[%d]: %w", where, j, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := endObject(dec); err != nil {
		return err
	}
	if err := validateValue("/$defs/dataSource", shell); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// duplicateFindingIDs runs on an asset that already matched the schema.
func duplicateFindingIDs(asset any) error {
	m, _ := asset.(map[string]any)
	list, _ := m["sastFindings"].([]any)
	seen := make(map[string]bool, len(list))
	for _, f := range list {
		obj, _ := f.(map[string]any)
		id, _ := obj["id"].(string)
		if seen[id] {
			details, _ := m["details"].(map[string]any)
			rb, _ := details["repositoryBranch"].(map[string]any)
			return fmt.Errorf("asset %q: finding id %q appears twice", rb["assetId"], id)
		}
		seen[id] = true
	}
	return nil
}

func validateValue(fragment string, v any) error {
	s, err := schemaFor(fragment)
	if err != nil {
		return err
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("does not match the Wiz SAST schema: %s", oneLine(err))
	}
	return nil
}

func expectDelim(dec *json.Decoder, d json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: not valid JSON: %w", what, err)
	}
	if tok != d {
		return fmt.Errorf("%s: expected %q, found %v", what, d, tok)
	}
	return nil
}

func objectKey(dec *json.Decoder, seen map[string]any, where string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("%s: not valid JSON: %w", where, err)
	}
	key, _ := tok.(string)
	if _, dup := seen[key]; dup {
		return "", fmt.Errorf("%s: key %q appears twice", where, key)
	}
	return key, nil
}

func endObject(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	return nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	return v, nil
}

// streamArray walks an array element by element and returns [] in its
// place for the shell check. A value that is not an array is returned as
// it is so the schema check reports it.
func streamArray(dec *json.Decoder, what string, each func(i int) error) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		return nil, fmt.Errorf("%s: expected an array, found an object", what)
	default:
		return tok, nil
	}
	for i := 0; dec.More(); i++ {
		if err := each(i); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	return []any{}, nil
}
