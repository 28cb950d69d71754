package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// LockFileName is the sync lock's file inside the state directory.
const LockFileName = "sync.lock"

// ErrLocked means another sync holds the state directory's lock. Lock
// returns it wrapped in a *LockedError.
var ErrLocked = errors.New("another sync is running")

// LockedError says who holds the lock. Fields are zero when the holder
// could not be read (for example a holder that is just starting).
type LockedError struct {
	PID   int
	Host  string
	Since time.Time
}

func (e *LockedError) Error() string {
	who := e.who()
	if !e.Since.IsZero() {
		// The clock time reads best; the date only when it is not today.
		s, now := e.Since.Local(), time.Now()
		layout := time.TimeOnly
		if s.Format(time.DateOnly) != now.Format(time.DateOnly) {
			layout = time.DateTime
		}
		who += ", since " + s.Format(layout)
	}
	return "another sync is running (" + who + "); wait for it to finish"
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// who is "pid 123 on host build-1".
func (e *LockedError) who() string {
	switch {
	case e.PID != 0 && e.Host != "":
		return fmt.Sprintf("pid %d on host %s", e.PID, e.Host)
	case e.PID != 0:
		return fmt.Sprintf("pid %d", e.PID)
	}
	return "holder unknown"
}

// holder is what the lock file records, for the message others see.
type holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

// fileLock is an OS lock on an open file: the OS drops it when the process
// dies, so a crash never leaves a stale lock behind.
type fileLock struct {
	f    *os.File
	once sync.Once
}

func (k *fileLock) release() {
	k.once.Do(func() {
		// Clear the record while still holding the lock, then let the
		// close drop the lock. The file stays: removing a lock file races
		// with a process that has just opened it.
		_ = k.f.Truncate(0)
		_ = unlockFile(k.f)
		_ = k.f.Close()
	})
}

// Lock takes the state directory's sync lock without waiting: one sync at a
// time per state directory, across processes. A held lock gives an error
// wrapping *LockedError (errors.Is(err, ErrLocked)). release is idempotent;
// Close also releases.
func (l *Ledger) Lock(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := filepath.Join(l.dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening sync lock %s: %w", path, err)
	}
	ok, err := tryLockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok {
		le := readHolder(ctx, f)
		f.Close()
		return nil, le
	}
	host, _ := os.Hostname()
	rec, _ := json.Marshal(holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(rec, '\n'), 0)
	}
	if err != nil {
		_ = unlockFile(f)
		f.Close()
		return nil, fmt.Errorf("writing sync lock %s: %w", path, err)
	}
	k := &fileLock{f: f}
	l.mu.Lock()
	l.lock = k
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		if l.lock == k {
			l.lock = nil
		}
		l.mu.Unlock()
		k.release()
	}, nil
}

// readHolder reads the holder's record. A holder that has just taken the
// lock may not have written it yet, so an empty file is retried briefly.
func readHolder(ctx context.Context, f *os.File) *LockedError {
	for range 10 {
		buf := make([]byte, 512)
		n, _ := f.ReadAt(buf, 0)
		var h holder
		if n > 0 && json.Unmarshal(buf[:n], &h) == nil {
			return &LockedError{PID: h.PID, Host: h.Host, Since: h.Since}
		}
		select {
		case <-ctx.Done():
			return &LockedError{}
		case <-time.After(20 * time.Millisecond):
		}
	}
	return &LockedError{}
}

// holdsLock reports whether this Ledger holds the sync lock.
func (l *Ledger) holdsLock() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lock != nil
}
