package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// Log keys.
const (
	keySource    = "source"
	keyTable     = "table"
	keyColumn    = "column"
	keyRows      = "rows"
	keyError     = "error"
	keyReadMode  = "read_mode"
	keyBinlogPos = "binlog_pos"
)

var sourceNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// reservedSchemas cannot be source names.
var reservedSchemas = map[string]bool{
	"audit": true, "main": true, "information_schema": true, "pg_catalog": true, "temp": true,
}

// Snapshot copies every source into the warehouse, Options.Parallel at a
// time (default one after the other), and records each table in
// audit.snapshots under run. A source that fails
// is not published and the next one goes on; the error joins the failures
// of all sources (each a *SourceError wrapping ErrSource when the source is
// to blame). The report is complete even when the error is not nil.
func Snapshot(ctx context.Context, wh *warehouse.Warehouse, run *warehouse.Run, srcs []Source, opts Options) (*Report, error) {
	if wh == nil || run == nil {
		return nil, errors.New("snapshot: nil warehouse or run")
	}
	seen := map[string]bool{}
	for _, src := range srcs {
		if !sourceNameRE.MatchString(src.Name) || reservedSchemas[src.Name] {
			return nil, fmt.Errorf("snapshot: source name %q is not a lower-case identifier, or is reserved", src.Name)
		}
		if seen[src.Name] {
			return nil, fmt.Errorf("snapshot: source %q listed twice", src.Name)
		}
		seen[src.Name] = true
		tables := map[string]bool{}
		for _, t := range src.Tables {
			if t == "" || tables[t] {
				return nil, fmt.Errorf("snapshot: source %s: table %q empty or listed twice", src.Name, t)
			}
			tables[t] = true
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, src := range srcs {
		for name, p := range src.Policies {
			switch p.Policy {
			case "", PolicyFull, PolicyAppend:
			case PolicyIncremental:
				if p.Watermark == "" {
					return nil, fmt.Errorf("snapshot: source %s table %s: incremental policy without a watermark column", src.Name, name)
				}
			default:
				return nil, fmt.Errorf("snapshot: source %s table %s: unknown policy %q (full, incremental or append)", src.Name, name, p.Policy)
			}
		}
	}
	limitMallocArenas()
	s := &snapshotter{wh: wh, run: run, opts: opts, log: log, sources: len(srcs)}
	restore := s.tuneWarehouse(ctx)
	defer restore()
	rep := &Report{RunID: run.ID, Sources: make([]*SourceReport, len(srcs))}
	errs := make([]error, len(srcs))
	par := min(max(opts.Parallel, 1), len(srcs))
	if par <= 1 {
		for i, src := range srcs {
			rep.Sources[i], errs[i] = s.source(ctx, src)
		}
		return rep, errors.Join(errs...)
	}
	// Sources at once: the fixed cost of one (its server's counts, the
	// warehouse's statements) overlaps another's. Callbacks are called
	// one at a time, as with one source.
	var mu sync.Mutex
	if f := s.opts.Progress; f != nil {
		s.opts.Progress = func(source, table string, rows int64) { mu.Lock(); defer mu.Unlock(); f(source, table, rows) }
	}
	if f := s.opts.OnProgress; f != nil {
		s.opts.OnProgress = func(e ProgressEvent) { mu.Lock(); defer mu.Unlock(); f(e) }
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range par {
		wg.Go(func() {
			for i := range next {
				rep.Sources[i], errs[i] = s.source(ctx, srcs[i])
			}
		})
	}
	for i := range srcs {
		next <- i
	}
	close(next)
	wg.Wait()
	return rep, errors.Join(errs...)
}

type snapshotter struct {
	wh      *warehouse.Warehouse
	run     *warehouse.Run
	opts    Options
	log     *slog.Logger
	sources int
}

// source snapshots one source. On failure it drops the staging tables and
// records every table as failed; the published snapshot stays.
func (s *snapshotter) source(ctx context.Context, src Source) (*SourceReport, error) {
	sr := &SourceReport{Name: src.Name}
	log := s.log.With(keySource, src.Name)
	started := s.wh.Now()
	for _, name := range src.Tables {
		sr.Tables = append(sr.Tables, &TableReport{Name: name, RowsSource: -1, StartedAt: started})
	}

	err := s.load(ctx, src, sr, log)
	if err != nil && sr.Published {
		// Published; a repair or a verification after it failed, and the
		// tables concerned say so in audit.snapshots.
		sr.Err = err
		log.Error("snapshot published; repair or verification failed", keyError, err)
		return sr, err
	}
	if err == nil {
		if s.opts.ParquetDir != "" {
			if err := s.exportParquet(ctx, sr); err != nil {
				log.Error("parquet export failed; the warehouse snapshot is published", keyError, err)
				sr.Err = err
				return sr, err
			}
		}
		log.Info("snapshot published", "tables", len(sr.Tables), keyReadMode, sr.ReadMode, keyBinlogPos, sr.BinlogPos)
		return sr, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Interrupted: not the source's fault, whatever the last step said.
		err = fmt.Errorf("snapshot %s: interrupted: %w", src.Name, ctxErr)
	}
	sr.Err = err
	log.Error("snapshot failed, previous snapshot kept", keyError, err)
	s.fail(ctx, sr, started)
	return sr, err
}

// load reads the source in one consistent transaction into staging tables
// and publishes them.
func (s *snapshotter) load(ctx context.Context, src Source, sr *SourceReport, log *slog.Logger) (retErr error) {
	srcErr := func(table string, err error) error {
		return &SourceError{Source: src.Name, Table: table, Err: err}
	}
	ms, err := openSource(ctx, src.DSN)
	if err != nil {
		return srcErr("", err)
	}
	defer ms.close()
	defer func() {
		// Whichever step met the lost connection, say what the socket saw.
		var se *SourceError
		if errors.As(retErr, &se) {
			se.Err = ms.withCause(se.Err)
		} else {
			retErr = ms.withCause(retErr)
		}
	}()
	sr.Database, sr.Addr = ms.dbName, ms.addr

	ro, err := ms.readOnly(ctx)
	if err != nil {
		return srcErr("", err)
	}
	if !ro && !s.opts.AllowPrimary {
		return srcErr("", fmt.Errorf("server %s is writable (@@read_only = 0): refusing to read a primary; point the source at a replica or allow the primary", ms.addr))
	}
	if sr.ReadMode, err = ms.begin(ctx, log); err != nil {
		return srcErr("", err)
	}
	info, err := ms.info(ctx, log)
	if err != nil {
		return srcErr("", err)
	}
	sr.ServerVersion, sr.BinlogPos, sr.ReplicaLag, sr.SnapshotAt = info.Version, info.BinlogPos, info.ReplicaLag, info.SnapshotAt
	sr.ReplicaStopped = info.ReplicaStopped
	ms.snapshotAt = info.SnapshotAt
	log.Info("consistent snapshot started", "addr", ms.addr, "database", ms.dbName, keyReadMode, sr.ReadMode,
		"version", sr.ServerVersion, keyBinlogPos, sr.BinlogPos, "replica_lag_s", lagText(sr.ReplicaLag))

	tables, err := s.resolveTables(ctx, ms, src, sr, log)
	if err != nil {
		return err
	}

	if _, err := s.wh.DB().ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteDuck(src.Name)); err != nil {
		return fmt.Errorf("snapshot %s: create schema: %w", src.Name, err)
	}
	dconn, err := s.wh.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("snapshot %s: warehouse connection: %w", src.Name, err)
	}
	defer dconn.Close()
	if err := dropStages(ctx, dconn, src.Name); err != nil {
		return fmt.Errorf("snapshot %s: drop staging tables left by an earlier run: %w", src.Name, err)
	}
	ws, err := readWarehouseState(ctx, dconn, src.Name)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", src.Name, err)
	}
	if err := ws.appendMaxKeys(ctx, ms, tables, src.Policies); err != nil {
		return srcErr("", err)
	}
	if err := s.loadTables(ctx, ms, dconn, ws, src, sr, tables, log); err != nil {
		return err
	}
	// Published while the source transaction is still open: the counts of
	// delta loads are read meanwhile.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel() // before ms.close, which waits for the counts
	ms.deferCounts(pctx, sr.Tables)
	if err := s.publish(ctx, sr, ws); err != nil {
		return err
	}
	sr.Published = true
	cancel()
	ms.pending.Wait() // the connection is free again
	// Still in the same snapshot: repair what is known inexact, verify
	// what was asked for (repair.go, verify.go).
	return s.afterPublish(ctx, ms, dconn, sr, tables, log)
}

