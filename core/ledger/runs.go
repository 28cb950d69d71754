package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Run statuses the ledger itself sets; the others come from the pipeline.
const (
	StatusRunning     = "running"
	StatusInterrupted = "interrupted"
)

// Run is one sync as recorded.
type Run struct {
	ID                    string
	StartedAt, FinishedAt time.Time
	Trigger               string // cli, watch, tui, demo
	User, Host            string
	Policy                string // policy snapshot (opaque JSON text)
	Source                string // "api:<deployment>" or "files"
	DryRun                bool
	Status                string // running, success, partial, failure, skipped, dry_run, cancelled, nothing_to_do, interrupted
	Sent, New, Unchanged  int
	Resolved, Excluded    int
	Repositories          int
	Error                 string
	// Delivered is true when one of the run's upload files reached Wiz
	// (read-only: from the uploads): only then were its findings sent.
	Delivered bool
}

const runColumns = `id, started_at, finished_at, trigger, user, host, policy, source, dry_run, status,
	sent, new, unchanged, resolved, excluded, repositories, error`

// runSelect is runColumns and whether an upload of the run reached Wiz.
const runSelect = runColumns + `, EXISTS (SELECT 1 FROM uploads WHERE uploads.run_id = runs.id AND uploads.delivered != 0)`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var started, finished int64
	var dry, delivered int
	err := sc.Scan(&r.ID, &started, &finished, &r.Trigger, &r.User, &r.Host, &r.Policy, &r.Source, &dry, &r.Status,
		&r.Sent, &r.New, &r.Unchanged, &r.Resolved, &r.Excluded, &r.Repositories, &r.Error, &delivered)
	r.StartedAt, r.FinishedAt, r.DryRun, r.Delivered = fromNanos(started), fromNanos(finished), dry != 0, delivered != 0
	return r, err
}

// StartRun records a new run with status "running" (r.Status is ignored).
// A zero StartedAt means now.
func (l *Ledger) StartRun(ctx context.Context, r Run) error {
	if r.ID == "" {
		return errors.New("starting run: empty run id")
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = time.Now()
	}
	_, err := l.db.ExecContext(ctx, `INSERT INTO runs (`+runColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, toNanos(r.StartedAt), toNanos(r.FinishedAt), r.Trigger, r.User, r.Host, r.Policy, r.Source, boolInt(r.DryRun), StatusRunning,
		r.Sent, r.New, r.Unchanged, r.Resolved, r.Excluded, r.Repositories, r.Error)
	if err != nil {
		return fmt.Errorf("recording run %s: %w", r.ID, err)
	}
	return nil
}

