// Package ledger is semgrep-wiz's memory: one SQLite file in the state
// directory holding the sync history (runs, their events, uploads) and, per
// Wiz data source, the set of finding ids Wiz holds from us. Wiz marks a
// finding fixed when it is missing from the next upload of its data source,
// so that set is what the plan diffs against; it is replaced only by
// CommitSent, after Wiz reported success for the upload that carried it.
package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the ledger's file inside the state directory.
const FileName = "ledger.db"

// ErrNotFound is returned (wrapped) when a run or upload does not exist.
var ErrNotFound = errors.New("not found")

// ErrAmbiguous is returned (wrapped) by GetRun when a prefix matches more
// than one run.
var ErrAmbiguous = errors.New("ambiguous")

// ErrNewerSchema is returned (wrapped) by Open when the file was written by
// a newer semgrep-wiz; this build must not touch it.
var ErrNewerSchema = errors.New("newer schema")

// busyTimeoutMS bounds how long a writer waits for another connection's
// write transaction (a large CommitSent takes seconds) before failing.
const busyTimeoutMS = 15000

// Ledger is an open ledger. It is safe for concurrent use.
type Ledger struct {
	db   *sql.DB
	dir  string
	path string

	mu   sync.Mutex
	lock *fileLock // held sync lock, if any
}

// Open opens (creating if needed) <stateDir>/ledger.db and brings its
// schema up to date. The directory is created 0700, the file 0600.
func Open(ctx context.Context, stateDir string) (*Ledger, error) {
	return open(ctx, stateDir, migrations)
}

func open(ctx context.Context, stateDir string, steps []string) (*Ledger, error) {
	if stateDir == "" {
		return nil, errors.New("opening the ledger: no state directory given")
	}
	path := filepath.Join(stateDir, FileName)
	if strings.ContainsRune(path, '?') {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("opening the ledger: state directory %q must not contain '?'", stateDir)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating state directory %s: %w", stateDir, err)
	}
	if err := prepareFile(path); err != nil {
		return nil, err
	}

	// Every pooled connection gets these: WAL lets readers run beside a
	// large commit; NORMAL sync is crash-safe in WAL mode (a killed process
	// never leaves a half-applied transaction); IMMEDIATE write transactions
	// take the write lock up front so two writers queue instead of
	// deadlocking on a lock upgrade. journal_size_limit shrinks the WAL file
	// back after a large commit instead of leaving it at its peak size.
	dsn := path + fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(NORMAL)&_pragma=journal_size_limit(%d)&_txlock=immediate", busyTimeoutMS, 32<<20)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, openError(path, err)
	}
	l := &Ledger{db: db, dir: stateDir, path: path}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	if err := migrate(ctx, db, path, steps); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// prepareFile creates the file 0600 before SQLite does (SQLite would use
// 0644), and tightens an existing one; SQLite gives the -wal and -shm files
// the database file's mode.
func prepareFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening ledger %s: %w", path, err)
	}
	defer f.Close()
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("opening ledger %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("restricting ledger %s to mode 0600: %w", path, err)
		}
	}
	return nil
}

// openError turns a driver error into one line naming the file.
func openError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%s is not a SQLite database (move it aside or choose another --state-dir)", path)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%s is damaged (move it aside to start a fresh ledger)", path)
		}
		return fmt.Errorf("opening ledger %s: %s", path, oneLine(se.Error()))
	}
	return fmt.Errorf("opening ledger %s: %w", path, err)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Path is the ledger file's path.
func (l *Ledger) Path() string { return l.path }

// Close releases the sync lock if this Ledger holds it, and closes the file.
func (l *Ledger) Close() error {
	l.mu.Lock()
	lk := l.lock
	l.lock = nil
	l.mu.Unlock()
	if lk != nil {
		lk.release()
	}
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("closing ledger %s: %w", l.path, err)
	}
	return nil
}

