package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// DataSource is what Wiz holds from us for one data source (one
// repository). It changes only through CommitSent.
type DataSource struct {
	ID                                    string
	RepoName, RepoURL, Deployment, Branch string
	FromFile                              bool      // last sent from a --from file (API-mode runs must not touch such sources)
	Count                                 int       // size of the held set
	LastSentAt                            time.Time // last CommitSent
	LastRunID                             string
	LastScanAt                            time.Time // completion time of the full scan whose findings were last sent (watch mode)
}

// SentSet is the complete set of finding ids one upload carried for one
// data source.
type SentSet struct {
	Source     DataSource
	FindingIDs []string
}

const dataSourceColumns = `id, repo_name, repo_url, deployment, branch, from_file, count, last_sent_at, last_run_id, last_scan_at`

// DataSources lists every data source we ever sent, sorted by id.
func (l *Ledger) DataSources(ctx context.Context) ([]DataSource, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+dataSourceColumns+` FROM data_sources ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing data sources: %w", err)
	}
	defer rows.Close()
	out := []DataSource{}
	for rows.Next() {
		var d DataSource
		var fromFile int
		var sentAt, scanAt int64
		if err := rows.Scan(&d.ID, &d.RepoName, &d.RepoURL, &d.Deployment, &d.Branch, &fromFile, &d.Count, &sentAt, &d.LastRunID, &scanAt); err != nil {
			return nil, fmt.Errorf("listing data sources: %w", err)
		}
		d.FromFile, d.LastSentAt, d.LastScanAt = fromFile != 0, fromNanos(sentAt), fromNanos(scanAt)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing data sources: %w", err)
	}
	return out, nil
}

// Held returns the sorted finding ids Wiz holds from us for a data source;
// empty for one never sent.
func (l *Ledger) Held(ctx context.Context, dataSourceID string) ([]string, error) {
	// One concatenated string split in place costs two allocations per set
	// instead of several per id: a plan reads a million of them. The ids
	// share that string's memory. CommitSent keeps the separator (a control
	// character) out of ids.
	var all sql.NullString
	// No ORDER BY inside group_concat: it would sort through a temporary
	// B-tree although the primary key scan is already in order. The order
	// is checked below instead.
	err := l.db.QueryRowContext(ctx, `SELECT group_concat(finding_id, char(31)) FROM sent WHERE data_source_id=?`,
		dataSourceID).Scan(&all)
	if err != nil {
		return nil, fmt.Errorf("reading findings held for %s: %w", dataSourceID, err)
	}
	if !all.Valid {
		return []string{}, nil
	}
	ids := strings.Split(all.String, idSeparator)
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// idSeparator joins ids in Held's query: char(31), the unit separator.
const idSeparator = "\x1f"

// validFindingID rejects empty ids and ids with control characters (which
// would also break Held's separator).
func validFindingID(id string) error {
	if id == "" {
		return errors.New("empty finding id")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("finding id %q contains a control character", id)
		}
	}
	return nil
}

// maxBatch is the most rows one INSERT carries (2 parameters each, well
// under SQLite's 32766-parameter limit). Smaller batches are powers of two,
// so a commit prepares at most a dozen statements whatever the set sizes.
const maxBatch = 512

// testHookAfterDelete, when set by tests, runs after a data source's old
// set was deleted and before the new one is written.
var testHookAfterDelete func(dataSourceID string) error

// CommitSent replaces, in one transaction, the held sets of exactly these
// data sources (others are untouched) and marks the upload committed. Call
// it only after Wiz reported SUCCESS for that upload: a set Wiz did not
// accept must not become the baseline of the next plan. An empty
// FindingIDs records that Wiz now holds nothing for that source. Duplicate
// ids are stored once; the caller's slices are not modified.
func (l *Ledger) CommitSent(ctx context.Context, uploadID int64, sets []SentSet) error {
	// Data source order makes the inserts appends to the table's B-tree.
	order := slices.Clone(sets)
	slices.SortFunc(order, func(a, b SentSet) int { return strings.Compare(a.Source.ID, b.Source.ID) })
	return l.CommitSentSeq(ctx, uploadID, func(yield func(SentSet, error) bool) {
		for _, s := range order {
			if !yield(s, nil) {
				return
			}
		}
	})
}

// CommitSentSeq is CommitSent for sets read one at a time (a sync of a
// large organisation reads them back from disk): one transaction, and an
// error from the sequence rolls everything back.
func (l *Ledger) CommitSentSeq(ctx context.Context, uploadID int64, sets iter.Seq2[SentSet, error]) error {
	now := time.Now()
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		var runID string
		err := tx.QueryRowContext(ctx, `SELECT run_id FROM uploads WHERE id=?`, uploadID).Scan(&runID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		w, err := newSentWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		seen := map[string]bool{}
		for s, err := range sets {
			if err != nil {
				return err
			}
			if s.Source.ID == "" {
				return errors.New("a data source has an empty id")
			}
			if seen[s.Source.ID] {
				return fmt.Errorf("data source %s given twice", s.Source.ID)
			}
			seen[s.Source.ID] = true
			if err := w.replace(s, runID, now); err != nil {
				return fmt.Errorf("data source %s: %w", s.Source.ID, err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE uploads SET committed=1, updated_at=? WHERE id=?`, toNanos(now), uploadID)
		return err
	})
	if err != nil {
		return fmt.Errorf("committing upload %d: %w", uploadID, err)
	}
	return nil
}

