package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ownPID is this process's id; tests stand in for another process.
var ownPID = os.Getpid

// Elsewhere is a sync that another process (watch, another sync) is
// running on this state directory.
type Elsewhere struct {
	PID   int
	Host  string
	Since time.Time
	// Run is the run it records, once it has started recording; nil
	// before that.
	Run *Run
}

// Who is "pid 123 on host build-1".
func (e *Elsewhere) Who() string {
	return (&LockedError{PID: e.PID, Host: e.Host}).who()
}

// SyncElsewhere reports a sync that another process holds the lock for,
// or nil. It only reads: taking the lock to test it, even for an instant,
// could make that other sync fail to start. A holder record left by a
// process that died (the OS dropped its lock) is ignored: on this host its
// process is gone; on another host the run it recorded is no longer
// running.
func (l *Ledger) SyncElsewhere(ctx context.Context) (*Elsewhere, error) {
	if l.holdsLock() {
		return nil, nil // our own sync
	}
	raw, err := os.ReadFile(filepath.Join(l.dir, LockFileName))
	if err != nil || len(raw) == 0 {
		return nil, nil // never locked, or released
	}
	var h holder
	if json.Unmarshal(raw, &h) != nil || h.PID == 0 {
		return nil, nil
	}
	host, _ := os.Hostname()
	if h.Host == host && (h.PID == ownPID() || !pidAlive(h.PID)) {
		return nil, nil
	}
	e := &Elsewhere{PID: h.PID, Host: h.Host, Since: h.Since}
	rows, err := l.db.QueryContext(ctx, `SELECT `+runSelect+` FROM runs WHERE status='running' ORDER BY started_at DESC, id DESC LIMIT 1`)
	if err != nil {
		return nil, fmt.Errorf("reading the running sync: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("reading the running sync: %w", err)
		}
		// A run older than the lock is an interrupted one not yet marked.
		if !r.StartedAt.Before(h.Since.Add(-time.Second)) {
			e.Run = &r
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the running sync: %w", err)
	}
	if h.Host != host && e.Run == nil && time.Since(h.Since) > time.Minute {
		return nil, nil // another host's record with no running run: stale
	}
	return e, nil
}
