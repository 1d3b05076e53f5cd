package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// publish swaps every staging table of the source in place of the
// published table and records the snapshot, in one DuckDB transaction.
// The bookkeeping of all the tables (states, structures, audit.snapshots
// rows, progress) is written in a few statements for the whole source:
// DuckDB's cost is per statement.
func (s *snapshotter) publish(ctx context.Context, sr *SourceReport, ws *warehouseState) error {
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
	kept, err := keptCounts(ctx, tx, sr)
	if err != nil {
		return err
	}
	var states, cleared []*TableReport
	for _, tr := range sr.Tables {
		switch {
		case tr.Unchanged:
			if err := s.checkUnchanged(ctx, tx, sr.Name, tr, kept); err != nil {
				tr.Status, tr.Err = StatusFailed, err
				return err
			}
		case tr.delta != nil:
			if err := s.mergeDelta(ctx, tx, sr.Name, tr, kept); err != nil {
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
		markCounted(tr)
		switch {
		case tr.state != nil && tr.state.same:
			// Nothing to write: the stored state is this one.
		case tr.state != nil:
			states = append(states, tr)
		case ws.hasState(tr.Name):
			cleared = append(cleared, tr)
		}
		if err := s.captureSchema(sr.Name, tr, prevDefs); err != nil {
			return err
		}
	}
	if err := s.saveStates(ctx, tx, sr.Name, ws, states, cleared); err != nil {
		return err
	}
	if err := s.writeColumns(ctx, tx, sr.Name, sr.Tables); err != nil {
		return err
	}
	if err := s.recordAll(ctx, tx, sr); err != nil {
		return err
	}
	if len(sr.Tables) > 0 {
		names := make([]any, 0, len(sr.Tables)+1)
		names = append(names, sr.Name)
		for _, tr := range sr.Tables {
			names = append(names, tr.Name)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit.snapshot_progress WHERE source = ? AND table_name IN (`+
			pipelines.Placeholders(len(sr.Tables))+`)`, names...); err != nil {
			return fmt.Errorf("snapshot %s: publish: clear progress: %w", sr.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("snapshot %s: publish: %w", sr.Name, err)
	}
	return nil
}

// keptCounts counts, in one query, the published rows of the tables whose
// published copy is kept as it is (unchanged full tables, append tables
// without a new row), by table.
func keptCounts(ctx context.Context, tx *sql.Tx, sr *SourceReport) (map[string]int64, error) {
	var names, parts []string
	for _, tr := range sr.Tables {
		if tr.Unchanged || (tr.delta != nil && tr.delta.noRows) {
			names = append(names, tr.Name)
			parts = append(parts, "(SELECT count(*) FROM "+quoteDuck(sr.Name)+"."+quoteDuck(tr.Name)+")")
		}
	}
	out := map[string]int64{}
	for len(names) > 0 {
		n := min(len(names), batchSize)
		vals := make([]int64, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := tx.QueryRowContext(ctx, "SELECT "+strings.Join(parts[:n], ", ")).Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("snapshot %s: count published tables: %w", sr.Name, err)
		}
		for i, v := range vals {
			out[names[i]] = v
		}
		names, parts = names[n:], parts[n:]
	}
	return out, nil
}

// recordAll writes the audit.snapshots rows and the anomalies of every
// table of the source, the rows in one statement.
func (s *snapshotter) recordAll(ctx context.Context, tx *sql.Tx, sr *SourceReport) error {
	if len(sr.Tables) == 0 {
		return nil
	}
	var (
		vals []string
		args []any
	)
	for _, tr := range sr.Tables {
		vals = append(vals, "("+pipelines.Placeholders(len(recordColumns))+")")
		args = append(args, s.recordArgs(sr, tr)...)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit.snapshots (`+strings.Join(recordColumns, ", ")+`)
		VALUES `+strings.Join(vals, ", "), args...); err != nil {
		return fmt.Errorf("snapshot %s: record: %w", sr.Name, err)
	}
	for _, tr := range sr.Tables {
		if err := s.recordAnomalies(ctx, tx, sr, tr); err != nil {
			return err
		}
	}
	return nil
}

// recordColumns are the columns of audit.snapshots a snapshot writes.
var recordColumns = []string{"run_id", "source", "table_name", "policy", "rows_loaded", "rows_source", "started_at", "finished_at",
	"status", "error", "server_version", "binlog_pos", "replica_lag_s", "snapshot_at", "read_mode",
	"read_whole", "chunks", "resumed_rows", "chunk_key", "delta_rows", "deleted_rows", "note", "schema_drift",
	"unchanged", "repaired_rows", "verified", "verify_chunks", "verify_diff_chunks", "replica_stopped"}

// recordArgs are the values of recordColumns for one table.
func (s *snapshotter) recordArgs(sr *SourceReport, tr *TableReport) []any {
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
	return []any{s.run.ID, sr.Name, tr.Name, policy, tr.RowsLoaded, rowsSource,
		warehouse.Timestamp(tr.StartedAt), warehouse.Timestamp(tr.FinishedAt),
		tr.Status, errText, nullIfEmpty(sr.ServerVersion), nullIfEmpty(sr.BinlogPos), lag, snapshotAt,
		nullIfEmpty(sr.ReadMode), tr.ReadWhole, tr.Chunks, tr.ResumedRows, nullIfEmpty(tr.ChunkKey),
		deltaRows, tr.DeletedRows, nullIfEmpty(tr.Note), nullIfEmpty(tr.SchemaDrift),
		tr.Unchanged, tr.Repaired, tr.Verified, tr.VerifyChunks, tr.VerifyDiffChunks, sr.ReplicaStopped}
}

// record writes the audit.snapshots row and the anomalies of one table.
func (s *snapshotter) record(ctx context.Context, tx *sql.Tx, sr *SourceReport, tr *TableReport, rewrite bool) error {
	verb := "INSERT" // a plain INSERT: DuckDB's INSERT OR REPLACE costs ten times more
	if rewrite {
		verb = "INSERT OR REPLACE"
	}
	_, err := tx.ExecContext(ctx, verb+` INTO audit.snapshots (`+strings.Join(recordColumns, ", ")+`)
		VALUES (`+pipelines.Placeholders(len(recordColumns))+`)`, s.recordArgs(sr, tr)...)
	if err != nil {
		return fmt.Errorf("snapshot %s.%s: record: %w", sr.Name, tr.Name, err)
	}
	if rewrite {
		// Recorded again (a repair): its anomalies are already there.
		return nil
	}
	return s.recordAnomalies(ctx, tx, sr, tr)
}

// recordAnomalies writes the anomalies of one table.
func (s *snapshotter) recordAnomalies(ctx context.Context, tx *sql.Tx, sr *SourceReport, tr *TableReport) error {
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
