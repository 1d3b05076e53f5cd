package mysqlserver

// The compatibility table: the statements pushaudit needs, run on go-mysql-
// server and on a real MariaDB.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/testenv"
)

// envDSN names the variable holding a DSN of a real MySQL/MariaDB server,
// e.g. the one scripts/mariadb.sh starts: pushaudit:pushaudit@tcp(127.0.0.1:33306)/
const envDSN = "PUSHAUDIT_MYSQL_DSN"

// envRows overrides the number of rows in src.cases (and so the size of the
// throughput test). Defaults: 200,000 on MariaDB, gmsRows on go-mysql-server,
// whose in-memory tables scan every row to check the primary key on each
// insert, update and delete: 200,000 rows would take about an hour there.
const envRows = "PUSHAUDIT_COMPAT_ROWS"

const (
	mariadbRows = 200_000
	gmsRows     = 5_000
	bulkBatch   = 1000 // rows per INSERT statement
)

// compatCase is one row of the compatibility table: what the statement does
// and the result expected on each server. run returns "ok ..." when the
// server behaves as a MySQL server should, or an error. Expectations are
// prefixes of the result: "ok" or "error".
type compatCase struct {
	name    string
	mariadb string
	gms     string
	// required cases stop the run when they fail: later cases need them.
	required bool
	run      func(ctx context.Context, e *compatEnv) (string, error)
}

// compatEnv is the state shared by the cases of one server.
type compatEnv struct {
	t      *testing.T
	server string  // "gms" or "mariadb"
	db     *sql.DB // interpolateParams=false: queries with args are server-side prepared
	interp *sql.DB // interpolateParams=true: args are interpolated by the driver
	src    string  // source database (cases, districts)
	dst    string  // target database (case_summary, loaded)
	loc    *time.Location
	data   *dataset
}

func TestCompatibilityGMS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srv, err := Start(ctx, Options{})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	runCompat(ctx, t, "gms", srv.DSN(), compatRows(t, gmsRows))
}

func TestCompatibilityMariaDB(t *testing.T) {
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		t.Skipf("%s is not set: start a server with `scripts/mariadb.sh start` and export %s=$(scripts/mariadb.sh dsn) to run the MariaDB column of the compatibility table", envDSN, envDSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	runCompat(ctx, t, "mariadb", dsn, compatRows(t, mariadbRows))
}

// compatRows returns the row count from envRows, or def.
func compatRows(t *testing.T, def int) int { return testenv.Count(t, envRows, def, 100) }

func runCompat(ctx context.Context, t *testing.T, server, dsn string, rows int) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatalf("load Asia/Shanghai: %v", err)
	}
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	e := &compatEnv{
		t:      t,
		server: server,
		db:     openDB(t, dsn, false),
		interp: openDB(t, dsn, true),
		src:    "pa_compat_src_" + suffix,
		dst:    "pa_compat_dst_" + suffix,
		loc:    loc,
		data:   newDataset(rows, loc),
	}
	t.Cleanup(func() {
		// Leave nothing behind on a shared server.
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, name := range []string{e.src, e.dst} {
			if _, err := e.db.ExecContext(cctx, "DROP DATABASE IF EXISTS "+name); err != nil {
				t.Logf("drop database %s: %v", name, err)
			}
		}
	})

	var table strings.Builder
	fmt.Fprintf(&table, "compatibility table for %s:\n", server)
	for _, c := range compatCases() {
		want := c.gms
		if server == "mariadb" {
			want = c.mariadb
		}
		note, err := c.run(ctx, e)
		got := note
		if err != nil {
			got = "error: " + err.Error()
		}
		if got == "" {
			got = "ok"
		}
		fmt.Fprintf(&table, "  %-58s %s\n", c.name, got)
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s on %s: got %q, documented %q", c.name, server, got, want)
			if c.required {
				t.Log(table.String())
				t.FailNow()
			}
		}
	}
	t.Log(table.String())
}

