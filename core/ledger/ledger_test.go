package ledger

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func openTest(t *testing.T) (*Ledger, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	l, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenCreatesPrivateFilesInWALMode(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	if got, want := l.Path(), filepath.Join(dir, "ledger.db"); got != want {
		t.Fatalf("Path = %q, want %q", got, want)
	}
	if err := l.StartRun(ctx, Run{ID: "r1"}); err != nil {
		t.Fatal(err)
	}
	var mode string
	var fk, busy int
	if err := l.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := l.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := l.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || fk != 1 || busy != busyTimeoutMS {
		t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d, want wal 1 %d", mode, fk, busy, busyTimeoutMS)
	}
	if v := userVersion(t, l.Path()); v != len(migrations) {
		t.Fatalf("user_version = %d, want %d", v, len(migrations))
	}
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, l.Path(): 0o600, l.Path() + "-wal": 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %o, want %o", path, st.Mode().Perm(), want)
		}
	}
}

func TestOpenTightensExistingFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o, want 600", st.Mode().Perm())
	}
}

func TestOpenNotADatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	junk := strings.Repeat("this is a text file, not a database\n", 100)
	if err := os.WriteFile(path, []byte(junk), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(context.Background(), dir)
	if err == nil {
		l.Close()
		t.Fatal("Open of a text file succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "not a SQLite database") || strings.Contains(msg, "\n") {
		t.Fatalf("error %q should be one line naming %s", msg, path)
	}
	if b, _ := os.ReadFile(path); string(b) != junk {
		t.Fatal("Open modified the file that is not a database")
	}
}

func TestOpenEmptyStateDir(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestMigrationFromOlderSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	steps := []string{
		`CREATE TABLE things (id TEXT PRIMARY KEY);`,
		`ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 0; UPDATE things SET size = length(id);`,
	}
	old, err := open(ctx, dir, steps[:1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.ExecContext(ctx, `INSERT INTO things (id) VALUES ('abc')`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	if v := userVersion(t, filepath.Join(dir, FileName)); v != 1 {
		t.Fatalf("user_version after old open = %d, want 1", v)
	}

	cur, err := open(ctx, dir, steps)
	if err != nil {
		t.Fatalf("opening an old-version ledger: %v", err)
	}
	defer cur.Close()
	var size int
	if err := cur.db.QueryRowContext(ctx, `SELECT size FROM things WHERE id='abc'`).Scan(&size); err != nil {
		t.Fatalf("migrated row: %v", err)
	}
	if size != 3 {
		t.Fatalf("size = %d, want 3 (step 2 ran on the old data)", size)
	}
	if v := userVersion(t, cur.Path()); v != 2 {
		t.Fatalf("user_version = %d, want 2", v)
	}
}

func TestFailedMigrationLeavesOldVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	steps := []string{
		`CREATE TABLE a (x);`,
		`CREATE TABLE b (y); INSERT INTO nonexistent VALUES (1);`,
	}
	l, err := open(ctx, dir, steps[:1])
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, err = open(ctx, dir, steps)
	if err == nil || !strings.Contains(err.Error(), "schema 2") || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("err = %v, want a failure naming schema 2 and the file", err)
	}
	path := filepath.Join(dir, FileName)
	if v := userVersion(t, path); v != 1 {
		t.Fatalf("user_version = %d after a failed migration, want 1", v)
	}
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name='b'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("table b from the failed step exists (n=%d, err=%v)", n, err)
	}
}

func TestOpenNewerSchemaFails(t *testing.T) {
	ctx := context.Background()
	l, dir := openTest(t)
	newer := len(migrations) + 1
	if _, err := l.db.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(newer)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, err := Open(ctx, dir)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v, want ErrNewerSchema", err)
	}
	want := "ledger.db was written by a newer semgrep-wiz (schema " + strconv.Itoa(newer) + "); upgrade"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to contain %q", err, want)
	}
	if v := userVersion(t, filepath.Join(dir, FileName)); v != newer {
		t.Fatalf("user_version changed to %d", v)
	}
}
