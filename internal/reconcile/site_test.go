package reconcile

// The site conventions that need no warehouse: rows crossing a window
// boundary, and the windows outside the evidence.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestMatchAcrossBoundaries(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, pipelines.Shanghai) }
	mk := func(start time.Time, expected, received, claimed int64, fin time.Time, keys ...keyRow) *Result {
		w := pipelines.Window{Start: start, End: start.Add(10 * time.Minute)}
		x := &Result{Window: w, Deadline: w.End.Add(10 * time.Minute)}
		x.Facts = pipelines.Facts{Mode: pipelines.ModeRows, Deadline: x.Deadline, Now: at(23, 0), Expected: expected, Received: received,
			Claimed: claimed, Batches: 1, Succeeded: 1, LastFinish: fin}
		for _, k := range keys {
			x.addKey(k)
		}
		return x
	}
	missing := func(k string) keyRow { return keyRow{kind: "missing", key: k, occ: 1} }
	extra := func(k string) keyRow { return keyRow{kind: "extra", key: k, occ: 1} }

	t.Run("moved to the next batch, arriving after the deadline", func(t *testing.T) {
		rs := []*Result{
			mk(at(10, 0), 3, 2, 2, at(10, 10), missing("7")),
			mk(at(10, 10), 2, 3, 3, at(10, 21), extra("7")),
			mk(at(10, 20), 1, 1, 1, at(10, 31)),
		}
		matchAcrossBoundaries(rs)
		for _, x := range rs {
			x.judge(&defaultLevels)
		}
		if got := rs[0].Status; got != pipelines.StatusLate {
			t.Errorf("window of the row: %s (%+v), want late (its row came with a batch finished 10:21, deadline 10:20)", got, rs[0].Facts)
		}
		if !strings.Contains(rs[0].Detail, "1 条跨窗口边界") {
			t.Errorf("detail %q", rs[0].Detail)
		}
		if got := rs[1].Status; got != pipelines.StatusOK {
			t.Errorf("window whose batch carried it: %s (%+v), want ok", got, rs[1].Facts)
		}
		if len(rs[0].keys) != 0 || len(rs[1].keys) != 0 {
			t.Errorf("keys left: %v %v", rs[0].keys, rs[1].keys)
		}
	})
	t.Run("moved to the previous batch, on time", func(t *testing.T) {
		rs := []*Result{
			mk(at(10, 0), 1, 2, 2, at(10, 11), extra("9")),
			mk(at(10, 10), 2, 1, 1, at(10, 21), missing("9")),
		}
		matchAcrossBoundaries(rs)
		for _, x := range rs {
			x.judge(&defaultLevels)
		}
		if rs[0].Status != pipelines.StatusOK || rs[1].Status != pipelines.StatusOK {
			t.Errorf("%s %s, want ok ok", rs[0].Status, rs[1].Status)
		}
	})
	t.Run("a key missing here and extra two windows away is not matched", func(t *testing.T) {
		rs := []*Result{
			mk(at(10, 0), 3, 2, 2, at(10, 10), missing("7")),
			mk(at(10, 10), 1, 1, 1, at(10, 21)),
			mk(at(10, 20), 1, 2, 2, at(10, 31), extra("7")),
		}
		matchAcrossBoundaries(rs)
		for _, x := range rs {
			x.judge(&defaultLevels)
		}
		if rs[0].Status != pipelines.StatusShort || rs[2].Status != pipelines.StatusExcess {
			t.Errorf("%s … %s, want short … excess", rs[0].Status, rs[2].Status)
		}
	})
}

var defaultLevels = pipelines.DefaultLevelRules()

func TestSitePlan_Outside(t *testing.T) {
	now := time.Date(2026, 12, 25, 8, 0, 0, 0, pipelines.Shanghai)
	p := sitePlan{logFrom: time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai), retention: 40 * 24 * time.Hour}
	p.keptFrom = now.Add(-p.retention)
	w := func(d, h int) pipelines.Window {
		s := time.Date(2026, 11, d, h, 0, 0, 0, pipelines.Shanghai)
		return pipelines.Window{Start: s, End: s.Add(time.Hour)}
	}
	if why := p.outside(w(19, 23)); !strings.Contains(why, "推送日志始于 2026-11-20 00:00") {
		t.Errorf("before the log: %q", why)
	}
	if why := p.outside(w(20, 0)); why != "" {
		t.Errorf("first logged window, but kept? %q", why)
	}
	p.keptFrom = time.Date(2026, 11, 21, 0, 0, 0, 0, pipelines.Shanghai)
	if why := p.outside(w(20, 10)); !strings.Contains(why, "仅保留 40 天") {
		t.Errorf("beyond the retention: %q", why)
	}
	if why := p.outside(w(21, 0)); why != "" {
		t.Errorf("within the retention: %q", why)
	}
}

