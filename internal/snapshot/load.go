package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// loadTable copies one table into its staging table and checks the count.
func (s *snapshotter) loadTable(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, schema string, t *table, tr *TableReport, log *slog.Logger) error {
	srcErr := func(err error) error { return &SourceError{Source: schema, Table: t.Name, Err: err} }
	begin := time.Now()

	if err := ms.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteMySQL(ms.dbName)+"."+quoteMySQL(t.Name)).Scan(&tr.RowsSource); err != nil {
		tr.RowsSource = -1
		return srcErr(fmt.Errorf("count rows: %w", err))
	}
	if _, err := dconn.ExecContext(ctx, t.stageDDL(schema)); err != nil {
		return fmt.Errorf("snapshot %s.%s: create staging table: %w", schema, t.Name, err)
	}

	// A failed load cancels the query so that closing the rows does not
	// read the rest of the table.
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := ms.conn.QueryContext(qctx, t.selectSQL(ms.dbName))
	if err != nil {
		return srcErr(fmt.Errorf("select: %w", err))
	}
	defer rows.Close()

	a := newAnomalies(t)
	var loaded int64
	err = dconn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("warehouse connection is %T, not a driver.Conn", dc)
		}
		app, err := duckdb.NewAppenderFromConn(conn, schema, stageName(t.Name))
		if err != nil {
			return fmt.Errorf("appender: %w", err)
		}
		loaded, err = s.stream(rows, app, t, a, schema)
		if cerr := app.CloseWithCancel(ctx); err == nil && cerr != nil {
			err = fmt.Errorf("flush: %w", cerr)
		}
		return err
	})
	if err != nil {
		cancel()
		var se *sourceReadError
		if errors.As(err, &se) {
			return srcErr(se.err)
		}
		return fmt.Errorf("snapshot %s.%s: load: %w", schema, t.Name, err)
	}
	tr.RowsLoaded = loaded
	tr.Anomalies = a.list()
	for _, an := range tr.Anomalies {
		log.Warn("values not carried as they were", keyColumn, an.Column, "kind", an.Kind, "count", an.Count, "example", an.Example)
	}
	if s.opts.Progress != nil {
		s.opts.Progress(schema, t.Name, loaded)
	}

	if h := s.opts.hooks.afterLoad; h != nil {
		if err := h(ctx, dconn, schema, stageName(t.Name)); err != nil {
			return fmt.Errorf("snapshot %s.%s: test hook: %w", schema, t.Name, err)
		}
	}
	var staged int64
	if err := dconn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteDuck(schema)+"."+quoteDuck(stageName(t.Name))).Scan(&staged); err != nil {
		return fmt.Errorf("snapshot %s.%s: count staged rows: %w", schema, t.Name, err)
	}
	tr.RowsLoaded = staged
	if staged != tr.RowsSource || loaded != tr.RowsSource {
		return fmt.Errorf("snapshot %s.%s: loaded %d rows (%d appended), source has %d in the same snapshot: %w",
			schema, t.Name, staged, loaded, tr.RowsSource, ErrCountMismatch)
	}
	d := time.Since(begin)
	log.Info("table loaded", keyRows, loaded, "duration", d.Round(time.Millisecond), "rows_per_s", int64(float64(loaded)/max(d.Seconds(), 1e-9)))
	return nil
}

// sourceReadError marks an error of reading the source inside the load.
type sourceReadError struct{ err error }

func (e *sourceReadError) Error() string { return e.err.Error() }
func (e *sourceReadError) Unwrap() error { return e.err }

// stream appends every row of rows and returns how many it appended.
func (s *snapshotter) stream(rows *sql.Rows, app *duckdb.Appender, t *table, a *anomalies, schema string) (int64, error) {
	dests := make([]any, len(t.Columns))
	for i := range t.Columns {
		dests[i] = scanDest(t.Columns[i].Kind)
	}
	vals := make([]driver.Value, len(t.Columns))
	var n int64
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return n, &sourceReadError{fmt.Errorf("row %d: %w", n+1, err)}
		}
		for i := range t.Columns {
			c := &t.Columns[i]
			v, kind, err := c.convert(dests[i])
			if err != nil {
				return n, fmt.Errorf("row %s, column %s: %w", rowName(t, dests, n+1), c.Name, err)
			}
			if kind != "" {
				a.add(i, kind, dests, n+1)
			}
			vals[i] = v
		}
		if err := app.AppendRow(vals...); err != nil {
			return n, fmt.Errorf("row %s: %w", rowName(t, dests, n+1), err)
		}
		n++
		if s.opts.Progress != nil && n%progressEvery == 0 {
			s.opts.Progress(schema, t.Name, n)
		}
	}
	if err := rows.Err(); err != nil {
		return n, &sourceReadError{fmt.Errorf("after row %d: %w", n, err)}
	}
	return n, nil
}

// anomalies counts anomalies per column and kind.
type anomalies struct {
	t      *table
	counts map[anomalyKey]*Anomaly
}

type anomalyKey struct {
	col  int
	kind string
}

func newAnomalies(t *table) *anomalies {
	return &anomalies{t: t, counts: map[anomalyKey]*Anomaly{}}
}

func (a *anomalies) add(col int, kind string, dests []any, rowNum int64) {
	k := anomalyKey{col, kind}
	an := a.counts[k]
	if an == nil {
		an = &Anomaly{Column: a.t.Columns[col].Name, Kind: kind,
			Example: rowName(a.t, dests, rowNum) + ": " + valueText(dests[col])}
		a.counts[k] = an
	}
	an.Count++
}

func (a *anomalies) list() []Anomaly {
	keys := make([]anomalyKey, 0, len(a.counts))
	for k := range a.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].col != keys[j].col {
			return keys[i].col < keys[j].col
		}
		return keys[i].kind < keys[j].kind
	})
	out := make([]Anomaly, len(keys))
	for i, k := range keys {
		out[i] = *a.counts[k]
	}
	return out
}

// rowName names a row by its primary key ("id=7", "a=1,b=x"), or by its
// position in the read when the table has none ("row 12").
func rowName(t *table, dests []any, rowNum int64) string {
	var parts []string
	for i := range t.Columns {
		if t.Columns[i].Key {
			parts = append(parts, t.Columns[i].Name+"="+valueText(dests[i]))
		}
	}
	if len(parts) == 0 {
		return "row " + strconv.FormatInt(rowNum, 10)
	}
	return strings.Join(parts, ",")
}

// valueText shows a scanned value in a message: text quoted, invalid
// UTF-8 replaced, long values cut.
func valueText(dest any) string {
	const maxRunes = 64
	switch d := dest.(type) {
	case *any:
		if *d == nil {
			return "NULL"
		}
		if b, ok := (*d).([]byte); ok {
			return valueText(new(sql.RawBytes(b)))
		}
		return fmt.Sprint(*d)
	case *sql.RawBytes:
		if *d == nil {
			return "NULL"
		}
		s := strings.ToValidUTF8(string(*d), "\uFFFD")
		if utf8.RuneCountInString(s) > maxRunes {
			s = string([]rune(s)[:maxRunes]) + "…"
		}
		return strconv.Quote(s)
	}
	return "?"
}
