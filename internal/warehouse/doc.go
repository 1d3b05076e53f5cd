// Package warehouse opens the DuckDB warehouse file of pushaudit and keeps
// its bookkeeping: the audit schema (schemas.Warehouse), one row per run in
// audit.runs and one per report written in audit.reports; it holds the one
// way times are bound and read back, and the one way names are quoted.
//
// # Time convention
//
// Every TIMESTAMP column of the warehouse holds Asia/Shanghai wall-clock
// time without a zone, exactly as the MySQL DATETIME values of the sources
// do. duckdb-go (v2.10506) does not follow that convention on its own, and is
// not even consistent about it:
//
//   - A time.Time bound to a parameter DuckDB infers as TIMESTAMP (an INSERT
//     into a TIMESTAMP column, "WHERE ts = ?") or appended with the Appender
//     is stored as the UTC wall clock of the instant (UnixMicro): 23:59 in
//     Shanghai becomes 15:59 the same day.
//   - A time.Time bound where DuckDB cannot infer the type (a VALUES list,
//     CAST(? AS TIMESTAMP), strftime(?, …)) is bound as TIMESTAMPTZ and then
//     converted with the session TimeZone.
//   - Scanning a TIMESTAMP returns its wall clock in time.UTC.
//
// Hence, the one way in and the one way out:
//
//   - bind parameters with Timestamp(t): a value typed TIMESTAMP holding the
//     Shanghai wall clock, right in every position (never a time formatted
//     into SQL text, nor text cast with CAST(? AS TIMESTAMP));
//   - append Wall(t) to TIMESTAMP columns with the Appender, or bind a
//     list of WallMicros(t) read with UnnestTimestamps() in a bulk insert;
//   - read TIMESTAMP values back with FromWall(t), or NullTime(nt) for a
//     nullable column.
//
// # SQL text
//
// Values are always bound as parameters. Names (schemas, tables and
// columns of the catalog, the config or information_schema) enter SQL text
// through QuoteIdent and QuoteTable. Stores take a Querier, the *sql.DB or
// a transaction of it, so that the caller decides what commits together.
//
// # Ownership of the audit schema
//
// This package writes audit.runs (BeginRun, Finish) and audit.reports
// (RecordReport); package ledger writes audit.results, audit.result_keys
// and audit.findings; package snapshot writes the snapshot tables. The
// rules readers share (the latest result per window, the day of a window,
// the sources a reconciliation may trust, snapshot health) are views and
// table macros of the warehouse DDL (schemas/duckdb/warehouse.sql).
//
// Every connection of a Warehouse runs with SET TimeZone='Asia/Shanghai', so
// now()::TIMESTAMP, current_date and TIMESTAMPTZ-to-TIMESTAMP casts give
// Shanghai wall clock too. Analysts' own DuckDB clients may use another
// TimeZone; that changes nothing for the plain TIMESTAMP columns.
//
// # Locking
//
// DuckDB lets one process open a file for writing at a time. Open reports a
// file held by another process as an error wrapping ErrLocked. DuckDB does
// not guard against the same process opening one file twice: keep one
// Warehouse per file per process.
package warehouse
