package wizschema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// EncodeStats counts what an Encoder has written.
type EncodeStats struct {
	DataSources int
	Assets      int
	Findings    int
	Bytes       int64
}

// Encoder streams one upload document: the head, then data sources one
// after the other, each with its assets and their findings. Memory does
// not grow with the number of findings: each finding is mapped, checked,
// encoded and written before the next one is looked at. Every object is
// checked against the schema as it is encoded (the repositoryBranch with
// the generic validator, each finding with equivalent hand-written
// checks), so the encoder refuses to produce an invalid document.
//
// After any error the Encoder is finished: every later call returns the
// same error and the output written so far must be discarded. An Encoder
// is not safe for concurrent use.
type Encoder struct {
	w     *bufio.Writer
	opts  Options
	date  string // opts.AnalysisDate, RFC 3339
	stats EncodeStats
	err   error

	buf bytes.Buffer
	enc *json.Encoder
	sf  SASTFinding // reused so the finding does not escape per call

	dsOpen     bool
	closed     bool
	dsID       string
	dsAssets   int
	dsIDs      map[string]struct{}
	assetIDs   map[string]struct{} // of the open data source
	findingIDs *idHashSet          // of the asset being written, reused; hashes, not the ids
}

// NewEncoder checks the options and writes the document head to w.
func NewEncoder(w io.Writer, o Options) (*Encoder, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	e := &Encoder{
		w:          bufio.NewWriterSize(w, 64<<10),
		opts:       o,
		date:       o.AnalysisDate.Format(time.RFC3339),
		dsIDs:      map[string]struct{}{},
		assetIDs:   map[string]struct{}{},
		findingIDs: newIDHashSet(),
	}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	e.writeString(`{"integrationId":`)
	e.writeJSON(o.IntegrationID)
	e.writeString(`,"dataSources":[`)
	return e, e.err
}

// Stats reports what has been written so far.
func (e *Encoder) Stats() EncodeStats { return e.stats }

// BeginDataSource opens the data source with the given id; every asset
// written until EndDataSource belongs to it.
func (e *Encoder) BeginDataSource(id string) error {
	if err := e.usable(); err != nil {
		return err
	}
	if e.dsOpen {
		return e.fail(fmt.Errorf("data source %q: data source %q is still open", id, e.dsID))
	}
	if id == "" {
		return e.fail(errors.New("data source id is empty"))
	}
	if _, dup := e.dsIDs[id]; dup {
		return e.fail(fmt.Errorf("data source %q appears twice in one document (a data source must be sent whole, once)", id))
	}
	e.dsIDs[id] = struct{}{}
	clear(e.assetIDs)
	if e.stats.DataSources > 0 {
		e.writeString(",")
	}
	e.writeString(`{"id":`)
	e.writeJSON(id)
	e.writeString(`,"analysisDate":"` + e.date + `","assets":[`)
	e.dsOpen, e.dsID, e.dsAssets = true, id, 0
	e.stats.DataSources++
	return e.err
}

// WriteAsset writes one repository branch with every finding open on it.
// An empty list is written as "sastFindings":[] so Wiz resolves the
// branch's old findings.
func (e *Encoder) WriteAsset(a AssetInput, findings []finding.Finding) error {
	return e.WriteAssetSeq(a, func(yield func(*finding.Finding, error) bool) {
		for i := range findings {
			if !yield(&findings[i], nil) {
				return
			}
		}
	})
}

// WriteAssetSeq is WriteAsset for findings read one at a time (from a
// database, say). An error yielded by the sequence aborts the document: a
// branch must never be sent with part of its findings.
func (e *Encoder) WriteAssetSeq(a AssetInput, findings iter.Seq2[*finding.Finding, error]) error {
	as, err := e.beginAsset(a, e.dsAssets > 0)
	if err != nil {
		return err
	}
	for f, err := range findings {
		if err != nil {
			return e.fail(fmt.Errorf("%s: reading findings: %w", as.where, err))
		}
		if err := e.assetFinding(as, f); err != nil {
			return err
		}
	}
	e.writeString("]}")
	return e.err
}

