package warehouse_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func shTime(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, pipelines.Shanghai) }

func TestWallMicros(t *testing.T) {
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	mustExec(t, db, `CREATE TABLE t (i INTEGER, ts TIMESTAMP)`)
	// 23:59:30.000123 in Shanghai, given in UTC; the zero time is NULL.
	at := shTime(20, 23, 59).Add(30*time.Second + 123*time.Microsecond)
	list := []int64{warehouse.WallMicros(at.UTC()), warehouse.WallMicros(time.Time{})}
	if _, err := db.Exec(`INSERT INTO t SELECT unnest(?), `+warehouse.UnnestTimestamps(), []int64{1, 2}, list); err != nil {
		t.Fatal(err)
	}
	var text string
	var got, null sql.NullTime
	if err := db.QueryRow(`SELECT strftime(ts, '%Y-%m-%d %H:%M:%S.%f'), ts, (SELECT ts FROM t WHERE i = 2) FROM t WHERE i = 1`).Scan(&text, &got, &null); err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-20 23:59:30.000123"; text != want {
		t.Errorf("stored %s, want the Shanghai wall clock %s", text, want)
	}
	if r := warehouse.NullTime(got); !r.Equal(at) || r.Location() != pipelines.Shanghai {
		t.Errorf("read back %v, want %v in Asia/Shanghai", r, at)
	}
	if null.Valid || !warehouse.NullTime(null).IsZero() {
		t.Errorf("zero time stored as %v, want NULL", null)
	}
}

func TestView_TrustedSources(t *testing.T) {
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	mustExec(t, db, `INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, replica_lag_s, snapshot_at) VALUES
 -- biz: the latest run failed one table: not trusted, though an earlier run was ok.
 ('r1', 'biz', 'cases', 'full', 1, '2026-11-20 10:00:00', 'ok', NULL, '2026-11-20 10:00:00'),
 ('r2', 'biz', 'cases', 'full', 1, '2026-11-20 11:00:00', 'ok', NULL, '2026-11-20 11:00:00'),
 ('r2', 'biz', 'grids', 'full', 1, '2026-11-20 11:00:00', 'failed', NULL, '2026-11-20 11:00:00'),
 -- stats: the latest run is ok, on a replica 1 h behind.
 ('r1', 'stats', 'case_eval', 'full', 1, '2026-11-20 10:00:00', 'failed', NULL, '2026-11-20 10:00:00'),
 ('r2', 'stats', 'case_eval', 'full', 1, '2026-11-20 11:00:00', 'ok', 3600, '2026-11-20 11:00:00')`)
	got, err := warehouse.TimesByName(context.Background(), db, `SELECT source, complete_to FROM audit.trusted_sources`)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]time.Time{"stats": shTime(20, 10, 0)}; !reflect.DeepEqual(got, want) {
		t.Errorf("trusted sources = %v, want %v", got, want)
	}
}

func TestMacro_LatestResults(t *testing.T) {
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	mustExec(t, db, `INSERT INTO audit.runs (run_id, command, started_at, status) VALUES
 ('a', 'reconcile', '2026-11-21 01:00:00', 'ok'),
 ('b', 'reconcile', '2026-11-21 02:00:00', 'findings'),
 ('c', 'reconcile', '2026-11-21 03:00:00', 'running')`)
	mustExec(t, db, `INSERT INTO audit.results (run_id, target, resource, window_start, window_end, status) VALUES
 ('a', 't', 'r', '2026-11-20 23:50:00', '2026-11-21 00:00:00', 'missed'),
 ('b', 't', 'r', '2026-11-20 23:50:00', '2026-11-21 00:00:00', 'ok'),
 ('c', 't', 'r', '2026-11-20 23:50:00', '2026-11-21 00:00:00', 'failed'),
 ('a', 't', 'r', '2026-11-20 00:00:00', '2026-11-20 00:10:00', 'ok'),
 ('zz', 't', 'r', '2026-11-19 23:50:00', '2026-11-20 00:00:00', 'short')`)
	rows, err := db.Query(`SELECT run_id, status, strftime(day, '%Y-%m-%d') FROM audit.latest_results(?, ?) ORDER BY window_start`,
		warehouse.Timestamp(shTime(20, 0, 0)), warehouse.Timestamp(shTime(21, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var run, status, day string
		if err := rows.Scan(&run, &status, &day); err != nil {
			t.Fatal(err)
		}
		got = append(got, run+" "+status+" "+day)
	}
	// the window ending at 00:00 of the 20th is the 19th's; of the three
	// runs of the last window, b is the latest not running.
	if want := []string{"a ok 2026-11-20", "b ok 2026-11-20"}; !reflect.DeepEqual(got, want) {
		t.Errorf("latest_results of the 20th = %v, want %v", got, want)
	}
}
