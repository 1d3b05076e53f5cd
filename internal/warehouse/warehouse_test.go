package warehouse_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MustOpen opens a warehouse in a temporary directory, closed at cleanup.
func MustOpen(tb testing.TB, opts warehouse.Options) *warehouse.Warehouse {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "sub", "warehouse.duckdb")
	wh, err := warehouse.OpenWith(context.Background(), path, opts)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() {
		if err := wh.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return wh
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "w.duckdb")
	wh, err := warehouse.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := wh.Path(), path; got != want {
		t.Errorf("Path() = %q, want %q", got, want)
	}
	var n int
	if err := wh.DB().QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'audit'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 6 {
		t.Errorf("audit schema has %d tables, want at least 6", n)
	}
	var tz string
	if err := wh.DB().QueryRowContext(ctx, `SELECT current_setting('TimeZone')`).Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "Asia/Shanghai" {
		t.Errorf("TimeZone = %q, want Asia/Shanghai", tz)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening applies the DDL again: it must be idempotent.
	wh, err = warehouse.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_EmptyPath(t *testing.T) {
	if _, err := warehouse.Open(context.Background(), ""); err == nil {
		t.Fatal("want an error")
	}
}

func TestIsLockError(t *testing.T) {
	for _, tt := range []struct {
		msg  string
		want bool
	}{
		{`IO Error: Could not set lock on file "/w/warehouse.duckdb": Conflicting lock is held in /usr/bin/pushaudit (PID 4242) by user audit. See also https://duckdb.org/docs/stable/connect/concurrency`, true},
		{`IO Error: Conflicting lock is held in /usr/bin/duckdb (PID 7)`, true},
		{`IO Error: Cannot open file "/w/warehouse.duckdb": Permission denied`, false},
		{`Catalog Error: Table with name x does not exist!`, false},
	} {
		if got := warehouse.IsLockError(errors.New(tt.msg)); got != tt.want {
			t.Errorf("IsLockError(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
	if warehouse.IsLockError(nil) {
		t.Error("IsLockError(nil) = true")
	}
}

// TestOpen_Locked holds the warehouse in a child process (this test binary
// running TestHelperHoldWarehouse) and opens it here.
func TestOpen_Locked(t *testing.T) {
	if os.Getenv("PUSHAUDIT_HOLD_WAREHOUSE") != "" {
		t.Skip("in the helper process")
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldWarehouse$")
	cmd.Env = append(os.Environ(), "PUSHAUDIT_HOLD_WAREHOUSE="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "holding" {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("helper ended without holding the warehouse: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("helper did not open the warehouse within 30s")
	}

	wh, err := warehouse.Open(context.Background(), path)
	if err == nil {
		_ = wh.Close()
		t.Fatal("opened a warehouse held by another process")
	}
	if !errors.Is(err, warehouse.ErrLocked) {
		t.Fatalf("error %v does not wrap ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	t.Logf("locked: %v", err)

	// Waiting, bounded: the holder is named, then ErrLocked after the wait.
	var told []string
	_, err = warehouse.OpenWith(context.Background(), path, warehouse.Options{Wait: 300 * time.Millisecond,
		OnWait: func(holder string, wait time.Duration) { told = append(told, holder) }})
	if !errors.Is(err, warehouse.ErrLocked) || !strings.Contains(err.Error(), "waited 300ms") {
		t.Errorf("after waiting: error %v, want ErrLocked saying it waited 300ms", err)
	}
	if len(told) != 1 || !strings.Contains(told[0], fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Errorf("OnWait told %q, want once the holder's pid %d", told, cmd.Process.Pid)
	}
	// The holder lets go while a command waits: it opens.
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = stdin.Close()
	}()
	wh, err = warehouse.OpenWith(context.Background(), path, warehouse.Options{Wait: time.Minute})
	if err != nil {
		t.Fatalf("open after the holder let go: %v", err)
	}
	_ = wh.Close()
}

func TestLockServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	l, err := warehouse.LockServe(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetRun("snapshot:biz"); err != nil {
		t.Fatal(err)
	}
	_, err = warehouse.LockServe(path)
	if !errors.Is(err, warehouse.ErrServeRunning) {
		t.Fatalf("second lock: error %v, want ErrServeRunning", err)
	}
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "running snapshot:biz") {
		t.Errorf("second lock: error %q does not name the holder (%s) and its run", err, want)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := warehouse.LockServe(path)
	if err != nil {
		t.Fatalf("lock after the first was released: %v", err)
	}
	_ = l2.Close()
}

func TestHelperHoldWarehouse(t *testing.T) {
	path := os.Getenv("PUSHAUDIT_HOLD_WAREHOUSE")
	if path == "" {
		t.Skip("helper process of TestOpen_Locked")
	}
	wh, err := warehouse.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	fmt.Println("holding")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
}

func TestWall(t *testing.T) {
	sh := time.Date(2026, 11, 20, 23, 59, 59, 123456789, pipelines.Shanghai)
	w := warehouse.Wall(sh)
	if got, want := w, time.Date(2026, 11, 20, 23, 59, 59, 123456000, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Wall = %v, want %v", got, want)
	}
	// The same instant given in UTC has the same wall clock in Shanghai.
	if got := warehouse.Wall(sh.UTC()); !got.Equal(w) {
		t.Errorf("Wall(UTC) = %v, want %v", got, w)
	}
	back := warehouse.FromWall(w)
	if !back.Equal(sh.Truncate(time.Microsecond)) {
		t.Errorf("FromWall = %v, want %v", back, sh)
	}
	if back.Location() != pipelines.Shanghai {
		t.Errorf("FromWall location = %v", back.Location())
	}
	if !warehouse.Wall(time.Time{}).IsZero() || !warehouse.FromWall(time.Time{}).IsZero() {
		t.Error("zero time not kept")
	}
}

// TestWall_DuckDB pins what duckdb-go does with time.Time and TIMESTAMP, the
// reason for Timestamp, Wall and FromWall.
func TestWall_DuckDB(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	sh := time.Date(2026, 11, 20, 23, 59, 59, 123456000, pipelines.Shanghai)
	const want = "2026-11-20 23:59:59.123456"
	mustExec(t, db, `CREATE TABLE t (k VARCHAR, ts TIMESTAMP, tz TIMESTAMPTZ)`)
	mustExec(t, db, `INSERT INTO t VALUES ('raw', ?, ?), ('typed', ?, ?)`, sh, sh, warehouse.Timestamp(sh), sh)

	text := func(q string, args ...any) string {
		t.Helper()
		var s string
		if err := db.QueryRowContext(ctx, q, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	// A zoned time.Time bound to a TIMESTAMP parameter lands as its UTC wall
	// clock: shifted by 8 hours. If this starts failing, duckdb-go changed
	// and the package doc must follow.
	if got := text(`SELECT ts::VARCHAR FROM t WHERE k = 'raw'`); got != "2026-11-20 15:59:59.123456" {
		t.Errorf("raw time.Time stored as %s, want the UTC wall clock", got)
	}
	if got := text(`SELECT ts::VARCHAR FROM t WHERE k = 'typed'`); got != want {
		t.Errorf("Timestamp stored as %s, want %s", got, want)
	}
	// Timestamp is right in positions where the type is inferred and where
	// it is not; Wall only in the first kind.
	for _, q := range []string{
		`SELECT CAST(? AS TIMESTAMP)::VARCHAR`,
		`SELECT x::VARCHAR FROM (VALUES (?)) v(x)`,
		`SELECT ?::VARCHAR`,
		`SELECT ts::VARCHAR FROM t WHERE k = 'typed' AND ts = ?`,
		`SELECT ts::VARCHAR FROM t WHERE k = 'typed' AND tz = ?`,
	} {
		if got := text(q, warehouse.Timestamp(sh)); got != want {
			t.Errorf("%s with Timestamp = %s, want %s", q, got, want)
		}
	}
	if got := text(`SELECT ts::VARCHAR FROM t WHERE k = 'typed' AND ts = ?`, warehouse.Wall(sh)); got != want {
		t.Errorf("WHERE ts = Wall(t) = %s, want %s", got, want)
	}
	if got := text(`SELECT CAST(? AS TIMESTAMP)::VARCHAR`, warehouse.Wall(sh)); got == want {
		t.Errorf("CAST(Wall(t)) is right now (%s): duckdb-go changed, update the package doc", got)
	}
	if got := text(`SELECT coalesce(CAST(? AS TIMESTAMP)::VARCHAR, 'null')`, warehouse.Timestamp(time.Time{})); got != "null" {
		t.Errorf("Timestamp(zero) = %s, want NULL", got)
	}

	var scanned time.Time
	if err := db.QueryRowContext(ctx, `SELECT ts FROM t WHERE k = 'typed'`).Scan(&scanned); err != nil {
		t.Fatal(err)
	}
	if scanned.Location() != time.UTC || scanned.Hour() != 23 {
		t.Errorf("scanned %v, want wall clock 23:59 in UTC", scanned)
	}
	if got := warehouse.FromWall(scanned); !got.Equal(sh) {
		t.Errorf("FromWall(scanned) = %v, want %v", got, sh)
	}
	// now()::TIMESTAMP is Shanghai wall clock on warehouse connections.
	var now time.Time
	if err := db.QueryRowContext(ctx, `SELECT now()::TIMESTAMP`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(warehouse.FromWall(now)); d < -time.Minute || d > time.Minute {
		t.Errorf("now()::TIMESTAMP read as %v, %v away from now", warehouse.FromWall(now), d)
	}
}

func mustExec(tb testing.TB, db *sql.DB, q string, args ...any) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}
