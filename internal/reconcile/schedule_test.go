package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestSchedules_OverrideReachesEveryCheck: the config's schedules: key is
// read once (config.ScheduleSet) and reaches every check that has a
// deadline: a daily resource's reconcile verdict, explain's recomputation
// of the same window, and the business-vs-statistics check.
func TestSchedules_OverrideReachesEveryCheck(t *testing.T) {
	ctx := context.Background()
	db := mustOpenWarehouse(t, append(exchangeDDL(),
		"CREATE TABLE fe_t.d (fe_row_id BIGINT, id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)",
		"INSERT INTO biz.cases VALUES (1, TIMESTAMP '2026-11-20 10:00:00')",
		// the window [11-19 23:00, 11-20 23:00) pushed whole at 01:30 on 11-21.
		`INSERT INTO exchange.push_log VALUES (1, 't', 'd', TIMESTAMP '2026-11-19 23:00:00', TIMESTAMP '2026-11-20 23:00:00',
		   'b1', 1, 'success', NULL, TIMESTAMP '2026-11-21 01:29:00', TIMESTAMP '2026-11-21 01:30:00')`,
		"INSERT INTO fe_t.d VALUES (1, 1, 'b1', TIMESTAMP '2026-11-21 01:30:00')",
	)...)
	// no snapshot of stats: its check is unverifiable once due.
	mustSnapshotted(t, db, "2026-11-21 02:00:00", "biz", "exchange", "fe_t")
	cat := caseIDsCatalog("d", pipelines.DailyAfter2300)
	cat.StatsCounters = []pipelines.StatsCounter{{Name: "report_cnt", Expr: "1"}}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	day, now := sh(2026, 11, 20, 0, 0), sh(2026, 11, 21, 3, 0)
	daily := sh(2026, 11, 19, 23, 0)
	tests := []struct {
		name, yaml    string
		dailyDeadline time.Time
		daily, stats  pipelines.Status
	}{
		// due 06:00 on 11-21: pushed at 01:30, in time; the statistics of
		// 11-20 are not due before 07:00.
		{"defaults", "", sh(2026, 11, 21, 6, 0), pipelines.StatusOK, pipelines.StatusPending},
		// due an hour after the window end: late; the statistics are due at
		// 01:00 and stats has no snapshot.
		{"daily deadline 1h", "schedules:\n  daily_after_2300: {deadline_after: 1h}\n",
			sh(2026, 11, 21, 0, 0), pipelines.StatusLate, pipelines.StatusUnverifiable},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse(strings.NewReader(tc.yaml), "test.yaml", "")
			if err != nil {
				t.Fatal(err)
			}
			o := Options{From: day, To: day, Now: now, RunID: "run-" + string(rune('a'+i)), Schedules: c.ScheduleSet()}
			rs, err := New(db, cat).Run(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*Result{}
			for _, x := range rs {
				got[x.Target+"/"+x.Resource+" "+x.Window.Start.Format("01-02 15:04")] = x
			}
			if x := got["t/d 11-19 23:00"]; x == nil {
				t.Errorf("reconcile: no result for t/d 11-19 23:00 in %v", got)
			} else if x.Status != tc.daily || !x.Deadline.Equal(tc.dailyDeadline) {
				t.Errorf("reconcile: t/d %s, deadline %s; want %s, %s", x.Status, x.Deadline, tc.daily, tc.dailyDeadline)
			}
			for _, res := range []string{pipelines.StatsResource, pipelines.StatsDailyResource} {
				if x := got["stats/"+res+" 11-20 00:00"]; x == nil {
					t.Errorf("statistics check: no result for %s of 11-20", res)
				} else if x.Status != tc.stats {
					t.Errorf("statistics check: %s %s, want %s", res, x.Status, tc.stats)
				}
			}
			e, err := New(db, cat).Explain(ctx, Options{Now: now, Schedules: c.ScheduleSet()}, "t", "d", daily)
			if err != nil {
				t.Fatal(err)
			}
			if e.Result.Status != tc.daily || !e.Result.Deadline.Equal(tc.dailyDeadline) {
				t.Errorf("explain: t/d %s, deadline %s; want %s, %s", e.Result.Status, e.Result.Deadline, tc.daily, tc.dailyDeadline)
			}
			e, err = New(db, cat).Explain(ctx, Options{Now: now, Schedules: c.ScheduleSet()}, pipelines.StatsTarget, pipelines.StatsResource, day)
			if err != nil {
				t.Fatal(err)
			}
			if e.Result.Status != tc.stats {
				t.Errorf("explain: stats %s, want %s", e.Result.Status, tc.stats)
			}
		})
	}
}