// assetState is one asset being written.
type assetState struct {
	a     AssetInput
	ctx   findingContext
	where string
	n     int // findings written
}

// beginAsset checks the asset and writes its head (after a comma when
// comma), up to its findings' opening bracket.
func (e *Encoder) beginAsset(a AssetInput, comma bool) (*assetState, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	if !e.dsOpen {
		return nil, e.fail(fmt.Errorf("asset of repository %q: no data source is open", repoLabel(a.Repo)))
	}
	rb, err := MapAsset(a, e.opts.VCSHosts)
	if err != nil {
		return nil, e.fail(fmt.Errorf("data source %q: %w", e.dsID, err))
	}
	where := fmt.Sprintf("data source %q, asset %q", e.dsID, rb.AssetID)
	if ds := finding.DataSourceID(a.Repo); ds != e.dsID {
		return nil, e.fail(fmt.Errorf("%s: the repository belongs to data source %q (one data source per repository)", where, ds))
	}
	if _, dup := e.assetIDs[rb.AssetID]; dup {
		return nil, e.fail(fmt.Errorf("%s: asset appears twice in the data source", where))
	}
	e.assetIDs[rb.AssetID] = struct{}{}

	rbJSON, err := e.marshal(rb)
	if err != nil {
		return nil, e.fail(fmt.Errorf("%s: encoding repositoryBranch: %w", where, err))
	}
	if err := validateJSON("/$defs/repositoryBranch", rbJSON); err != nil {
		return nil, e.fail(fmt.Errorf("%s: repositoryBranch %w", where, err))
	}
	date := e.date
	if !a.AnalysisDate.IsZero() {
		t := a.AnalysisDate.UTC().Truncate(time.Second)
		if y := t.Year(); y < 1 || y > 9999 {
			return nil, e.fail(fmt.Errorf("%s: analysis date %v is out of range", where, a.AnalysisDate))
		}
		date = t.Format(time.RFC3339)
	}
	if comma {
		e.writeString(",")
	}
	e.writeString(`{"analysisDate":"` + date + `","details":{"repositoryBranch":`)
	e.write(rbJSON)
	e.writeString(`},"sastFindings":[`)
	e.dsAssets++
	e.stats.Assets++
	e.findingIDs.reset()
	as := &assetState{a: a, where: where, ctx: findingContext{
		branch:    rb.BranchName,
		isDefault: a.IsDefault,
		repoURL:   rb.Repository.URL,
		vcs:       rb.VCS,
	}}
	return as, e.err
}

// assetFinding writes one finding of the asset begun as as.
func (e *Encoder) assetFinding(as *assetState, f *finding.Finding) error {
	if err := e.writeFinding(f, &as.ctx, &as.a, as.where, as.n); err != nil {
		return e.fail(err)
	}
	as.n++
	return e.err
}

func (e *Encoder) writeFinding(f *finding.Finding, ctx *findingContext, a *AssetInput, where string, n int) error {
	if f == nil {
		return fmt.Errorf("%s: finding %d is nil", where, n)
	}
	// A finding that names another branch or repository is on the wrong
	// asset: sending it would resolve it where it really is.
	if f.Branch != "" {
		if !finding.SameBranch(f.Branch, ctx.branch) {
			return fmt.Errorf("%s, finding %q: finding is on branch %q, not %q", where, f.ID, f.Branch, ctx.branch)
		}
		if f.IsDefaultBranch != ctx.isDefault {
			return fmt.Errorf("%s, finding %q: finding says default branch=%v, the asset says %v", where, f.ID, f.IsDefaultBranch, ctx.isDefault)
		}
	}
	if f.Repo != a.Repo && finding.DataSourceID(f.Repo) != e.dsID {
		return fmt.Errorf("%s, finding %q: finding belongs to data source %q", where, f.ID, finding.DataSourceID(f.Repo))
	}
	e.sf = mapFinding(f, ctx)
	sf := &e.sf
	err := checkFindingPolicy(sf)
	if err == nil && strings.TrimSpace(f.ID) == "" {
		// Off the default branch the Wiz id is "<id>@<branch>", never
		// empty; the finding's own id must be checked.
		err = errors.New("finding id is empty")
	}
	if err != nil {
		// %q: a path may hold a line break.
		return fmt.Errorf("%s, finding %q (rule %q, %q): %w", where, sf.ID, f.RuleID, f.Location(), err)
	}
	if err := checkFinding(sf); err != nil {
		return fmt.Errorf("%s, finding %q: does not match the Wiz SAST schema: %w", where, sf.ID, err)
	}
	if e.findingIDs.add(sf.ID) {
		return fmt.Errorf("%s, finding %q: duplicate finding id in one asset (at %q)", where, sf.ID, f.Location())
	}
	b, err := e.marshal(sf)
	if err != nil {
		return fmt.Errorf("%s, finding %q: %w", where, sf.ID, err)
	}
	if n > 0 {
		e.writeString(",")
	}
	e.write(b)
	e.stats.Findings++
	return nil
}

