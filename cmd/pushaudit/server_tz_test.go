package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestSnapshot_ServerTimeZone: a server whose own time zone is not the
// config's (UTC-5 here, against Asia/Shanghai). DATETIME columns are wall
// clock and arrive as they are; TIMESTAMP columns and the snapshot time
// (NOW()) are read in +08:00 whatever the server's zone, so the windows
// the reconciliation cuts are the Shanghai day's, across midnight too.
func TestSnapshot_ServerTimeZone(t *testing.T) {
	t.Parallel()
	srv := mustPrivateMariaDB(t)
	db, err := sql.Open("mysql", srv.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustExec(t, db, "SET GLOBAL time_zone = '-05:00'")
	// A new connection sees the global zone: the rows are written in it.
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		"SET time_zone = '-05:00'",
		"CREATE DATABASE tz",
		"CREATE TABLE tz.t (id INT PRIMARY KEY, dt DATETIME(3), ts TIMESTAMP(3) NULL)",
		// 2026-11-20 11:30 at UTC-5 is 2026-11-21 00:30 in Shanghai: the
		// TIMESTAMP crosses midnight, the DATETIME stays as written.
		"INSERT INTO tz.t VALUES (1, '2026-11-20 23:59:59.999', '2026-11-20 11:30:00.250'), (2, '2028-02-29 00:00:00', '2028-02-28 11:00:00')",
	} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("pushaudit\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
snapshot: {allow_primary: true}
mysql: {addr: "%s", user: pushaudit, password_file: pw}
sources:
  tz: {database: tz}
`, srv.addr()))
	before := time.Now()
	MustRunMain(t, exitOK, "--config", conf, "snapshot")
	after := time.Now()
	wh, err := warehouse.Open(t.Context(), filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var got string
	if err := wh.DB().QueryRow(`SELECT string_agg(strftime(dt, '%Y-%m-%d %H:%M:%S.%g') || ' ' || strftime(ts, '%Y-%m-%d %H:%M:%S.%g'), ' | ' ORDER BY id) FROM tz.t`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	want := "2026-11-20 23:59:59.999 2026-11-21 00:30:00.250 | 2028-02-29 00:00:00.000 2028-02-29 00:00:00.000"
	if got != want {
		t.Errorf("rows from a UTC-5 server:\n got %s\nwant %s", got, want)
	}
	// The snapshot time is the server's NOW() in Shanghai wall clock.
	var at sql.NullTime
	if err := wh.DB().QueryRow(`SELECT max(snapshot_at) FROM audit.snapshots WHERE source = 'tz'`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	// NullTime reads the warehouse's wall clock as Asia/Shanghai: the
	// instant must be the run's.
	if a := warehouse.NullTime(at); a.Before(before.Add(-2*time.Second)) || a.After(after.Add(2*time.Second)) {
		t.Errorf("snapshot_at %s is not the time of the run (%s..%s)", a, before, after)
	}
}
