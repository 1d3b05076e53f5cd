package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Querier is what reads and writes the warehouse: its *sql.DB or a
// transaction of it (*sql.Tx), which every store of the audit schema takes
// so that a caller decides what commits together.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// QuoteIdent quotes a DuckDB identifier (a schema, table or column name
// from the catalog, the config or information_schema). It is the one way
// a name enters SQL text; values never do: they are bound as parameters.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteTable quotes a qualified table name "schema.table" (a name without
// a schema is in main).
func QuoteTable(qualified string) string {
	s, t, ok := strings.Cut(qualified, ".")
	if !ok {
		s, t = "main", qualified
	}
	return QuoteIdent(s) + "." + QuoteIdent(t)
}

// NullTime reads a nullable TIMESTAMP scanned from DuckDB as the
// Asia/Shanghai time it means (FromWall); NULL is the zero time.
func NullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return FromWall(t.Time)
}

// RunInfo is one row of audit.runs as readers see it.
type RunInfo struct {
	ID, Command, Status string
	StartedAt           time.Time // Asia/Shanghai
	FinishedAt          time.Time // zero while running
}

// ReadRun returns the run id of audit.runs; ok is false when there is no
// such run.
func ReadRun(ctx context.Context, q Querier, id string) (info RunInfo, ok bool, err error) {
	var started, finished sql.NullTime
	err = q.QueryRowContext(ctx, `SELECT run_id, command, status, started_at, finished_at FROM audit.runs WHERE run_id = ?`, id).
		Scan(&info.ID, &info.Command, &info.Status, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return RunInfo{ID: id}, false, nil
	}
	if err != nil {
		return RunInfo{ID: id}, false, err
	}
	info.StartedAt, info.FinishedAt = NullTime(started), NullTime(finished)
	return info, true, nil
}

// FirstRunStart returns when the warehouse's first run started; zero when
// it has none.
func FirstRunStart(ctx context.Context, q Querier) (time.Time, error) {
	var first sql.NullTime
	if err := q.QueryRowContext(ctx, `SELECT min(started_at) FROM audit.runs`).Scan(&first); err != nil {
		return time.Time{}, err
	}
	return NullTime(first), nil
}

// ReportsWritten returns when the report of each period (audit.reports,
// by period name) was first written.
func ReportsWritten(ctx context.Context, q Querier) (map[string]time.Time, error) {
	return TimesByName(ctx, q, `SELECT period, min(written_at) FROM audit.reports GROUP BY period`)
}

// TimesByName reads the rows (name, TIMESTAMP) of query into a map, each
// time read with FromWall (NULL: the zero time).
func TimesByName(ctx context.Context, q Querier, query string, args ...any) (map[string]time.Time, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var at sql.NullTime
		if err := rows.Scan(&name, &at); err != nil {
			return nil, err
		}
		out[name] = NullTime(at)
	}
	return out, rows.Err()
}
