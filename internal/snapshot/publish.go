package snapshot

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// publish swaps every staging table of the source in place of the
// published table and records the snapshot, in one DuckDB transaction.
func (s *snapshotter) publish(ctx context.Context, sr *SourceReport) error {
	tx, err := s.wh.DB().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("snapshot %s: publish: %w", sr.Name, err)
	}
	defer func() { _ = tx.Rollback() }()
	schema := quoteDuck(sr.Name)
	prevDefs, err := previousDefs(ctx, tx, sr.Name)
	if err != nil {
		return fmt.Errorf("snapshot %s: read previous structures: %w", sr.Name, err)
	}
	for _, tr := range sr.Tables {
		switch {
		case tr.Unchanged:
			if err := s.checkUnchanged(ctx, tx, sr.Name, tr); err != nil {
				tr.Status, tr.Err = StatusFailed, err
				return err
			}
		case tr.delta != nil:
			if err := s.mergeDelta(ctx, tx, sr.Name, tr); err != nil {
				tr.Status, tr.Err = StatusFailed, err
				return err
			}
		default:
			for _, q := range []string{
				"DROP TABLE IF EXISTS " + schema + "." + quoteDuck(tr.Name),
				"ALTER TABLE " + schema + "." + quoteDuck(stageName(tr.Name)) + " RENAME TO " + quoteDuck(tr.Name),
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("snapshot %s.%s: publish: %w", sr.Name, tr.Name, err)
				}
			}
		}
		if tr.state != nil {
			if tr.state.same {
				// Nothing to write: the stored state is this one.
			} else if err := s.saveState(ctx, tx, sr.Name, tr); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `DELETE FROM audit.snapshot_watermarks WHERE source = ? AND table_name = ?`, sr.Name, tr.Name); err != nil {
			return fmt.Errorf("snapshot %s.%s: publish: %w", sr.Name, tr.Name, err)
		}
		if err := s.captureSchema(ctx, tx, sr.Name, tr, prevDefs); err != nil {
			return err
		}
		if err := s.record(ctx, tx, sr, tr, false); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit.snapshot_progress WHERE source = ? AND table_name = ?`, sr.Name, tr.Name); err != nil {
			return fmt.Errorf("snapshot %s.%s: publish: clear progress: %w", sr.Name, tr.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("snapshot %s: publish: %w", sr.Name, err)
	}
	return nil
}

// record writes the audit.snapshots row and the anomalies of one table.
func (s *snapshotter) record(ctx context.Context, tx *sql.Tx, sr *SourceReport, tr *TableReport, rewrite bool) error {
	verb := "INSERT" // a plain INSERT: DuckDB's INSERT OR REPLACE costs ten times more
	if rewrite {
		verb = "INSERT OR REPLACE"
	}
	var (
		rowsSource, lag, errText any
		snapshotAt               = warehouse.Timestamp(sr.SnapshotAt)
	)
	if tr.RowsSource >= 0 {
		rowsSource = tr.RowsSource
	}
	policy := tr.Policy
	if policy == "" {
		policy = PolicyFull
	}
	var deltaRows any
	if tr.Delta {
		deltaRows = tr.DeltaRows
	}
	if sr.ReplicaLag != nil {
		lag = *sr.ReplicaLag
	}
	if tr.Err != nil {
		errText = tr.Err.Error()
	}
	_, err := tx.ExecContext(ctx, verb+` INTO audit.snapshots
		(run_id, source, table_name, policy, rows_loaded, rows_source, started_at, finished_at,
		 status, error, server_version, binlog_pos, replica_lag_s, snapshot_at, read_mode,
		 read_whole, chunks, resumed_rows, chunk_key, delta_rows, deleted_rows, note, schema_drift,
		 unchanged, repaired_rows, verified, verify_chunks, verify_diff_chunks, replica_stopped)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.run.ID, sr.Name, tr.Name, policy, tr.RowsLoaded, rowsSource,
		warehouse.Timestamp(tr.StartedAt), warehouse.Timestamp(tr.FinishedAt),
		tr.Status, errText, nullIfEmpty(sr.ServerVersion), nullIfEmpty(sr.BinlogPos), lag, snapshotAt,
		nullIfEmpty(sr.ReadMode), tr.ReadWhole, tr.Chunks, tr.ResumedRows, nullIfEmpty(tr.ChunkKey),
		deltaRows, tr.DeletedRows, nullIfEmpty(tr.Note), nullIfEmpty(tr.SchemaDrift),
		tr.Unchanged, tr.Repaired, tr.Verified, tr.VerifyChunks, tr.VerifyDiffChunks, sr.ReplicaStopped)
	if err != nil {
		return fmt.Errorf("snapshot %s.%s: record: %w", sr.Name, tr.Name, err)
	}
	if rewrite {
		// Recorded again (a repair): its anomalies are already there.
		return nil
	}
	for _, an := range tr.Anomalies {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit.snapshot_anomalies
			(run_id, source, table_name, column_name, kind, count, example) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.run.ID, sr.Name, tr.Name, an.Column, an.Kind, an.Count, nullIfEmpty(an.Example)); err != nil {
			return fmt.Errorf("snapshot %s.%s: record anomalies: %w", sr.Name, tr.Name, err)
		}
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