// TestReconciler_Run_PushLogPerRecord: a push log of one row per pushed
// record, statuses as codes 1/0 and times in epoch seconds, that logs
// nothing for a quiet window; read through evidence.push_log's mapping.
func TestReconciler_Run_PushLogPerRecord(t *testing.T) {
	ctx := context.Background()
	db := mustOpenWarehouse(t,
		"CREATE SCHEMA biz", "CREATE SCHEMA exg", "CREATE SCHEMA fe_t",
		"CREATE TABLE biz.cases (id BIGINT, report_time TIMESTAMP)",
		`CREATE TABLE exg.send_detail (sys VARCHAR, res VARCHAR, win_from BIGINT, win_to BIGINT, batch BIGINT, rec_id BIGINT, code INTEGER, sent BIGINT)`,
		"CREATE TABLE fe_t.r (fe_row_id BIGINT, id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)",
	)
	mustSnapshotted(t, db, "2026-11-21 00:30:00", "biz", "exg", "fe_t")
	cat := caseIDsCatalog("r", pipelines.Every30m)
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	epoch := func(hm string) int64 {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-20 "+hm, pipelines.Shanghai)
		return tm.Unix()
	}
	rec := func(from, to string, batch, id int64, code int, sent string) string {
		return fmt.Sprintf("INSERT INTO exg.send_detail VALUES ('t', 'r', %d, %d, %d, %d, %d, %d)", epoch(from), epoch(to), batch, id, code, epoch(sent))
	}
	mustExec(t, db,
		// 10:00: two records, both sent, both arrived.
		"INSERT INTO biz.cases VALUES (1, TIMESTAMP '2026-11-20 10:05:00'), (2, TIMESTAMP '2026-11-20 10:20:00')",
		rec("10:00", "10:30", 7, 1, 1, "10:31"), rec("10:00", "10:30", 7, 2, 1, "10:32"),
		"INSERT INTO fe_t.r VALUES (1, 1, '7', TIMESTAMP '2026-11-20 10:31:00'), (2, 2, '7', TIMESTAMP '2026-11-20 10:32:00')",
		// 11:00: the one record failed to send.
		"INSERT INTO biz.cases VALUES (3, TIMESTAMP '2026-11-20 11:10:00')",
		rec("11:00", "11:30", 8, 3, 0, "11:31"),
	)
	spec := pipelines.PushLogSpec{TableName: "exg.send_detail", Rows: pipelines.RowsPerRecord, TimeFormat: pipelines.TimeEpochS,
		Columns: map[string]string{"target": "sys", "resource": "res", "window_start": "win_from", "window_end": "win_to",
			"batch_id": "batch", "status": "code", "finished_at": "sent", "started_at": "", "error": "", "rows_sent": ""},
		StatusOK: []string{"1"}, StatusFailed: []string{"0"}}
	if err := spec.Validate("evidence.push_log"); err != nil {
		t.Fatal(err)
	}
	day := sh(2026, 11, 20, 0, 0)
	rs, err := New(db, cat).Run(ctx, Options{From: day, To: day, Now: sh(2026, 11, 21, 1, 0), RunID: "run-1",
		Evidence: pipelines.SiteEvidence{PushLog: spec}})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rs {
		hm := x.Window.Start.In(pipelines.Shanghai).Format("15:04")
		want := pipelines.StatusOK
		switch {
		case hm < "10:00":
			want = pipelines.StatusUnverifiable // before the log's first window
		case hm == "11:00":
			want = pipelines.StatusFailed
		}
		if x.Status != want {
			t.Errorf("%s: %s (%+v %s), want %s", hm, x.Status, x.Facts, x.Detail, want)
		}
		if hm == "10:00" && (x.Facts.Claimed != 2 || x.Facts.Received != 2 || x.Facts.Batches != 1) {
			t.Errorf("10:00: claimed %d received %d batches %d, want 2 2 1", x.Facts.Claimed, x.Facts.Received, x.Facts.Batches)
		}
	}
}
