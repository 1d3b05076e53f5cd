// Package snapshot copies source tables from MySQL (a replica, normally)
// into the DuckDB warehouse.
//
// For each Source, Snapshot opens one connection, starts a consistent,
// read-only transaction (START TRANSACTION WITH CONSISTENT SNAPSHOT, READ
// ONLY, or where the server rejects that form, SET SESSION TRANSACTION READ
// ONLY then START TRANSACTION WITH CONSISTENT SNAPSHOT; the mode used is
// recorded as read_mode), records the server version, the binlog position
// (GTID set, else file:pos), the replica lag and the server's NOW(), then
// streams every table into a staging table <source>.__stage_<table> with the
// DuckDB Appender. Each table's loaded row count must equal COUNT(*) read in
// the same MySQL transaction.
//
// A source is published atomically: only when every one of its tables
// loaded and verified are the staging tables renamed over the previous
// snapshot, in one DuckDB transaction together with the audit.snapshots
// rows. A reader sees the previous complete snapshot or the new one; a
// failed or killed run leaves the previous snapshot as it was.
//
// # Values
//
// MySQL types map to DuckDB types exactly (see duckType): integers keep
// their width and signedness, DECIMAL(p,s) stays DECIMAL(p,s) (read as text,
// never through a float; p > 38 becomes VARCHAR), DATETIME and TIMESTAMP
// become TIMESTAMP holding the same Asia/Shanghai wall clock (the session
// time_zone is +08:00, so TIMESTAMP columns render in Shanghai time too),
// TIME becomes INTERVAL, BIT becomes UBIGINT. Dates are read as text
// (CAST(col AS CHAR)) so that zero and partial dates (0000-00-00,
// 2021-00-10) and invalid dates are seen: they load as NULL and are counted
// per column in audit.snapshot_anomalies with an example row. Invalid
// UTF-8 in text columns is replaced with U+FFFD and counted the same way.
package snapshot