// FinishRun records a run's outcome: status, counts, error and finish time
// (zero means now). The other fields keep what StartRun stored.
func (l *Ledger) FinishRun(ctx context.Context, r Run) error {
	if r.Status == "" || r.Status == StatusRunning {
		return fmt.Errorf("finishing run %s: status %q is not a final status", r.ID, r.Status)
	}
	if r.FinishedAt.IsZero() {
		r.FinishedAt = time.Now()
	}
	res, err := l.db.ExecContext(ctx, `UPDATE runs SET status=?, finished_at=?, sent=?, new=?, unchanged=?, resolved=?,
		excluded=?, repositories=?, error=? WHERE id=?`,
		r.Status, toNanos(r.FinishedAt), r.Sent, r.New, r.Unchanged, r.Resolved, r.Excluded, r.Repositories, r.Error, r.ID)
	if err != nil {
		return fmt.Errorf("finishing run %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("finishing run %s: %w", r.ID, ErrNotFound)
	}
	return nil
}

// interruptedError is what an interrupted run says when it had no error.
const interruptedError = "the process stopped before the run finished"

// MarkInterrupted turns runs still "running" into "interrupted": their
// process died (a live sync would hold the lock). The finish time is the
// run's last event, the last sign of life. It refuses to run unless this
// Ledger holds the sync lock, so it can never mislabel a live sync.
func (l *Ledger) MarkInterrupted(ctx context.Context) (int, error) {
	if !l.holdsLock() {
		return 0, errors.New("marking interrupted runs: the sync lock is not held (call Lock first)")
	}
	res, err := l.db.ExecContext(ctx, `UPDATE runs SET status=?,
		finished_at = COALESCE((SELECT MAX(time) FROM events WHERE events.run_id = runs.id), started_at),
		error = CASE WHEN error = '' THEN ? ELSE error END
		WHERE status=?`, StatusInterrupted, interruptedError, StatusRunning)
	if err != nil {
		return 0, fmt.Errorf("marking interrupted runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("marking interrupted runs: %w", err)
	}
	return int(n), nil
}

// Runs lists runs newest first; limit <= 0 means all.
func (l *Ledger) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := l.db.QueryContext(ctx, `SELECT `+runSelect+` FROM runs ORDER BY started_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return out, nil
}

// maxCandidates bounds the ids an ambiguity error lists.
const maxCandidates = 10

// GetRun finds a run by its id or a unique prefix of it. No match gives
// ErrNotFound; several give ErrAmbiguous listing the candidates.
func (l *Ledger) GetRun(ctx context.Context, idOrPrefix string) (Run, error) {
	if idOrPrefix == "" {
		return Run{}, fmt.Errorf("run %q: %w", idOrPrefix, ErrNotFound)
	}
	r, err := scanRun(l.db.QueryRowContext(ctx, `SELECT `+runSelect+` FROM runs WHERE id=?`, idOrPrefix))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("reading run %s: %w", idOrPrefix, err)
	}
	rows, err := l.db.QueryContext(ctx, `SELECT `+runSelect+` FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
		len(idOrPrefix), idOrPrefix, maxCandidates+1)
	if err != nil {
		return Run{}, fmt.Errorf("reading run %s: %w", idOrPrefix, err)
	}
	defer rows.Close()
	var found []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return Run{}, fmt.Errorf("reading run %s: %w", idOrPrefix, err)
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return Run{}, fmt.Errorf("reading run %s: %w", idOrPrefix, err)
	}
	switch len(found) {
	case 0:
		return Run{}, fmt.Errorf("run %q: %w", idOrPrefix, ErrNotFound)
	case 1:
		return found[0], nil
	}
	ids := make([]string, 0, len(found))
	for i, r := range found {
		if i == maxCandidates {
			ids = append(ids, "…")
			break
		}
		ids = append(ids, r.ID)
	}
	return Run{}, fmt.Errorf("run id %q is %w: it matches %s; give more characters", idOrPrefix, ErrAmbiguous, strings.Join(ids, ", "))
}

// Event is one pipeline event of a run, flattened for storage.
type Event struct {
	Time                       time.Time
	Kind, Step, Repo, Message  string
	Done, Total                int64
	ActivityID, ActivityStatus string
}

// Text is what the event says, in one string: its repository, its
// message and the activity it saw, as the history shows them.
func (ev Event) Text() string {
	var parts []string
	if ev.Repo != "" {
		parts = append(parts, ev.Repo+":")
	}
	if ev.Message != "" {
		parts = append(parts, ev.Message)
	}
	if ev.ActivityID != "" {
		parts = append(parts, "activity "+ev.ActivityID+" "+ev.ActivityStatus)
	}
	return strings.Join(parts, " ")
}

// AddEvents appends events to a run in one transaction. A zero Time means
// now.
func (l *Ledger) AddEvents(ctx context.Context, runID string, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, runID); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO events (run_id, time, kind, step, repo, message, done, total, activity_id, activity_status)
			VALUES (?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := time.Now()
		for _, e := range evs {
			if e.Time.IsZero() {
				e.Time = now
			}
			if _, err := st.ExecContext(ctx, runID, toNanos(e.Time), e.Kind, e.Step, e.Repo, e.Message, e.Done, e.Total, e.ActivityID, e.ActivityStatus); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording events of run %s: %w", runID, err)
	}
	return nil
}

// Events lists a run's events in the order they were added.
func (l *Ledger) Events(ctx context.Context, runID string) ([]Event, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT time, kind, step, repo, message, done, total, activity_id, activity_status
		FROM events WHERE run_id=? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading events of run %s: %w", runID, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var t int64
		if err := rows.Scan(&t, &e.Kind, &e.Step, &e.Repo, &e.Message, &e.Done, &e.Total, &e.ActivityID, &e.ActivityStatus); err != nil {
			return nil, fmt.Errorf("reading events of run %s: %w", runID, err)
		}
		e.Time = fromNanos(t)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading events of run %s: %w", runID, err)
	}
	return out, nil
}

func runExists(ctx context.Context, tx *sql.Tx, runID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id=?`, runID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("run %q: %w", runID, ErrNotFound)
	}
	return err
}

// inTx runs fn in one write transaction, committing only if fn succeeds.
func (l *Ledger) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
