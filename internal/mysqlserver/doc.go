// Package mysqlserver runs an in-process MySQL protocol server for the demo,
// backed by go-mysql-server v0.20.0 (GMS) in-memory databases. Clients log
// in with Options.User/Password (default pushaudit/pushaudit), create and
// drop databases over the wire, and see DATETIME as wall clock: sessions
// use time_zone '+08:00' and utf8mb4_general_ci, like scripts/mariadb.sh.
//
// What this server accepts, checked by server_test.go (the same statements
// run against MariaDB 10.11 when PUSHAUDIT_MYSQL_DSN is set):
//
// Same result on GMS and MariaDB:
//   - CREATE/DROP DATABASE; CREATE TABLE with column COMMENT '中文', PRIMARY
//     KEY, KEY, ENGINE=InnoDB, CHARSET utf8mb4, DATETIME(3), DECIMAL(20,6),
//     BIGINT UNSIGNED, TINYINT, INT, VARCHAR, TEXT, DOUBLE.
//   - Multi-row INSERT (1000 literal rows per statement, or 500 rows of ?
//     placeholders, server-side prepared or interpolated).
//   - Cross-database INSERT INTO a.t2 (...) SELECT ... FROM b.t1 JOIN b.t3
//     WHERE ts >= X AND ts < Y, with X as TIMESTAMP '2026-11-20 23:00:00',
//     as '2026-11-20 23:00:00', or as ? bound to a time.Time or a string,
//     interpolated (interpolateParams=true) or server-side prepared.
//   - GROUP BY with COUNT(*), SUM(CASE WHEN ... THEN 1 ELSE 0 END),
//     SUM(DECIMAL); ORDER BY ... LIMIT n OFFSET m and LIMIT m, n; COALESCE;
//     UPDATE ... SET c = DATE_ADD(ts, INTERVAL 1 HOUR) WHERE ...;
//     DELETE ... WHERE id % 7 = 0; TRUNCATE TABLE db.t.
//   - DATETIME(3) round trip with parseTime=true&loc=Asia/Shanghai; NOW()
//     in +08:00; SET NAMES utf8mb4; SET time_zone = '+08:00'.
//   - LOAD DATA LOCAL INFILE 'Reader::name' (mysql.RegisterReaderHandler),
//     FIELDS TERMINATED BY '\t', \N as NULL.
//   - START TRANSACTION READ ONLY and db.BeginTx(ReadOnly: true): a write
//     fails with error 1792 (on GMS thanks to this package: v0.20.0 panics
//     and drops the connection).
//   - START TRANSACTION WITH CONSISTENT SNAPSHOT.
//   - SELECT @@read_only, @@version (GMS answers 8.0.31); SHOW SLAVE STATUS
//     and SHOW REPLICA STATUS (no rows on both; 55 columns on GMS, 54 on
//     MariaDB); SHOW MASTER STATUS (GMS: no row; MariaDB: one row).
//   - information_schema.columns COLUMN_COMMENT and COLUMN_TYPE (GMS:
//     "bigint unsigned", "tinyint"; MariaDB: "bigint(20) unsigned",
//     "tinyint(4)"); SHOW FULL COLUMNS FROM db.t.
//
// Differences (write SQL that avoids them):
//   - SET SESSION TRANSACTION READ ONLY: GMS sets @@transaction_read_only
//     but accepts writes. Use START TRANSACTION READ ONLY.
//   - START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY: syntax error on
//     GMS. Use one of the two.
//   - @@gtid_executed: GMS answers "", MariaDB fails with error 1193. @@gtid_binlog_pos and
//     @@gtid_current_pos: MariaDB only.
//   - ts + INTERVAL 1 HOUR drops the milliseconds of a DATETIME(3) on GMS;
//     DATE_ADD(ts, INTERVAL 1 HOUR) keeps them on both. ADDTIME() does not
//     exist on GMS.
//   - Table COMMENT='...' is lost on GMS when the primary key is a separate
//     PRIMARY KEY (id) clause; it is kept with an inline id ... PRIMARY KEY.
//     SHOW TABLE STATUS has a "Comments" column on GMS (always empty) and
//     "Comment" on MariaDB: read TABLE_COMMENT from information_schema.
//   - DELETE FROM db.t without WHERE fails on GMS (error 1049) when the
//     connection has no default database: add a WHERE clause or TRUNCATE.
//   - COPY is a reserved word on GMS (not on MariaDB): quote such names.
//   - CHARSET utf8mb4 without COLLATE gives utf8mb4_0900_ai_ci on GMS and
//     utf8mb4_general_ci on MariaDB: spell COLLATE=utf8mb4_general_ci.
//
// Limits of the GMS memory engine:
//   - Speed: every INSERT, UPDATE and DELETE of a row with a primary key
//     scans the whole table, so cost grows with the square of the table
//     size. 1000-row INSERTs load 5,000 rows at about 4,000 rows/s and
//     20,000 rows at about 900 rows/s (the last ones at 400 rows/s);
//     200,000 rows would take most of an hour. UPDATE or DELETE of a few
//     thousand rows in a 20,000-row table takes tens of seconds.
//     MariaDB inserts the same 200,000 rows at about 90,000-110,000 rows/s.
//     Keep demo tables to a few thousand rows.
//   - Concurrency: each session works on copies of the tables it touches
//     and its commit puts them back whole. This package runs one command at
//     a time, so autocommit statements from many connections are safe, but
//     an explicit transaction (BEGIN/START TRANSACTION, autocommit=0) that
//     ends with COMMIT overwrites what other connections committed since it
//     began to the tables it read or wrote, even when it only read. End
//     read-only and snapshot transactions with ROLLBACK (fine on MariaDB).
//   - System variables and logrus logging are process-wide in GMS: Start
//     sets local_infile=1 globally and points logrus at Options.Logger.
package mysqlserver