// EndDataSource closes the open data source.
func (e *Encoder) EndDataSource() error {
	if err := e.usable(); err != nil {
		return err
	}
	if !e.dsOpen {
		return e.fail(errors.New("EndDataSource: no data source is open"))
	}
	e.writeString("]}")
	e.dsOpen = false
	return e.err
}

// Close finishes the document and flushes it to the writer (which it
// does not close). It is an error to close with a data source open.
func (e *Encoder) Close() error {
	if e.closed {
		return e.err
	}
	if e.err != nil {
		return e.err
	}
	if e.dsOpen {
		return e.fail(fmt.Errorf("closing the document: data source %q is still open", e.dsID))
	}
	e.writeString("]}\n")
	if e.err == nil {
		if err := e.w.Flush(); err != nil {
			e.err = fmt.Errorf("writing the upload document: %w", err)
		}
	}
	e.closed = true
	return e.err
}

func (e *Encoder) usable() error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return errors.New("encoder is already closed")
	}
	return nil
}

func (e *Encoder) fail(err error) error {
	if e.err == nil {
		e.err = err
	}
	return e.err
}

// marshal encodes v into the reused buffer; the result is valid until the
// next call.
func (e *Encoder) marshal(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	b := e.buf.Bytes()
	return b[:len(b)-1], nil // json.Encoder ends every value with '\n'
}

func (e *Encoder) writeJSON(v any) {
	b, err := e.marshal(v)
	if err != nil {
		e.fail(err)
		return
	}
	e.write(b)
}

func (e *Encoder) write(b []byte) {
	if e.err != nil {
		return
	}
	n, err := e.w.Write(b)
	e.stats.Bytes += int64(n)
	if err != nil {
		e.err = fmt.Errorf("writing the upload document: %w", err)
	}
}

func (e *Encoder) writeString(s string) {
	if e.err != nil {
		return
	}
	n, err := e.w.WriteString(s)
	e.stats.Bytes += int64(n)
	if err != nil {
		e.err = fmt.Errorf("writing the upload document: %w", err)
	}
}

// AppendDataSource copies a complete data source object, as an Encoder
// with the same options wrote it, into the document (see Spool). st is
// what that data source holds, for the stats.
func (e *Encoder) AppendDataSource(id string, obj io.Reader, st EncodeStats) error {
	if err := e.usable(); err != nil {
		return err
	}
	if e.dsOpen {
		return e.fail(fmt.Errorf("data source %q: data source %q is still open", id, e.dsID))
	}
	if _, dup := e.dsIDs[id]; dup {
		return e.fail(fmt.Errorf("data source %q appears twice in one document (a data source must be sent whole, once)", id))
	}
	e.dsIDs[id] = struct{}{}
	if e.stats.DataSources > 0 {
		e.writeString(",")
	}
	if e.err != nil {
		return e.err
	}
	n, err := io.Copy(e.w, obj)
	e.stats.Bytes += n
	if err != nil {
		return e.fail(fmt.Errorf("data source %q: copying it into the upload document: %w", id, err))
	}
	e.stats.DataSources++
	e.stats.Assets += st.Assets
	e.stats.Findings += st.Findings
	return nil
}