// sentWriter holds the prepared statements of one CommitSent.
type sentWriter struct {
	ctx    context.Context
	tx     *sql.Tx
	upsert *sql.Stmt
	del    *sql.Stmt
	ins    map[int]*sql.Stmt // by rows per statement
	args   []any
}

func newSentWriter(ctx context.Context, tx *sql.Tx) (*sentWriter, error) {
	w := &sentWriter{ctx: ctx, tx: tx, ins: map[int]*sql.Stmt{}, args: make([]any, 0, 2*maxBatch)}
	var err error
	w.upsert, err = tx.PrepareContext(ctx, `INSERT INTO data_sources (`+dataSourceColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET repo_name=excluded.repo_name, repo_url=excluded.repo_url, deployment=excluded.deployment,
		branch=excluded.branch, from_file=excluded.from_file, count=excluded.count, last_sent_at=excluded.last_sent_at,
		last_run_id=excluded.last_run_id, last_scan_at=excluded.last_scan_at`)
	if err != nil {
		return nil, err
	}
	w.del, err = tx.PrepareContext(ctx, `DELETE FROM sent WHERE data_source_id=?`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *sentWriter) close() {
	for _, st := range []*sql.Stmt{w.upsert, w.del} {
		if st != nil {
			st.Close()
		}
	}
	for _, st := range w.ins {
		st.Close()
	}
}

func (w *sentWriter) replace(s SentSet, runID string, now time.Time) error {
	ids := slices.Clone(s.FindingIDs)
	slices.Sort(ids) // key order makes the inserts appends to the B-tree
	ids = slices.Compact(ids)
	for _, id := range ids {
		if err := validFindingID(id); err != nil {
			return err
		}
	}
	d := s.Source
	if d.LastSentAt.IsZero() {
		d.LastSentAt = now
	}
	if d.LastRunID == "" {
		d.LastRunID = runID
	}
	if _, err := w.upsert.ExecContext(w.ctx, d.ID, d.RepoName, d.RepoURL, d.Deployment, d.Branch, boolInt(d.FromFile), len(ids),
		toNanos(d.LastSentAt), d.LastRunID, toNanos(d.LastScanAt)); err != nil {
		return err
	}
	if _, err := w.del.ExecContext(w.ctx, d.ID); err != nil {
		return err
	}
	if testHookAfterDelete != nil {
		if err := testHookAfterDelete(d.ID); err != nil {
			return err
		}
	}
	dsArg := any(d.ID) // boxed once, not once per row
	for len(ids) > 0 {
		n := maxBatch
		for n > len(ids) {
			n /= 2
		}
		st, err := w.insert(n)
		if err != nil {
			return err
		}
		w.args = w.args[:0]
		for _, id := range ids[:n] {
			w.args = append(w.args, dsArg, id)
		}
		if _, err := st.ExecContext(w.ctx, w.args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// insert returns the prepared INSERT of n rows.
func (w *sentWriter) insert(n int) (*sql.Stmt, error) {
	if st, ok := w.ins[n]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO sent (data_source_id, finding_id) VALUES (?,?)`)
	for range n - 1 {
		b.WriteString(`,(?,?)`)
	}
	st, err := w.tx.PrepareContext(w.ctx, b.String())
	if err != nil {
		return nil, err
	}
	w.ins[n] = st
	return st, nil
}