// resolveTables reads the column metadata of the tables to copy and fills
// sr.Tables in the same order. Every missing table is reported.
func (s *snapshotter) resolveTables(ctx context.Context, ms *mysqlSource, src Source, sr *SourceReport, log *slog.Logger) ([]*table, error) {
	all, err := ms.listTables(ctx)
	if err != nil {
		return nil, &SourceError{Source: src.Name, Err: err}
	}
	cols, err := ms.columns(ctx)
	if err != nil {
		return nil, &SourceError{Source: src.Name, Err: err}
	}
	names := src.Tables
	if len(names) == 0 {
		names = all
		for _, n := range names {
			sr.Tables = append(sr.Tables, &TableReport{Name: n, RowsSource: -1, StartedAt: s.wh.Now()})
		}
	}
	exists := map[string]bool{}
	for _, n := range all {
		exists[n] = true
	}
	var (
		tables []*table
		errs   []error
		lower  = map[string]string{}
	)
	for i, n := range names {
		tr := sr.Tables[i]
		switch {
		case !exists[n]:
			tr.Err = &SourceError{Source: src.Name, Table: n, Err: fmt.Errorf("no base table %s in database %s (missing, or not visible to the user)", n, ms.dbName)}
		case len(cols[n]) == 0:
			tr.Err = &SourceError{Source: src.Name, Table: n, Err: fmt.Errorf("no columns visible in %s.%s", ms.dbName, n)}
		case lower[strings.ToLower(n)] != "":
			tr.Err = fmt.Errorf("snapshot %s.%s: name differs from table %s only by case, and DuckDB names ignore case", src.Name, n, lower[strings.ToLower(n)])
		}
		if tr.Err != nil {
			tr.Status = StatusFailed
			errs = append(errs, tr.Err)
			continue
		}
		lower[strings.ToLower(n)] = n
		t := &table{Table: mysqlarrow.Table{Name: n, Columns: cols[n]}}
		for j := range t.Columns {
			c := &t.Columns[j]
			if !mysqlarrow.MapColumn(c) {
				log.Warn("unknown MySQL type, loaded as VARCHAR", keyTable, n, keyColumn, c.Name, "type", c.ColumnType)
			}
		}
		tr.defs = t.defs()
		rules := src.Masks[n]
		if err := t.applyMasks(rules, src.MaskKey, src.Policies[n].Watermark); err != nil {
			tr.Status, tr.Err = StatusFailed, &SourceError{Source: src.Name, Table: n, Err: err}
			errs = append(errs, tr.Err)
			continue
		}
		for j := range tr.defs {
			tr.defs[j].Mask = rules[tr.defs[j].Name].String()
		}
		tables = append(tables, t)
	}
	for _, n := range slices.Sorted(maps.Keys(src.Masks)) {
		if !exists[n] {
			// A typo in a mask must not leave the data it meant to hide:
			// say so rather than load the tables as they are.
			errs = append(errs, &SourceError{Source: src.Name, Table: n, Err: fmt.Errorf("masks name table %s, which is not in database %s (a mask that masks nothing would leave the data it was meant to hide)", n, ms.dbName)})
		}
	}
	return tables, errors.Join(errs...)
}

