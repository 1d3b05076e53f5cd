// Package warehouse opens the DuckDB warehouse file of pushaudit and keeps
// its bookkeeping: the audit schema (schemas.Warehouse) and one row per run
// in audit.runs.
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
// Hence:
//
//   - bind parameters with Timestamp(t): a value typed TIMESTAMP holding the
//     Shanghai wall clock, right in every position;
//   - append Wall(t) to TIMESTAMP columns with the Appender;
//   - read TIMESTAMP values back with FromWall(t).
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