// compatCases lists the statements the project runs on both servers, in
// execution order; later cases use the data of earlier ones.
func compatCases() []compatCase {
	return []compatCase{
		{name: "CREATE DATABASE", mariadb: "ok", gms: "ok", required: true, run: caseCreateDatabases},
		{name: "CREATE TABLE (COMMENT '中文', PK, KEY, InnoDB, utf8mb4, types)", mariadb: "ok", gms: "ok", required: true, run: caseCreateTables},
		{name: "multi-row INSERT, 1000 rows/statement, 15 cols", mariadb: "ok", gms: "ok", required: true, run: caseBulkInsert},
		{name: "DATETIME(3) round trip, NOW() in +08:00", mariadb: "ok", gms: "ok", run: caseDatetime},
		{name: "SET NAMES utf8mb4; SET time_zone = '+08:00'", mariadb: "ok", gms: "ok", run: caseSetSession},
		{name: "INSERT a.t2 SELECT b.t1 JOIN b.t3 WHERE ts >= TIMESTAMP '..'", mariadb: "ok", gms: "ok", run: caseInsertSelectTimestampLiteral},
		{name: "INSERT a.t2 SELECT ... WHERE ts >= '2026-11-20 23:00:00'", mariadb: "ok", gms: "ok", run: caseInsertSelectStringLiteral},
		{name: "INSERT ... SELECT ... WHERE ts >= ? (interpolated time.Time)", mariadb: "ok", gms: "ok", run: caseInsertSelectInterpolated},
		{name: "INSERT ... SELECT ... WHERE ts >= ? (prepared time.Time)", mariadb: "ok", gms: "ok", run: caseInsertSelectPreparedTime},
		{name: "INSERT ... SELECT ... WHERE ts >= ? (prepared string)", mariadb: "ok", gms: "ok", run: caseInsertSelectPreparedString},
		{name: "multi-row INSERT with ? (500 rows x 6), prepared + interpolated", mariadb: "ok", gms: "ok", run: casePreparedMultiRowInsert},
		{name: "GROUP BY with COUNT(*), SUM(CASE WHEN ..), SUM(DECIMAL)", mariadb: "ok", gms: "ok", run: caseGroupBy},
		{name: "ORDER BY .. LIMIT 5 OFFSET 10 / LIMIT 10, 5", mariadb: "ok", gms: "ok", run: caseLimit},
		{name: "COALESCE(col, '') in WHERE", mariadb: "ok", gms: "ok", run: caseCoalesce},
		{name: "UPDATE ... SET .. = DATE_ADD(ts, INTERVAL 1 HOUR) WHERE ..", mariadb: "ok", gms: "ok", run: caseUpdate},
		{name: "ts + INTERVAL 1 HOUR keeps DATETIME(3) milliseconds", mariadb: "ok", gms: "error", run: caseIntervalFraction},
		{name: "DELETE ... WHERE id % 7 = 0", mariadb: "ok", gms: "ok", run: caseDelete},
		{name: "LOAD DATA LOCAL INFILE 'Reader::..' (RegisterReaderHandler)", mariadb: "ok", gms: "ok", run: caseLoadData},
		{name: "SET SESSION TRANSACTION READ ONLY, then INSERT is refused", mariadb: "ok", gms: "error", run: caseSessionReadOnly},
		{name: "START TRANSACTION READ ONLY, then INSERT is refused", mariadb: "ok", gms: "ok", run: caseStartReadOnly},
		{name: "db.BeginTx(ReadOnly: true) (driver: START TRANSACTION READ ONLY)", mariadb: "ok", gms: "ok", run: caseBeginTxReadOnly},
		{name: "START TRANSACTION WITH CONSISTENT SNAPSHOT", mariadb: "ok", gms: "ok", run: caseConsistentSnapshot},
		{name: "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", mariadb: "ok", gms: "error", run: caseConsistentSnapshotReadOnly},
		{name: "SELECT @@read_only, @@version", mariadb: "ok", gms: "ok", run: caseReadOnlyVersion},
		{name: "SELECT @@gtid_executed (MySQL)", mariadb: "error", gms: "ok", run: caseGtidExecuted},
		{name: "SELECT @@gtid_binlog_pos, @@gtid_current_pos (MariaDB)", mariadb: "ok", gms: "error", run: caseGtidMariaDB},
		{name: "SHOW MASTER STATUS", mariadb: "ok", gms: "ok", run: showCase("SHOW MASTER STATUS")},
		{name: "SHOW SLAVE STATUS", mariadb: "ok", gms: "ok", run: showCase("SHOW SLAVE STATUS")},
		{name: "SHOW REPLICA STATUS", mariadb: "ok", gms: "ok", run: showCase("SHOW REPLICA STATUS")},
		{name: "information_schema.columns COLUMN_COMMENT, COLUMN_TYPE", mariadb: "ok", gms: "ok", run: caseInfoSchemaColumns},
		{name: "TABLE_COMMENT, table with inline `id .. PRIMARY KEY`", mariadb: "ok", gms: "ok", run: caseTableCommentInlinePK},
		{name: "TABLE_COMMENT, table with separate `PRIMARY KEY (id)`", mariadb: "ok", gms: "error", run: caseTableCommentSeparatePK},
		{name: "SHOW FULL COLUMNS FROM db.t", mariadb: "ok", gms: "ok", run: caseShowFullColumns},
		{name: "SHOW TABLE STATUS FROM db LIKE 't'", mariadb: "ok", gms: "ok", run: caseShowTableStatus},
		{name: "DELETE FROM db.t without WHERE (DSN without database)", mariadb: "ok", gms: "error", run: caseDeleteAll},
		{name: "TRUNCATE TABLE db.t", mariadb: "ok", gms: "ok", run: caseTruncate},
		{name: "DROP DATABASE", mariadb: "ok", gms: "ok", run: caseDropDatabase},
	}
}
