package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Upload is one upload file sent (or about to be sent) to Wiz.
type Upload struct {
	ID                   int64 // row id
	RunID, File          string
	Bytes                int64
	SHA256               string
	UploadID             string
	SystemActivityID     string
	Status, StatusInfo   string // "" / PENDING until known; then SUCCESS, FAILURE, SKIPPED, or UNKNOWN
	FindingsIncoming     int
	FindingsHandled      int
	DataSources          []string // fixed at AddUpload
	CreatedAt, UpdatedAt time.Time
	Delivered            bool // the PUT succeeded: Wiz has the file (counts toward the daily budget)
	Committed            bool // CommitSent recorded its data sources' sets (read-only)
}

// Final reports whether Wiz will not change the upload's status again.
func (u Upload) Final() bool {
	switch u.Status {
	case "SUCCESS", "FAILURE", "SKIPPED":
		return true
	}
	return false
}

// Pending reports whether Wiz has the file (it was delivered, or Wiz said
// PENDING) and has not given its final status yet.
func (u Upload) Pending() bool {
	return !u.Final() && (u.Status == "PENDING" || u.Delivered)
}

// AddUpload records an upload of a run and returns its row id. Zero times
// mean now. Its data sources are counted against their daily budget on the
// UTC day it was delivered.
func (l *Ledger) AddUpload(ctx context.Context, u Upload) (int64, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	var id int64
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		if err := runExists(ctx, tx, u.RunID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO uploads (run_id, file, bytes, sha256, upload_id, system_activity_id, status, status_info,
			findings_incoming, findings_handled, delivered, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			u.RunID, u.File, u.Bytes, u.SHA256, u.UploadID, u.SystemActivityID, u.Status, u.StatusInfo,
			u.FindingsIncoming, u.FindingsHandled, boolInt(u.Delivered), toNanos(u.CreatedAt), toNanos(u.UpdatedAt))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		day := utcDay(u.CreatedAt)
		st, err := tx.PrepareContext(ctx, `INSERT INTO upload_data_sources (upload_id, data_source_id, pos, day) VALUES (?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		seen := make(map[string]bool, len(u.DataSources))
		for i, ds := range u.DataSources {
			if ds == "" {
				return errors.New("empty data source id")
			}
			if seen[ds] {
				return fmt.Errorf("data source %s listed twice", ds)
			}
			seen[ds] = true
			if _, err := st.ExecContext(ctx, id, ds, i, day); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recording upload of run %s: %w", u.RunID, err)
	}
	return id, nil
}

// UpdateUpload stores what became known about an upload (by u.ID): upload
// and activity ids, status, status text, counts and delivery. Delivered
// never goes back to false; when it first becomes true the upload counts
// on the UTC day of u.UpdatedAt (zero means now).
func (l *Ledger) UpdateUpload(ctx context.Context, u Upload) error {
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = time.Now()
	}
	err := l.inTx(ctx, func(tx *sql.Tx) error {
		var was int
		err := tx.QueryRowContext(ctx, `SELECT delivered FROM uploads WHERE id=?`, u.ID).Scan(&was)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE uploads SET upload_id=?, system_activity_id=?, status=?, status_info=?,
			findings_incoming=?, findings_handled=?, delivered = (delivered OR ?), updated_at=? WHERE id=?`,
			u.UploadID, u.SystemActivityID, u.Status, u.StatusInfo, u.FindingsIncoming, u.FindingsHandled,
			boolInt(u.Delivered), toNanos(u.UpdatedAt), u.ID); err != nil {
			return err
		}
		if was == 0 && u.Delivered {
			_, err = tx.ExecContext(ctx, `UPDATE upload_data_sources SET day=? WHERE upload_id=?`, utcDay(u.UpdatedAt), u.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("updating upload %d: %w", u.ID, err)
	}
	return nil
}

const uploadColumns = `id, run_id, file, bytes, sha256, upload_id, system_activity_id, status, status_info,
	findings_incoming, findings_handled, delivered, committed, created_at, updated_at`

// Uploads lists a run's uploads in the order they were added.
func (l *Ledger) Uploads(ctx context.Context, runID string) ([]Upload, error) {
	out, err := l.queryUploads(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE run_id=? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading uploads of run %s: %w", runID, err)
	}
	return out, nil
}

// PendingUploads lists uploads Wiz received whose final status is not known
// yet (to re-poll), oldest first.
func (l *Ledger) PendingUploads(ctx context.Context) ([]Upload, error) {
	out, err := l.queryUploads(ctx, `SELECT `+uploadColumns+` FROM uploads
		WHERE delivered=1 AND status NOT IN ('SUCCESS','FAILURE','SKIPPED') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading pending uploads: %w", err)
	}
	return out, nil
}

func (l *Ledger) queryUploads(ctx context.Context, q string, args ...any) ([]Upload, error) {
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Upload{}
	for rows.Next() {
		var u Upload
		var delivered, committed int
		var created, updated int64
		if err := rows.Scan(&u.ID, &u.RunID, &u.File, &u.Bytes, &u.SHA256, &u.UploadID, &u.SystemActivityID, &u.Status, &u.StatusInfo,
			&u.FindingsIncoming, &u.FindingsHandled, &delivered, &committed, &created, &updated); err != nil {
			return nil, err
		}
		u.Delivered, u.Committed = delivered != 0, committed != 0
		u.CreatedAt, u.UpdatedAt = fromNanos(created), fromNanos(updated)
		u.DataSources = []string{}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		if out[i].DataSources, err = l.uploadDataSources(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *Ledger) uploadDataSources(ctx context.Context, uploadID int64) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT data_source_id FROM upload_data_sources WHERE upload_id=? ORDER BY pos`, uploadID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var ds string
		if err := rows.Scan(&ds); err != nil {
			return nil, err
		}
		out = append(out, ds)
	}
	return out, rows.Err()
}

// UploadsOn counts the delivered uploads that carried dataSourceID on the
// UTC day of t: the per-repository daily budget.
func (l *Ledger) UploadsOn(ctx context.Context, dataSourceID string, t time.Time) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM upload_data_sources d JOIN uploads u ON u.id = d.upload_id
		WHERE d.data_source_id=? AND d.day=? AND u.delivered=1`, dataSourceID, utcDay(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting uploads of %s: %w", dataSourceID, err)
	}
	return n, nil
}

// NeverAccepted lists, sorted, the data sources that uploads of real (not
// dry) runs carried but that Wiz never accepted: no success was ever
// recorded for them.
func (l *Ledger) NeverAccepted(ctx context.Context) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT DISTINCT d.data_source_id FROM upload_data_sources d
		JOIN uploads u ON u.id = d.upload_id JOIN runs r ON r.id = u.run_id
		WHERE r.dry_run = 0 AND d.data_source_id NOT IN (SELECT id FROM data_sources)
		ORDER BY d.data_source_id`)
	if err != nil {
		return nil, fmt.Errorf("listing data sources never accepted: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("listing data sources never accepted: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing data sources never accepted: %w", err)
	}
	return out, nil
}
