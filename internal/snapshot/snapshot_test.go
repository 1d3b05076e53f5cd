package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// valuesDDL covers the types and odd values the loader must carry exactly.
var valuesDDL = []string{
	`CREATE TABLE vals (
		id INT NOT NULL PRIMARY KEY,
		amount DECIMAL(20,6), small DECIMAL(9,2), wide DECIMAL(38,10), huge DECIMAL(50,5),
		ub BIGINT UNSIGNED, sb BIGINT, ti TINYINT, uti TINYINT UNSIGNED, umi MEDIUMINT UNSIGNED,
		f FLOAT, dbl DOUBLE,
		dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, d DATE, tm TIME(3), y YEAR,
		name VARCHAR(50) CHARACTER SET utf8mb4, bad VARCHAR(20) CHARACTER SET utf8mb4,
		js JSON, e ENUM('a','b'), st SET('x','y'),
		bin VARBINARY(10), bl BLOB, bt BIT(10)
	)`,
	`INSERT INTO vals VALUES (1,
		12345678901234.123456, 1234567.89, 1234567890123456789012345678.0123456789,
		123456789012345678901234567890123456789012345.12345,
		18446744073709551615, -9223372036854775808, -128, 255, 16777215,
		1.5, 0.1,
		'2026-11-20 23:59:59', '2026-11-20 23:59:59.123456', '2026-11-20 23:59:59.123456', '2026-11-20',
		'-838:59:59.000', 2026,
		'城管 😀 𠀀', 'ok', '{"a": 1}', 'b', 'x,y',
		X'00FF', 'blob', b'1010101010')`,
	`INSERT INTO vals (id) VALUES (2)`,
	`SET SESSION sql_mode = ''`,
	`SET NAMES binary`,
	`INSERT INTO vals (id, dt, d, dt6, tm, bad) VALUES
		(3, '0000-00-00 00:00:00', '0000-00-00', '2021-00-10 08:00:00', '12:34:56.789', X'61EDA08062')`,
	`SET NAMES utf8mb4`,
	`INSERT INTO vals (id, amount, small, ub, dt6) VALUES (4, -0.000001, -0.5, 0, '1970-01-01 00:00:00.000001')`,
	`CREATE TABLE keys_bin (k VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, v INT)`,
	`INSERT INTO keys_bin VALUES ('abc', 1), ('ABC', 2), ('Abc', 3)`,
	`CREATE TABLE empty_t (id BIGINT PRIMARY KEY)`,
}

// TestSnapshot_Values loads every type over both read paths: the wire
// path on a plain connection, the driver's on a compressed one.
func TestSnapshot_Values(t *testing.T) {
	for path, dsn := range readPaths(t) {
		t.Run(path, func(t *testing.T) { testValues(t, path, dsn) })
	}
}

