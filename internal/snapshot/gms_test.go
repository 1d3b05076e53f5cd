package snapshot

import (
	"context"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlserver"
)

// TestSnapshot_GoMySQLServer runs a snapshot against the in-process
// go-mysql-server of the demo: it rejects the combined START TRANSACTION
// form, so this covers the session read-only mode. It needs no MariaDB.
func TestSnapshot_GoMySQLServer(t *testing.T) {
	ctx := context.Background()
	srv, err := mysqlserver.Start(ctx, mysqlserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // after the database is dropped
	t.Setenv("PUSHAUDIT_MYSQL_DSN", srv.DSN())
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE c (id BIGINT UNSIGNED PRIMARY KEY, amount DECIMAL(20,6), dt DATETIME(6), ts TIMESTAMP,
			d DATE, tm TIME, name VARCHAR(20), b BIT(10), y YEAR)`,
		`INSERT INTO c VALUES (18446744073709551615, 12345678901234.123456, '2026-11-20 23:59:59.123456',
			'2026-11-20 23:59:59', '2026-11-20', '-838:59:59', '城管 😀 𠀀', b'1010101010', 2026),
			(1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	wh := MustOpenWarehouse(t)
	run := MustBeginRun(t, wh)
	rep, err := Snapshot(ctx, wh, run, []Source{{Name: "biz", DSN: db.DSN}}, Options{AllowPrimary: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Sources[0].ReadMode; got != ReadModeSnapshotSessionReadOnly {
		t.Errorf("read mode %q, want %q", got, ReadModeSnapshotSessionReadOnly)
	}
	got := queryStrings(t, wh, `SELECT id::VARCHAR, amount::VARCHAR, dt::VARCHAR, ts::VARCHAR, d::VARCHAR,
		tm::VARCHAR, name, b, y FROM biz.c ORDER BY id`)
	want := [][]string{
		{"1", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"18446744073709551615", "12345678901234.123456", "2026-11-20 23:59:59.123456", "2026-11-20 23:59:59",
			"2026-11-20", "-838:59:59", "城管 😀 𠀀", "682", "2026"},
	}
	if strings.Join(flatten(got), "|") != strings.Join(flatten(want), "|") {
		t.Errorf("values\n got %q\nwant %q", got, want)
	}
}