// migrations are the schema steps; migrations[i] takes user_version i to
// i+1. Append only: never edit a released step.
var migrations = []string{
	// 1: initial schema. Times are UTC Unix nanoseconds, 0 meaning unset.
	`
CREATE TABLE runs (
	id           TEXT PRIMARY KEY,
	started_at   INTEGER NOT NULL,
	finished_at  INTEGER NOT NULL DEFAULT 0,
	trigger      TEXT NOT NULL DEFAULT '',
	user         TEXT NOT NULL DEFAULT '',
	host         TEXT NOT NULL DEFAULT '',
	policy       TEXT NOT NULL DEFAULT '',
	source       TEXT NOT NULL DEFAULT '',
	dry_run      INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL,
	sent         INTEGER NOT NULL DEFAULT 0,
	new          INTEGER NOT NULL DEFAULT 0,
	unchanged    INTEGER NOT NULL DEFAULT 0,
	resolved     INTEGER NOT NULL DEFAULT 0,
	excluded     INTEGER NOT NULL DEFAULT 0,
	repositories INTEGER NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_started ON runs(started_at);
CREATE INDEX runs_status ON runs(status);

CREATE TABLE events (
	id              INTEGER PRIMARY KEY,
	run_id          TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	time            INTEGER NOT NULL,
	kind            TEXT NOT NULL DEFAULT '',
	step            TEXT NOT NULL DEFAULT '',
	repo            TEXT NOT NULL DEFAULT '',
	message         TEXT NOT NULL DEFAULT '',
	done            INTEGER NOT NULL DEFAULT 0,
	total           INTEGER NOT NULL DEFAULT 0,
	activity_id     TEXT NOT NULL DEFAULT '',
	activity_status TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_run ON events(run_id, id);

CREATE TABLE uploads (
	id                 INTEGER PRIMARY KEY,
	run_id             TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	file               TEXT NOT NULL DEFAULT '',
	bytes              INTEGER NOT NULL DEFAULT 0,
	sha256             TEXT NOT NULL DEFAULT '',
	upload_id          TEXT NOT NULL DEFAULT '',
	system_activity_id TEXT NOT NULL DEFAULT '',
	status             TEXT NOT NULL DEFAULT '',
	status_info        TEXT NOT NULL DEFAULT '',
	findings_incoming  INTEGER NOT NULL DEFAULT 0,
	findings_handled   INTEGER NOT NULL DEFAULT 0,
	delivered          INTEGER NOT NULL DEFAULT 0,
	committed          INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
);
CREATE INDEX uploads_run ON uploads(run_id);

-- day is the UTC day (YYYY-MM-DD) the upload reached Wiz: the unit of the
-- per-repository daily upload budget.
CREATE TABLE upload_data_sources (
	upload_id      INTEGER NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
	data_source_id TEXT NOT NULL,
	pos            INTEGER NOT NULL,
	day            TEXT NOT NULL,
	PRIMARY KEY (upload_id, data_source_id)
) WITHOUT ROWID;
CREATE INDEX upload_data_sources_day ON upload_data_sources(data_source_id, day);

CREATE TABLE data_sources (
	id           TEXT PRIMARY KEY,
	repo_name    TEXT NOT NULL DEFAULT '',
	repo_url     TEXT NOT NULL DEFAULT '',
	deployment   TEXT NOT NULL DEFAULT '',
	branch       TEXT NOT NULL DEFAULT '',
	from_file    INTEGER NOT NULL DEFAULT 0,
	count        INTEGER NOT NULL DEFAULT 0,
	last_sent_at INTEGER NOT NULL DEFAULT 0,
	last_run_id  TEXT NOT NULL DEFAULT '',
	last_scan_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE sent (
	data_source_id TEXT NOT NULL,
	finding_id     TEXT NOT NULL,
	PRIMARY KEY (data_source_id, finding_id)
) WITHOUT ROWID;
`,
}

// migrate applies the missing steps in one transaction, so a failure (or a
// killed process) leaves the file at its old version.
func migrate(ctx context.Context, db *sql.DB, path string, steps []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return openError(path, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return openError(path, err)
	}
	if v > len(steps) {
		return fmt.Errorf("%s was written by a newer semgrep-wiz (schema %d); upgrade: %w", path, v, ErrNewerSchema)
	}
	if v == len(steps) {
		return nil
	}
	for i := v; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("upgrading ledger %s to schema %d: %s", path, i+1, oneLine(err.Error()))
		}
	}
	// PRAGMA cannot take a bound parameter; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return fmt.Errorf("upgrading ledger %s: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upgrading ledger %s: %w", path, err)
	}
	return nil
}

// Times are stored as UTC Unix nanoseconds; the zero time as 0.
func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func utcDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