// fail records every table of a failed source in audit.snapshots and
// drops the staging tables. It runs even when ctx is done.
func (s *snapshotter) fail(ctx context.Context, sr *SourceReport, started time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	log := s.log.With(keySource, sr.Name)
	if len(sr.Tables) == 0 {
		// The table list is unknown: one row for the whole source.
		sr.Tables = append(sr.Tables, &TableReport{Name: "*", RowsSource: -1, StartedAt: started})
	}
	now := s.wh.Now()
	for _, tr := range sr.Tables {
		if tr.Name != "*" && !s.resumable(ctx, sr.Name, tr.Name) {
			if _, err := s.wh.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteDuck(sr.Name)+"."+quoteDuck(stageName(tr.Name))); err != nil {
				log.Warn("cannot drop staging table", keyTable, tr.Name, keyError, err)
			}
		}
		if tr.Status == StatusFailed && tr.Err != nil {
			continue
		}
		switch {
		case tr.Status == StatusOK:
			tr.Err = fmt.Errorf("loaded but not published: %w", sr.Err)
		default:
			tr.Err = fmt.Errorf("not loaded: %w", sr.Err)
		}
		tr.Status = StatusFailed
		if tr.FinishedAt.IsZero() {
			tr.FinishedAt = now
		}
	}
	tx, err := s.wh.DB().BeginTx(ctx, nil)
	if err != nil {
		log.Error("cannot record failed snapshot", keyError, err)
		return
	}
	defer func() { _ = tx.Rollback() }()
	for _, tr := range sr.Tables {
		if err := s.record(ctx, tx, sr, tr, false); err != nil {
			log.Error("cannot record failed snapshot", keyTable, tr.Name, keyError, err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		log.Error("cannot record failed snapshot", keyError, err)
	}
}

// resumable reports whether the staging table of table has committed
// progress a later run can resume from.
func (s *snapshotter) resumable(ctx context.Context, schema, table string) bool {
	var n int64
	err := s.wh.DB().QueryRowContext(ctx, `SELECT count(*) FROM audit.snapshot_progress
		WHERE source = ? AND table_name = ? AND last_key IS NOT NULL`, schema, table).Scan(&n)
	return err == nil && n > 0
}

// dropStages drops every staging table of schema left by a killed run,
// except those with progress to resume from.
func dropStages(ctx context.Context, conn *sql.Conn, schema string) error {
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE schema_name = ? AND starts_with(table_name, ?)
		  AND substr(table_name, length(?) + 1) NOT IN
		      (SELECT table_name FROM audit.snapshot_progress WHERE source = ? AND last_key IS NOT NULL)`,
		schema, stagePrefix, stagePrefix, schema)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			_ = rows.Close()
			return err
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteDuck(schema)+"."+quoteDuck(n)); err != nil {
			return err
		}
	}
	return nil
}

func lagText(lag *float64) string {
	if lag == nil {
		return "none"
	}
	return fmt.Sprintf("%gs", *lag)
}

// defaultWarehouseMemoryMB is DuckDB's memory limit while loading, per
// source loading at once.
const defaultWarehouseMemoryMB = 160

// tuneWarehouse sets DuckDB's threads and memory limit for loading and
// returns the function that restores them.
func (s *snapshotter) tuneWarehouse(ctx context.Context) func() {
	threads, mem := s.opts.WarehouseThreads, s.opts.WarehouseMemory
	if threads <= 0 {
		threads = 1
	}
	if mem == "" {
		// Each source loading at once needs its own share: they share
		// DuckDB's one limit.
		mem = fmt.Sprintf("%dMB", defaultWarehouseMemoryMB*min(max(s.opts.Parallel, 1), max(s.sources, 1)))
	}
	db := s.wh.DB()
	var oldThreads, oldMem string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('threads')::VARCHAR, current_setting('memory_limit')::VARCHAR`).Scan(&oldThreads, &oldMem); err != nil {
		s.log.Warn("cannot read warehouse settings; leaving them", keyError, err)
		return func() {}
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
		s.log.Warn("cannot set warehouse threads", keyError, err)
	}
	if _, err := db.ExecContext(ctx, "SET memory_limit = "+quoteDuckString(mem)); err != nil {
		s.log.Warn("cannot set warehouse memory limit", keyError, err)
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		if _, err := db.ExecContext(ctx, "SET threads = "+oldThreads); err != nil {
			s.log.Warn("cannot restore warehouse threads", keyError, err)
		}
		if _, err := db.ExecContext(ctx, "SET memory_limit = "+quoteDuckString(oldMem)); err != nil {
			s.log.Warn("cannot restore warehouse memory limit", keyError, err)
		}
	}
}

// quoteDuckString quotes a DuckDB string literal.
func quoteDuckString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
