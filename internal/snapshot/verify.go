package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Verification (Options.Verify, snapshot --verify).
//
// After a source is published, still inside its consistent snapshot, each
// table asked for is cut into chunks of its integer primary key (about
// VerifyChunkRows rows each: the key range over the row count; a table
// without such a key is one chunk), and every chunk's row count and
// BIT_XOR of row hashes (checksum.go) are computed by MySQL on the source
// and by DuckDB on the published table, each in one GROUP BY query. Only
// the chunks that differ are read again from the source and replace the
// warehouse's rows of the same key ranges, in one warehouse transaction;
// the rows that differed are counted (repaired_rows). The table then
// equals the source at the snapshot, row for row, whatever happened
// before: rows updated with an older watermark, deletions, inserts below
// an append key, killed runs.

// defaultVerifyChunkRows is the rows of a checksum chunk.
const defaultVerifyChunkRows = 1000

// verifyTable compares and repairs one published table.
func (s *snapshotter) verifyTable(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, sr *SourceReport, t *table, tr *TableReport, log *slog.Logger) error {
	begin := time.Now()
	schema := sr.Name
	rows := s.opts.VerifyChunkRows
	if rows <= 0 {
		rows = defaultVerifyChunkRows
	}
	b, err := ms.planBuckets(ctx, t, rows)
	if err != nil {
		return &SourceError{Source: schema, Table: t.Name, Err: fmt.Errorf("verify: key range: %w", err)}
	}
	src, err := ms.checksums(ctx, t, b)
	if err != nil {
		return &SourceError{Source: schema, Table: t.Name, Err: fmt.Errorf("verify: checksums: %w", err)}
	}
	wh, err := duckChecksums(ctx, dconn, schema, t.Name, t, b)
	if err != nil {
		return fmt.Errorf("snapshot %s.%s: verify: warehouse checksums: %w", schema, t.Name, err)
	}
	var srcRows int64
	for _, c := range src {
		srcRows += c.rows
	}
	if tr.RowsSource < 0 {
		tr.RowsSource = srcRows
	}
	diff := diffChunks(src, wh)
	all := map[int64]bool{}
	for n := range src {
		all[n] = true
	}
	for n := range wh {
		all[n] = true
	}
	tr.Verified = true
	tr.VerifyChunks, tr.VerifyDiffChunks = int64(len(all)), int64(len(diff))
	if len(diff) == 0 {
		log.Info("verified: every chunk equal", "chunks", len(all), "duration", time.Since(begin).Round(time.Millisecond))
		return s.commitRepair(ctx, sr, tr, func(*sql.Tx) (int64, error) { return 0, nil })
	}
	if b.key == "" {
		return s.recopy(ctx, ms, dconn, sr, t, tr, "verified: checksums differ, table copied again", log)
	}
	fix := stageName(t.Name) + "__fix"
	if _, err := dconn.ExecContext(ctx, t.stageDDLNamed(schema, fix)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create repair staging table: %w", schema, t.Name, err)
	}
	defer s.dropTable(ctx, schema, fix, log)
	const rangesPerQuery = 200
	for i := 0; i < len(diff); i += rangesPerQuery {
		part := diff[i:min(i+rangesPerQuery, len(diff))]
		if err := s.readWhere(ctx, ms, dconn, schema, fix, t, b.rangeCond(quoteMySQL, part), nil); err != nil {
			return err
		}
	}
	pub := quoteDuck(schema) + "." + quoteDuck(t.Name)
	fixQ := quoteDuck(schema) + "." + quoteDuck(fix)
	var on []string
	for _, c := range t.keyColumns() {
		on = append(on, "p."+quoteDuck(c.Name)+" = f."+quoteDuck(c.Name))
	}
	return s.commitRepair(ctx, sr, tr, func(tx *sql.Tx) (int64, error) {
		// Rows differing: the source's rows of the ranges the warehouse
		// lacks (new or changed), plus the warehouse's whose key is gone.
		inRanges := "SELECT * FROM " + pub + " WHERE " + b.rangeCond(quoteDuck, diff)
		var changed, gone int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT * FROM "+fixQ+" EXCEPT ALL "+inRanges+")").Scan(&changed); err != nil {
			return 0, err
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+inRanges+") AS p WHERE NOT EXISTS (SELECT 1 FROM "+fixQ+" AS f WHERE "+strings.Join(on, " AND ")+")").Scan(&gone); err != nil {
			return 0, err
		}
		for _, q := range []string{
			"DELETE FROM " + pub + " WHERE " + b.rangeCond(quoteDuck, diff),
			"INSERT INTO " + pub + " SELECT * FROM " + fixQ,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return 0, err
			}
		}
		log.Info("verified: chunks differed and were read again", "chunks", len(all), "differing", len(diff),
			"rows_repaired", changed+gone, "duration", time.Since(begin).Round(time.Millisecond))
		return changed + gone, nil
	})
}