func testValues(t *testing.T, path string, dsn func(*mysql.Config)) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, valuesDDL...)
	wh := MustOpenWarehouse(t)
	run := MustBeginRun(t, wh)

	var progress []string
	rep, err := Snapshot(ctx, wh, run, []Source{{Name: "biz", DSN: db.DSNWith(dsn)}}, Options{
		AllowPrimary: true,
		Progress:     func(source, table string, rows int64) { progress = append(progress, source+"."+table) },
	})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	sr := rep.Sources[0]
	if !sr.Published || sr.ReadMode != ReadModeSnapshotReadOnly || sr.ServerVersion == "" || sr.SnapshotAt.IsZero() {
		t.Errorf("source report = %+v", sr)
	}
	if sr.ReplicaLag != nil {
		t.Errorf("replica lag %v on a primary, want nil", *sr.ReplicaLag)
	}
	if got := len(sr.Tables); got != 3 {
		t.Fatalf("%d tables, want 3 (every base table)", got)
	}
	for _, tr := range sr.Tables {
		if tr.ReadPath != path {
			t.Errorf("table %s read over the %q path, want %q", tr.Name, tr.ReadPath, path)
		}
	}
	// One call per table (each under 50,000 rows), when it is loaded: a
	// table may be done after the next one (loadTables).
	slices.Sort(progress)
	if got, want := strings.Join(progress, " "), "biz.empty_t biz.keys_bin biz.vals"; got != want {
		t.Errorf("progress calls %q, want %q", got, want)
	}

	// DuckDB types.
	types := map[string]string{}
	for _, r := range queryStrings(t, wh, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = 'biz' AND table_name = 'vals'`) {
		types[r[0]] = r[1] + " " + r[2]
	}
	for col, want := range map[string]string{
		"id": "INTEGER NO", "amount": "DECIMAL(20,6) YES", "small": "DECIMAL(9,2) YES",
		"wide": "DECIMAL(38,10) YES", "huge": "VARCHAR YES", "ub": "UBIGINT YES", "sb": "BIGINT YES",
		"ti": "TINYINT YES", "uti": "UTINYINT YES", "umi": "UINTEGER YES", "f": "FLOAT YES", "dbl": "DOUBLE YES",
		"dt": "TIMESTAMP YES", "dt6": "TIMESTAMP YES", "ts": "TIMESTAMP YES", "d": "DATE YES",
		"tm": "INTERVAL YES", "y": "SMALLINT YES", "name": "VARCHAR YES", "js": "VARCHAR YES",
		"e": "VARCHAR YES", "st": "VARCHAR YES", "bin": "BLOB YES", "bl": "BLOB YES", "bt": "UBIGINT YES",
	} {
		if types[col] != want {
			t.Errorf("column %s: %q, want %q", col, types[col], want)
		}
	}

	// Values, as DuckDB prints them.
	got := queryStrings(t, wh, `SELECT id, amount::VARCHAR, small::VARCHAR, wide::VARCHAR, huge, ub::VARCHAR, sb::VARCHAR,
			ti, uti, umi, f, dbl, dt::VARCHAR, dt6::VARCHAR, ts::VARCHAR, d::VARCHAR, tm::VARCHAR, y,
			name, bad, js, e, st, hex(bin), bl::VARCHAR, bt
		FROM biz.vals ORDER BY id`)
	want := [][]string{
		{"1", "12345678901234.123456", "1234567.89", "1234567890123456789012345678.0123456789",
			"123456789012345678901234567890123456789012345.12345", "18446744073709551615", "-9223372036854775808",
			"-128", "255", "16777215", "1.5", "0.1",
			"2026-11-20 23:59:59", "2026-11-20 23:59:59.123456", "2026-11-20 23:59:59.123456", "2026-11-20",
			"-838:59:59", "2026", "城管 😀 𠀀", "ok", `{"a": 1}`, "b", "x,y", "00FF", "blob", "682"},
		{"2", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
			"NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"3", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
			"NULL", "NULL", "NULL", "NULL", "12:34:56.789", "NULL", "NULL", "a\uFFFDb", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"4", "-0.000001", "-0.50", "NULL", "NULL", "0", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
			"NULL", "1970-01-01 00:00:00.000001", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	cols := []string{"id", "amount", "small", "wide", "huge", "ub", "sb", "ti", "uti", "umi", "f", "dbl",
		"dt", "dt6", "ts", "d", "tm", "y", "name", "bad", "js", "e", "st", "bin", "bl", "bt"}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %s column %s = %q, want %q", want[i][0], cols[j], got[i][j], want[i][j])
			}
		}
	}

	// Keys that differ only by case stay distinct.
	keys := queryStrings(t, wh, `SELECT k, v FROM biz.keys_bin ORDER BY v`)
	if len(keys) != 3 || keys[0][0] != "abc" || keys[1][0] != "ABC" || keys[2][0] != "Abc" ||
		queryInt(t, wh, `SELECT count(DISTINCT k) FROM biz.keys_bin`) != 3 {
		t.Errorf("keys_bin = %q", keys)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.empty_t`); n != 0 {
		t.Errorf("empty_t has %d rows", n)
	}

	// Anomalies: counted per column, with the row's key.
	an := queryStrings(t, wh, `SELECT table_name, column_name, kind, count, example FROM audit.snapshot_anomalies
		WHERE run_id = ? ORDER BY column_name`, run.ID)
	wantAn := [][]string{
		{"vals", "bad", mysqlarrow.AnomalyInvalidUTF8, "1", "id=3: \"a\uFFFDb\""},
		{"vals", "d", mysqlarrow.AnomalyZeroDate, "1", `id=3: "0000-00-00"`},
		{"vals", "dt", mysqlarrow.AnomalyZeroDate, "1", `id=3: "0000-00-00 00:00:00"`},
		{"vals", "dt6", mysqlarrow.AnomalyPartialDate, "1", `id=3: "2021-00-10 08:00:00.000000"`},
	}
	if strings.Join(flatten(an), "|") != strings.Join(flatten(wantAn), "|") {
		t.Errorf("anomalies\n got %q\nwant %q", an, wantAn)
	}

	// Bookkeeping: one ok row per table, counts verified.
	snaps := queryStrings(t, wh, `SELECT table_name, status, rows_loaded, rows_source, read_mode, policy,
			error IS NULL, server_version IS NOT NULL, snapshot_at IS NOT NULL
		FROM audit.snapshots WHERE run_id = ? AND source = 'biz' ORDER BY table_name`, run.ID)
	wantSnaps := [][]string{
		{"empty_t", "ok", "0", "0", ReadModeSnapshotReadOnly, "full", "true", "true", "true"},
		{"keys_bin", "ok", "3", "3", ReadModeSnapshotReadOnly, "full", "true", "true", "true"},
		{"vals", "ok", "4", "4", ReadModeSnapshotReadOnly, "full", "true", "true", "true"},
	}
	if strings.Join(flatten(snaps), "|") != strings.Join(flatten(wantSnaps), "|") {
		t.Errorf("audit.snapshots\n got %q\nwant %q", snaps, wantSnaps)
	}
	// snapshot_at is the server's NOW() in Shanghai wall clock.
	var at sql.NullTime
	if err := wh.DB().QueryRow(`SELECT snapshot_at FROM audit.snapshots WHERE run_id = ? LIMIT 1`, run.ID).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if d := warehouse.FromWall(at.Time).Sub(sr.SnapshotAt); !at.Valid || d < -1e6 || d > 1e6 {
		t.Errorf("snapshot_at %v, report %v", at.Time, sr.SnapshotAt)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'biz' AND table_name LIKE '__stage_%'`); n != 0 {
		t.Errorf("%d staging tables left", n)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

// TestSnapshot_AtomicPublish: a table whose count does not verify fails
// the source, and the previous snapshot of every table of the source stays.
func TestSnapshot_AtomicPublish(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE a (id INT PRIMARY KEY)`, `INSERT INTO a VALUES (1), (2)`,
		`CREATE TABLE b (id INT PRIMARY KEY)`, `INSERT INTO b VALUES (1), (2), (3)`)
	wh := MustOpenWarehouse(t)
	src := []Source{{Name: "stats", DSN: db.DSN, Tables: []string{"a", "b"}}}

	run1 := MustBeginRun(t, wh)
	if _, err := Snapshot(ctx, wh, run1, src, Options{AllowPrimary: true}); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, `INSERT INTO a VALUES (3), (4)`, `INSERT INTO b VALUES (4)`)
	// A staging table left by a killed run is cleaned up.
	if _, err := wh.DB().Exec(`CREATE TABLE stats.__stage_gone (x INT)`); err != nil {
		t.Fatal(err)
	}

	// Second run: lose a row of b between the load and the check.
	run2 := MustBeginRun(t, wh)
	opts := Options{AllowPrimary: true}
	opts.hooks.afterLoad = func(ctx context.Context, conn *sql.Conn, schema, stage string) error {
		if stage != stageName("b") {
			return nil
		}
		_, err := conn.ExecContext(ctx, `DELETE FROM "`+schema+`"."`+stage+`" WHERE id = 1`)
		return err
	}
	rep, err := Snapshot(ctx, wh, run2, src, opts)
	if !errors.Is(err, ErrCountMismatch) {
		t.Fatalf("error %v, want ErrCountMismatch", err)
	}
	if !strings.Contains(err.Error(), "stats.b") || !strings.Contains(err.Error(), "loaded 3 rows") {
		t.Errorf("error %q does not name the table and the counts", err)
	}
	if rep.Sources[0].Published {
		t.Error("source published despite a failed table")
	}
	// a loaded fine (4 rows) but must not be published alone.
	if n := queryInt(t, wh, `SELECT count(*) FROM stats.a`); n != 2 {
		t.Errorf("stats.a has %d rows, want the previous snapshot's 2", n)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM stats.b`); n != 3 {
		t.Errorf("stats.b has %d rows, want the previous snapshot's 3", n)
	}
	// The stray staging table and b's (count mismatch) are gone; a's,
	// fully loaded with its progress committed, stays for a resume.
	if got := queryStrings(t, wh, `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'stats' AND table_name LIKE '__stage_%' ORDER BY 1`); len(got) != 1 || got[0][0] != "__stage_a" {
		t.Errorf("staging tables left: %q, want only __stage_a", got)
	}
	if got := queryStrings(t, wh, `SELECT table_name, rows_done, done FROM audit.snapshot_progress WHERE source = 'stats'`); len(got) != 1 || got[0][0] != "a" || got[0][1] != "4" || got[0][2] != "true" {
		t.Errorf("progress left: %q, want a 4 true", got)
	}
	rows := queryStrings(t, wh, `SELECT table_name, status, rows_loaded, rows_source, error
		FROM audit.snapshots WHERE run_id = ? ORDER BY table_name`, run2.ID)
	if len(rows) != 2 || rows[0][1] != "failed" || rows[1][1] != "failed" ||
		!strings.Contains(rows[0][4], "not published") || !strings.Contains(rows[1][4], "row count mismatch") ||
		rows[1][2] != "3" || rows[1][3] != "4" {
		t.Errorf("audit.snapshots of the failed run = %q", rows)
	}

	// Third run, no interference: the new snapshot replaces the old.
	run3 := MustBeginRun(t, wh)
	if _, err := Snapshot(ctx, wh, run3, src, Options{AllowPrimary: true}); err != nil {
		t.Fatal(err)
	}
	if a, b := queryInt(t, wh, `SELECT count(*) FROM stats.a`), queryInt(t, wh, `SELECT count(*) FROM stats.b`); a != 4 || b != 4 {
		t.Errorf("after run 3: a=%d b=%d rows, want 4 and 4", a, b)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'stats' AND table_name LIKE '__stage_%'`); n != 0 {
		t.Errorf("%d staging tables left after a published run", n)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM audit.snapshot_progress`); n != 0 {
		t.Errorf("%d progress rows left after a published run", n)
	}
}

func TestSnapshot_Errors(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, `CREATE TABLE cases (id INT PRIMARY KEY)`, `INSERT INTO cases VALUES (1)`)
	const secret = "Wr0ng-Pa55word"
	for _, tt := range []struct {
		name      string
		src       Source
		opts      Options
		sentinel  error
		wantText  []string
		wantTable string // audit.snapshots row expected, besides "failed"
	}{
		{"unreachable", Source{Name: "down", DSN: "audit:" + secret + "@tcp(127.0.0.1:1)/biz?timeout=2s"},
			Options{AllowPrimary: true}, ErrSource, []string{"snapshot down:", "127.0.0.1:1"}, "*"},
		{"bad dsn", Source{Name: "bad", DSN: "audit:" + secret + "@tcp(127.0.0.1:3306/biz", Tables: []string{"cases"}},
			Options{AllowPrimary: true}, ErrSource, []string{"snapshot bad:", "parse dsn"}, "cases"},
		{"no database", Source{Name: "nodb", DSN: db.DSNWith(func(c *mysql.Config) { c.DBName = "" })},
			Options{AllowPrimary: true}, ErrSource, []string{"snapshot nodb:", "no database"}, "*"},
		{"wrong password", Source{Name: "biz", DSN: db.DSNWith(func(c *mysql.Config) { c.Passwd = secret })},
			Options{AllowPrimary: true}, ErrSource, []string{"snapshot biz:", "Access denied"}, "*"},
		{"unknown database", Source{Name: "biz", DSN: db.DSNWith(func(c *mysql.Config) { c.DBName = "pa_no_such_db" })},
			Options{AllowPrimary: true}, ErrSource, []string{"snapshot biz:", "pa_no_such_db"}, "*"},
		{"missing table", Source{Name: "biz", DSN: db.DSN, Tables: []string{"cases", "nope"}},
			Options{AllowPrimary: true}, ErrSource, []string{"snapshot biz.nope:", "no base table nope"}, "nope"},
		{"primary refused", Source{Name: "biz", DSN: db.DSN}, Options{}, ErrSource,
			[]string{"snapshot biz:", "@@read_only = 0"}, "*"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wh := MustOpenWarehouse(t)
			run := MustBeginRun(t, wh)
			rep, err := Snapshot(ctx, wh, run, []Source{tt.src}, tt.opts)
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tt.sentinel)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(rep.Sources[0].Err.Error(), secret) {
				t.Errorf("error %q shows the password", err)
			}
			if rep.Sources[0].Published {
				t.Error("published")
			}
			if n := queryInt(t, wh, `SELECT count(*) FROM audit.snapshots WHERE run_id = ? AND table_name = ? AND status = 'failed'`,
				run.ID, tt.wantTable); n != 1 {
				t.Errorf("no failed audit.snapshots row for table %q", tt.wantTable)
			}
			if n := queryInt(t, wh, `SELECT count(*) FROM audit.snapshots WHERE error LIKE ?`, "%"+secret+"%"); n != 0 {
				t.Error("audit.snapshots shows the password")
			}
			if n := queryInt(t, wh, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = ?`, tt.src.Name); n != 0 {
				t.Errorf("%d tables in schema %s after a failure", n, tt.src.Name)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestSnapshot_NextSourceGoesOn: one failing source does not stop the next.
func TestSnapshot_NextSourceGoesOn(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, `CREATE TABLE cases (id INT PRIMARY KEY)`, `INSERT INTO cases VALUES (1)`)
	wh := MustOpenWarehouse(t)
	run := MustBeginRun(t, wh)
	rep, err := Snapshot(ctx, wh, run, []Source{
		{Name: "down", DSN: "audit:x@tcp(127.0.0.1:1)/biz?timeout=2s"},
		{Name: "biz", DSN: db.DSN},
	}, Options{AllowPrimary: true})
	if !errors.Is(err, ErrSource) || !strings.Contains(err.Error(), "snapshot down") {
		t.Errorf("error %v", err)
	}
	if rep.Sources[0].Published || !rep.Sources[1].Published {
		t.Errorf("published: down=%v biz=%v", rep.Sources[0].Published, rep.Sources[1].Published)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.cases`); n != 1 {
		t.Errorf("biz.cases has %d rows", n)
	}
}

// TestSnapshot_PermissionDenied needs a user that may grant privileges.
func TestSnapshot_PermissionDenied(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, `CREATE TABLE open_t (id INT PRIMARY KEY)`, `CREATE TABLE closed_t (id INT PRIMARY KEY)`)
	user := "pa_" + strings.TrimPrefix(db.Name, "pa_snapshot_")
	if len(user) > 32 {
		user = user[:32]
	}
	if _, err := db.Admin.Exec(`CREATE USER '` + user + `'@'%' IDENTIFIED BY 'limited'`); err != nil {
		t.Skipf("cannot create a user to test permissions: %v", err)
	}
	t.Cleanup(func() { _, _ = db.Admin.Exec(`DROP USER '` + user + `'@'%'`) })
	for _, q := range []string{
		`GRANT SELECT ON ` + db.Name + `.open_t TO '` + user + `'@'%'`,
		`GRANT INSERT ON ` + db.Name + `.closed_t TO '` + user + `'@'%'`,
	} {
		if _, err := db.Admin.Exec(q); err != nil {
			t.Skipf("cannot grant privileges to test permissions: %v", err)
		}
	}
	dsn := db.DSNWith(func(c *mysql.Config) { c.User, c.Passwd = user, "limited" })
	wh := MustOpenWarehouse(t)
	run := MustBeginRun(t, wh)
	_, err := Snapshot(ctx, wh, run, []Source{{Name: "biz", DSN: dsn, Tables: []string{"open_t", "closed_t"}}}, Options{AllowPrimary: true})
	if !errors.Is(err, ErrSource) || !strings.Contains(err.Error(), "snapshot biz.closed_t") || !strings.Contains(err.Error(), "denied") {
		t.Errorf("error %v, want permission denied on biz.closed_t wrapping ErrSource", err)
	}
	t.Logf("error: %v", err)
}

// TestSource_WriteFails proves the snapshot transaction cannot write.
func TestSource_WriteFails(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, `CREATE TABLE cases (id INT PRIMARY KEY)`)
	ms, err := openSource(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer ms.close()
	mode, err := ms.begin(ctx, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ms.conn.ExecContext(ctx, `INSERT INTO cases VALUES (1)`); err == nil {
		t.Fatalf("insert in a %q transaction succeeded", mode)
	} else {
		t.Logf("write refused (%s): %v", mode, err)
	}
}

// TestSnapshot_Cancelled: a run interrupted between two tables publishes
// nothing, keeps the previous snapshot and still records the failure.
func TestSnapshot_Cancelled(t *testing.T) {
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE a (id INT PRIMARY KEY)`, `INSERT INTO a VALUES (1)`,
		`CREATE TABLE b (id INT PRIMARY KEY)`, `INSERT INTO b VALUES (1)`)
	wh := MustOpenWarehouse(t)
	src := []Source{{Name: "biz", DSN: db.DSN}}
	if _, err := Snapshot(context.Background(), wh, MustBeginRun(t, wh), src, Options{AllowPrimary: true}); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, `INSERT INTO a VALUES (2)`)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := MustBeginRun(t, wh)
	_, err := Snapshot(ctx, wh, run, src, Options{AllowPrimary: true,
		Progress: func(source, table string, rows int64) { cancel() }, // after table a
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrSource) {
		t.Errorf("error %v blames the source for an interruption", err)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.a`); n != 1 {
		t.Errorf("biz.a has %d rows, want the previous snapshot's 1", n)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM audit.snapshots WHERE run_id = ? AND status = 'failed'`, run.ID); n != 2 {
		t.Errorf("%d failed rows recorded, want 2", n)
	}
	t.Logf("error: %v", err)
}
