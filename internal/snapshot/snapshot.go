package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

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

// Table statuses of audit.snapshots.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// PolicyFull is the only load policy so far: the whole table, every run.
const PolicyFull = "full"

// Source is one MySQL database to snapshot.
type Source struct {
	// Name is the warehouse schema the tables land in: biz, stats,
	// exchange, fe_city_gov, …
	Name string
	// DSN is a go-sql-driver DSN including the database name. ParseTime,
	// Loc, interpolateParams and time_zone are set by Snapshot.
	DSN string
	// Tables to copy; empty means every base table of the database.
	Tables []string
}

// Options tunes Snapshot.
type Options struct {
	// AllowPrimary permits reading a server with @@read_only = 0. Without
	// it such a source is refused: heavy reads go to replicas.
	AllowPrimary bool
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called every 50,000 rows of a table and when
	// the table is loaded (before its count is checked), with the rows
	// loaded so far.
	Progress func(source, table string, rows int64)

	hooks hooks
}

// hooks let tests reach into a load.
type hooks struct {
	// afterLoad runs when a table is in its staging table, before the
	// count check.
	afterLoad func(ctx context.Context, conn *sql.Conn, schema, stage string) error
}

// progressEvery is how many rows pass between Progress calls.
const progressEvery = 50_000

// Report says what Snapshot did, source by source.
type Report struct {
	RunID   string
	Sources []*SourceReport
}

// SourceReport is the outcome of one source.
type SourceReport struct {
	Name          string
	Database      string // MySQL database name
	Addr          string // server address, never the DSN
	ReadMode      string // ReadModeSnapshotReadOnly or ReadModeSnapshotSessionReadOnly
	ServerVersion string
	BinlogPos     string    // GTID set or file:pos; "" when unknown
	ReplicaLag    *float64  // seconds; nil when not a replica or unknown
	SnapshotAt    time.Time // server NOW() at the snapshot, Asia/Shanghai
	Tables        []*TableReport
	Published     bool  // the new snapshot replaced the previous one
	Err           error // why not, when not
}

// TableReport is the outcome of one table.
type TableReport struct {
	Name       string // "*" stands for every table when a source failed before listing them
	Status     string // StatusOK or StatusFailed
	RowsLoaded int64
	RowsSource int64 // COUNT(*) in the snapshot; -1 when not read
	StartedAt  time.Time
	FinishedAt time.Time
	Anomalies  []Anomaly
	Err        error
}

// Anomaly counts values of one column that could not be carried as they
// were.
type Anomaly struct {
	Column  string
	Kind    string // AnomalyZeroDate, …
	Count   int64
	Example string // the first one: key (or row number) and value
}

var sourceNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// reservedSchemas cannot be source names.
var reservedSchemas = map[string]bool{
	"audit": true, "main": true, "information_schema": true, "pg_catalog": true, "temp": true,
}

// Snapshot copies every source into the warehouse, one after the other,
// and records each table in audit.snapshots under run. A source that fails
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
	s := &snapshotter{wh: wh, run: run, opts: opts, log: log}
	rep := &Report{RunID: run.ID}
	var errs []error
	for _, src := range srcs {
		sr, err := s.source(ctx, src)
		rep.Sources = append(rep.Sources, sr)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

type snapshotter struct {
	wh   *warehouse.Warehouse
	run  *warehouse.Run
	opts Options
	log  *slog.Logger
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
	if err == nil {
		err = s.publish(ctx, sr)
		if err == nil {
			sr.Published = true
			log.Info("snapshot published", "tables", len(sr.Tables), keyReadMode, sr.ReadMode, keyBinlogPos, sr.BinlogPos)
			return sr, nil
		}
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

// load reads the source in one consistent transaction into staging tables.
func (s *snapshotter) load(ctx context.Context, src Source, sr *SourceReport, log *slog.Logger) error {
	srcErr := func(table string, err error) error {
		return &SourceError{Source: src.Name, Table: table, Err: err}
	}
	ms, err := openSource(ctx, src.DSN)
	if err != nil {
		return srcErr("", err)
	}
	defer ms.close()
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
	for i, t := range tables {
		tr := sr.Tables[i]
		tr.StartedAt = s.wh.Now()
		err := s.loadTable(ctx, ms, dconn, src.Name, t, tr, log.With(keyTable, t.Name))
		tr.FinishedAt = s.wh.Now()
		if err != nil {
			tr.Status, tr.Err = StatusFailed, err
			return err
		}
		tr.Status = StatusOK
	}
	return nil
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
		t := &table{Name: n, Columns: cols[n]}
		for j := range t.Columns {
			c := &t.Columns[j]
			if !mapColumn(c) {
				log.Warn("unknown MySQL type, loaded as VARCHAR", keyTable, n, keyColumn, c.Name, "type", c.ColumnType)
			}
		}
		tables = append(tables, t)
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
		if tr.Name != "*" {
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
		if err := s.record(ctx, tx, sr, tr); err != nil {
			log.Error("cannot record failed snapshot", keyTable, tr.Name, keyError, err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		log.Error("cannot record failed snapshot", keyError, err)
	}
}

// dropStages drops every staging table of schema, left by a killed run.
func dropStages(ctx context.Context, conn *sql.Conn, schema string) error {
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE schema_name = ? AND starts_with(table_name, ?)`, schema, stagePrefix)
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
