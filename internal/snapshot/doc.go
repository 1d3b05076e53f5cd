// Package snapshot copies source tables from MySQL (a replica, normally)
// into the DuckDB warehouse.
//
// For each Source, Snapshot opens one connection, starts a consistent,
// read-only transaction (START TRANSACTION WITH CONSISTENT SNAPSHOT, READ
// ONLY, or where the server rejects that form, SET SESSION TRANSACTION READ
// ONLY then START TRANSACTION WITH CONSISTENT SNAPSHOT; the mode used is
// recorded as read_mode), records the server version, the binlog position
// (GTID set, else file:pos), the replica lag and the server's NOW(), then
// streams every table into a staging table <source>.__stage_<table>. Each
// table's loaded row count must equal COUNT(*) read in the same MySQL
// transaction.
//
// # The read path
//
// Rows are read through server-side prepared statements, so they arrive
// in the binary protocol as typed values, and built into Arrow record
// batches by internal/mysqlarrow. On a plain connection (no TLS, no
// compression) the snapshot reads the binary rows off the socket itself
// (internal/mysqlwire) and mysqlarrow decodes them straight into the Arrow
// builders: go-sql-driver connects, authenticates and runs every other
// statement, and the snapshot uses the socket only inside sql.Conn.Raw,
// between two of the driver's commands. Otherwise the driver's rows are
// used (rowsource.go); both paths convert alike (TableReport.ReadPath says
// which ran). A table whose primary key is one integer column is read in
// key chunks (WHERE key > ? ORDER BY key LIMIT ?, reader.go) whose size
// adapts toward a target time per chunk; other tables are read whole
// (audit.snapshots.read_whole). COUNT(*) is read after the rows, in the
// same snapshot.
//
// The reader runs in its own goroutine, on an OS thread at the lowest CPU
// priority (the warehouse insert is the slowest stage), and runs ahead of
// the inserter by up to 96 MiB of batches, whose buffers a per-table pool
// reuses (pool.go). The inserter streams each chunk into DuckDB with one
// INSERT … SELECT over an Arrow view (sink_arrow.go, build tag
// duckdb_arrow; without the tag the Appender, sink_appender.go), one
// warehouse transaction per chunk together with its row in
// audit.snapshot_progress, so a failed or killed run resumes after the last
// committed chunk. While loading, DuckDB runs with one thread, a 160 MB
// memory limit and preserve_insertion_order off.
//
// Per-table policies (TablePolicy, delta.go): full; incremental on a
// watermark column (rows >= the last snapshot's largest value, merged by
// primary key in the publish transaction, deletions removed by a periodic
// key-set comparison); append (rows above the last largest key). The
// structure of every table is captured in audit.snapshot_columns and a
// change reported as schema drift (schema.go); ParquetDir exports the
// published tables. A Throttle caps rows/s and pauses while the replica
// lags or Threads_running is high (throttle.go).
//
// Exactness: a full table unchanged since its published copy (its
// UPDATE_TIME token, unchanged.go) is not copied again. A table whose row
// count disagrees with the source after a run is published as
// StatusInexact, never ok, and its key set repaired at once in the same
// snapshot (repair.go). Options.Verify compares per-chunk checksums
// computed by MySQL and by DuckDB and re-reads only the key ranges that
// differ (checksum.go, verify.go). InferPolicies proposes each table's
// policy from information_schema (infer.go).
//
// Fixed cost per table is kept to few statements (state.go): each
// source's stored states and published tables are read once, append
// tables whose largest key did not move are not staged, and the publish
// writes the bookkeeping of all tables in one statement per kind.
// Options.Parallel snapshots several sources at once, each in its own
// consistent snapshot. One source's tables are read one after the other
// on its one connection, but the next table's read begins as soon as the
// one before has read its rows, while that one still inserts and commits
// in the warehouse (loadTables).
//
// A source is published atomically: only when every one of its tables
// loaded and verified are the staging tables renamed over the previous
// snapshot, in one DuckDB transaction together with the audit.snapshots
// rows. A reader sees the previous complete snapshot or the new one; a
// failed or killed run leaves the previous snapshot as it was.
//
// # Values
//
// MySQL types map to DuckDB types exactly, as pipelines.DuckTypeOf says
// (the one map, which reconcile and evidence use too): integers keep their
// width and signedness, DECIMAL(p,s) stays DECIMAL(p,s) (read as text,
// never through a float; p > 38 becomes VARCHAR), FLOAT stays FLOAT,
// DATETIME and TIMESTAMP become TIMESTAMP holding the same Asia/Shanghai
// wall clock (the session time_zone is +08:00, so TIMESTAMP columns render
// in Shanghai time too), TIME becomes INTERVAL, BIT becomes UBIGINT. Dates
// reach the driver path as text (the driver's ParseTime is off) so that
// zero and partial dates (0000-00-00, 2021-00-10) and invalid dates are
// seen: they load as NULL and are counted per column in
// audit.snapshot_anomalies with an example row. Invalid UTF-8 in text
// columns is replaced with U+FFFD and counted the same way.
package snapshot
