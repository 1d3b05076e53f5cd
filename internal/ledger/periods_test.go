package ledger_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Hand-made runs and results: the daily checks per day and run, and the
// monthly volumes of the latest results.
func TestResults_DailyChecksAndVolumes(t *testing.T) {
	ctx := context.Background()
	wh := MustOpen(t, sh(30, 0, 0))
	db := wh.DB()
	if _, err := db.Exec(`
INSERT INTO audit.runs (run_id, command, started_at, finished_at, status) VALUES
 ('r1', 'reconcile', '2026-11-21 00:10:00', '2026-11-21 00:12:00', 'findings'),
 ('r2', 'reconcile', '2026-11-25 10:00:00', '2026-11-25 10:05:00', 'ok'),
 ('r3', 'reconcile', '2026-11-25 11:00:00', NULL, 'running'),
 ('r4', 'report', '2026-11-21 07:30:00', '2026-11-21 07:31:00', 'ok');
INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received) VALUES
 -- the 20th, first judged by r1 (missed, ok, one excess), re-judged by r2 (ok)
 ('r1', 't', 'a', '2026-11-20 23:40:00', '2026-11-20 23:50:00', '2026-11-21 00:00:00', 'missed', 100, 100, 0),
 ('r1', 't', 'a', '2026-11-20 23:50:00', '2026-11-21 00:00:00', '2026-11-21 00:10:00', 'ok', 50, 50, 50),
 ('r1', 't', 'b', '2026-11-20 23:50:00', '2026-11-21 00:00:00', '2026-11-21 00:10:00', 'excess', 10, 12, 12),
 ('r2', 't', 'a', '2026-11-20 23:40:00', '2026-11-20 23:50:00', '2026-11-21 00:00:00', 'ok', 100, 100, 100),
 -- the 21st (window ending after midnight): pending, unverifiable
 ('r1', 't', 'a', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'pending', NULL, NULL, NULL),
 ('r2', 't', 'b', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'unverifiable', 7, NULL, NULL),
 -- a run still running does not count
 ('r3', 't', 'a', '2026-11-20 23:50:00', '2026-11-21 00:00:00', '2026-11-21 00:10:00', 'short', 50, 50, 10),
 -- December
 ('r2', 't', 'a', '2026-11-30 23:50:00', '2026-12-01 00:00:00', '2026-12-01 00:10:00', 'short', 30, 30, 20),
 ('r2', 't', 'a', '2026-12-01 00:00:00', '2026-12-01 00:10:00', '2026-12-01 00:20:00', 'late', 30, 30, 30)`); err != nil {
		t.Fatal(err)
	}
	rs := ledger.NewResults(db)
	checks, err := rs.DailyChecks(ctx, ledger.Span{From: sh(20, 0, 0), To: sh(22, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	brief := map[string][]string{}
	for day, cs := range checks {
		for _, c := range cs {
			brief[day] = append(brief[day], c.RunID)
			if c.Finished.Location() != pipelines.Shanghai {
				t.Errorf("%s %s: finished %v, want Asia/Shanghai", day, c.RunID, c.Finished)
			}
		}
	}
	if want := map[string][]string{"2026-11-20": {"r1", "r2"}, "2026-11-21": {"r1", "r2"}}; !reflect.DeepEqual(brief, want) {
		t.Errorf("DailyChecks runs = %v, want %v", brief, want)
	}
	if c := checks["2026-11-20"][0]; c.Windows != 3 || c.OK != 1 || c.Missed != 1 || c.Other != 1 || c.Problems() != 2 || !c.Finished.Equal(sh(21, 0, 12)) {
		t.Errorf("r1 on the 20th = %+v", c)
	}
	if c := checks["2026-11-21"][1]; c.Windows != 1 || c.Unverifiable != 1 {
		t.Errorf("r2 on the 21st = %+v", c)
	}

	vols, err := rs.MonthlyVolumes(ctx, ledger.Span{From: sh(1, 0, 0), To: sh(1, 0, 0).AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	type v struct {
		res, month                  string
		due, complete, unver        int
		exp, claim, recv, delivered int64
	}
	var got []v
	for _, x := range vols {
		got = append(got, v{x.Resource, x.Month.Format("2006-01"), x.WindowsDue, x.WindowsComplete, x.WindowsUnverifiable,
			x.RowsExpected, x.RowsClaimed, x.RowsReceived, x.RowsDelivered})
	}
	// a: latest 23:40 ok (r2: 100), 23:50 ok (r1: r3 still runs), 00:00
	// pending, 30th short 20 of 30; December's window ends in December. b: excess 12 of 10 (delivered 10),
	// unverifiable left out of the rows.
	want := []v{
		{"a", "2026-11", 3, 2, 0, 180, 180, 170, 170},
		{"b", "2026-11", 2, 0, 1, 10, 12, 12, 10},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MonthlyVolumes =\n%+v\nwant\n%+v", got, want)
	}

	// The same rule over the latest results summed up once into a
	// temporary table of one connection (as the operations report does).
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE latest_nov AS SELECT * FROM audit.latest_daily(?, ?)`,
		warehouse.Timestamp(sh(1, 0, 0)), warehouse.Timestamp(sh(1, 0, 0).AddDate(0, 1, 0))); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.NewResults(conn).VolumesOf(ctx, `latest_nov; DROP TABLE audit.results`); err == nil {
		t.Error("VolumesOf takes a name that is not plain")
	}
	of, err := ledger.NewResults(conn).VolumesOf(ctx, "latest_nov")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(of, vols) {
		t.Errorf("VolumesOf =\n%+v\nwant MonthlyVolumes'\n%+v", of, vols)
	}
}
