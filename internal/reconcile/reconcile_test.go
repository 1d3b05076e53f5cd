package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestReconciler_Run(t *testing.T) {
	ctx := context.Background()
	db := mustOpenWarehouse(t, append(exchangeDDL(),
		"CREATE TABLE fe_t.r (fe_row_id BIGINT, id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)",
	)...)
	mustSnapshotted(t, db, "2026-11-21 00:30:00", "biz", "exchange", "fe_t")
	cat := caseIDsCatalog("r", pipelines.Every30m)
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}

	// Every window of 2026-11-20 gets an empty successful push, except the
	// five from 10:00 crafted below.
	crafted := map[string]bool{"10:00": true, "10:30": true, "11:00": true, "11:30": true, "12:00": true}
	var logID int
	push := func(start, batch string, rows int, status, finished string) string {
		logID++
		st, _ := time.ParseInLocation("2006-01-02 15:04", start, pipelines.Shanghai)
		return fmt.Sprintf(`INSERT INTO exchange.push_log VALUES (%d, 't', 'r', TIMESTAMP '%s', TIMESTAMP '%s', '%s', %d, '%s', %s, TIMESTAMP '%s', TIMESTAMP '%s')`,
			logID, st.Format("2006-01-02 15:04:05"), st.Add(30*time.Minute).Format("2006-01-02 15:04:05"), batch, rows, status,
			map[bool]string{true: "'connection reset'", false: "NULL"}[status == "failed"], finished, finished)
	}
	for m := 0; m < 24*60; m += 30 {
		hm := fmt.Sprintf("%02d:%02d", m/60, m%60)
		if crafted[hm] {
			continue
		}
		end := sh(2026, 11, 20, 0, 0).Add(time.Duration(m+35) * time.Minute)
		mustExec(t, db, push("2026-11-20 "+hm, "empty-"+hm, 0, "success", end.Format("2006-01-02 15:04:05")))
	}
	fe := func(id int, batch string) string {
		return fmt.Sprintf("INSERT INTO fe_t.r VALUES (%d, %d, '%s', TIMESTAMP '2026-11-20 13:00:00')", id, id, batch)
	}
	mustExec(t, db,
		// 10:00 ok: cases 1, 2, both received.
		"INSERT INTO biz.cases VALUES (1, TIMESTAMP '2026-11-20 10:05:00'), (2, TIMESTAMP '2026-11-20 10:29:59')",
		push("2026-11-20 10:00", "b-ok", 2, "success", "2026-11-20 10:35:00"), fe(1, "b-ok"), fe(2, "b-ok"),
		// 10:30 missed: case 3, no batch.
		"INSERT INTO biz.cases VALUES (3, TIMESTAMP '2026-11-20 10:30:00')",
		// 11:00 short: cases 4, 5, 6; 6 never pushed.
		"INSERT INTO biz.cases VALUES (4, TIMESTAMP '2026-11-20 11:01:00'), (5, TIMESTAMP '2026-11-20 11:02:00'), (6, TIMESTAMP '2026-11-20 11:29:00')",
		push("2026-11-20 11:00", "b-short", 2, "success", "2026-11-20 11:35:00"), fe(4, "b-short"), fe(5, "b-short"),
		// 11:30 duplicate: cases 7, 8; 8 received twice.
		"INSERT INTO biz.cases VALUES (7, TIMESTAMP '2026-11-20 11:31:00'), (8, TIMESTAMP '2026-11-20 11:32:00')",
		push("2026-11-20 11:30", "b-dup", 3, "success", "2026-11-20 12:05:00"), fe(7, "b-dup"), fe(8, "b-dup"), fe(8, "b-dup"),
		// 12:00 failed: cases 9, 10, 11; the log claims 3, the target holds 1.
		"INSERT INTO biz.cases VALUES (9, TIMESTAMP '2026-11-20 12:01:00'), (10, TIMESTAMP '2026-11-20 12:02:00'), (11, TIMESTAMP '2026-11-20 12:03:00')",
		push("2026-11-20 12:00", "b-fail", 3, "success", "2026-11-20 12:35:00"), fe(9, "b-fail"),
		// a case outside the day: never expected.
		"INSERT INTO biz.cases VALUES (99, TIMESTAMP '2026-11-21 00:00:00')",
	)

	day := sh(2026, 11, 20, 0, 0)
	r := New(db, cat)
	rs, err := r.Run(ctx, Options{From: day, To: day, Now: sh(2026, 11, 21, 1, 0), RunID: "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rs), 48; got != want {
		t.Fatalf("%d results, want %d", got, want)
	}
	type want struct {
		status                                 pipelines.Status
		expected, claimed, received, miss, dup int64
		level                                  int
	}
	wants := map[string]want{
		"10:00": {pipelines.StatusOK, 2, 2, 2, 0, 0, 0},
		"10:30": {pipelines.StatusMissed, 1, 0, 0, 1, 0, 3},
		"11:00": {pipelines.StatusShort, 3, 2, 2, 1, 0, 3},
		"11:30": {pipelines.StatusDuplicate, 2, 3, 3, 0, 1, 4},
		"12:00": {pipelines.StatusFailed, 3, 3, 1, 2, 0, 3},
	}
	byStart := map[string]*Result{}
	for _, x := range rs {
		hm := x.Window.Start.In(pipelines.Shanghai).Format("15:04")
		byStart[hm] = x
		w, ok := wants[hm]
		if !ok {
			w = want{status: pipelines.StatusOK}
		}
		t.Run(hm, func(t *testing.T) {
			if got, want := x.Target+"/"+x.Resource, "t/r"; got != want {
				t.Errorf("result of %s, want %s", got, want)
			}
			if got, want := x.Status, w.status; got != want {
				t.Errorf("status %s, want %s (facts %+v)", got, want, x.Facts)
			}
			if got, want := x.Facts.Expected, w.expected; got != want {
				t.Errorf("expected %d, want %d", got, want)
			}
			if got, want := x.Facts.Claimed, w.claimed; got != want {
				t.Errorf("claimed %d, want %d", got, want)
			}
			if got, want := x.Facts.Received, w.received; got != want {
				t.Errorf("received %d, want %d", got, want)
			}
			if got, want := x.Facts.Missing, w.miss; got != want {
				t.Errorf("missing %d, want %d", got, want)
			}
			if got, want := x.Facts.Duplicate, w.dup; got != want {
				t.Errorf("duplicate %d, want %d", got, want)
			}
			if got, want := x.FaultLevel, w.level; got != want {
				t.Errorf("fault level %d, want %d", got, want)
			}
			if got, want := x.Detail != "", x.Status.Finding(); got != want {
				t.Errorf("detail %q for %s", x.Detail, x.Status)
			}
		})
	}

	checks := []struct {
		name  string
		query string
		want  int
	}{
		{"results of run-1", "SELECT count(*) FROM audit.results WHERE run_id = 'run-1'", 48},
		{"ok results", "SELECT count(*) FROM audit.results WHERE run_id = 'run-1' AND status = 'ok' AND fault_level IS NULL", 44},
		{"missed result", "SELECT count(*) FROM audit.results WHERE run_id = 'run-1' AND window_start = TIMESTAMP '2026-11-20 10:30:00' AND status = 'missed' AND expected = 1 AND received = 0 AND fault_level = 3 AND deadline = TIMESTAMP '2026-11-20 11:30:00'", 1},
		{"failed result", "SELECT count(*) FROM audit.results WHERE run_id = 'run-1' AND window_start = TIMESTAMP '2026-11-20 12:00:00' AND status = 'failed' AND claimed = 3 AND received = 1 AND missing_keys = 2 AND last_push_at = TIMESTAMP '2026-11-20 12:35:00'", 1},
		{"result keys", "SELECT count(*) FROM audit.result_keys WHERE run_id = 'run-1'", 5},
		{"missing key of the missed window", "SELECT count(*) FROM audit.result_keys WHERE window_start = TIMESTAMP '2026-11-20 10:30:00' AND kind = 'missing' AND key = '3'", 1},
		{"missing key of the short window", "SELECT count(*) FROM audit.result_keys WHERE window_start = TIMESTAMP '2026-11-20 11:00:00' AND kind = 'missing' AND key = '6'", 1},
		{"duplicate key", "SELECT count(*) FROM audit.result_keys WHERE window_start = TIMESTAMP '2026-11-20 11:30:00' AND kind = 'duplicate' AND key = '8' AND occurrences = 2", 1},
		{"missing keys of the failed window", "SELECT count(*) FROM audit.result_keys WHERE window_start = TIMESTAMP '2026-11-20 12:00:00' AND kind = 'missing' AND key IN ('10', '11')", 2},
		{"findings", "SELECT count(*) FROM audit.findings", 4},
		{"open findings", "SELECT count(*) FROM audit.findings WHERE resolved_at IS NULL AND first_run_id = 'run-1' AND first_seen = TIMESTAMP '2026-11-21 01:00:00'", 4},
		{"short finding", fmt.Sprintf("SELECT count(*) FROM audit.findings WHERE finding_id = '%s' AND status = 'short' AND fault_level = 3 AND resolve_by = TIMESTAMP '2026-11-21 05:00:00'",
			FindingID("t", "r", sh(2026, 11, 20, 11, 0), pipelines.StatusShort)), 1},
	}
	for _, c := range checks {
		t.Run("stored/"+c.name, func(t *testing.T) {
			if got, want := mustCount(t, db, c.query), c.want; got != want {
				t.Errorf("%d rows, want %d\nSQL: %s", got, want, c.query)
			}
		})
	}

	// Repair the short window: case 6 arrives in a new batch, after the
	// deadline.
	mustExec(t, db,
		push("2026-11-20 11:00", "b-short-2", 1, "success", "2026-11-21 01:10:00"), fe(6, "b-short-2"))
	rs, err = r.Run(ctx, Options{From: day, To: day, Now: sh(2026, 11, 21, 2, 0), RunID: "run-2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rs {
		if x.Window.Start.Equal(sh(2026, 11, 20, 11, 0)) {
			if got, want := x.Status, pipelines.StatusLate; got != want {
				t.Errorf("repaired window: status %s, want %s (facts %+v)", got, want, x.Facts)
			}
			if got, want := x.Facts.Received, int64(3); got != want {
				t.Errorf("repaired window: received %d, want %d", got, want)
			}
		}
	}
	short := FindingID("t", "r", sh(2026, 11, 20, 11, 0), pipelines.StatusShort)
	late := FindingID("t", "r", sh(2026, 11, 20, 11, 0), pipelines.StatusLate)
	checks = []struct {
		name  string
		query string
		want  int
	}{
		{"results of run-2", "SELECT count(*) FROM audit.results WHERE run_id = 'run-2'", 48},
		{"short finding resolved", fmt.Sprintf("SELECT count(*) FROM audit.findings WHERE finding_id = '%s' AND resolved_at = TIMESTAMP '2026-11-21 02:00:00' AND resolved_run_id = 'run-2' AND last_run_id = 'run-1'", short), 1},
		{"late finding opened", fmt.Sprintf("SELECT count(*) FROM audit.findings WHERE finding_id = '%s' AND status = 'late' AND resolved_at IS NULL AND first_run_id = 'run-2'", late), 1},
		{"other findings still open", "SELECT count(*) FROM audit.findings WHERE status IN ('missed', 'duplicate', 'failed') AND resolved_at IS NULL AND first_run_id = 'run-1' AND last_run_id = 'run-2' AND last_seen = TIMESTAMP '2026-11-21 02:00:00'", 3},
		{"findings", "SELECT count(*) FROM audit.findings", 5},
		{"no keys for the repaired window", "SELECT count(*) FROM audit.result_keys WHERE run_id = 'run-2' AND window_start = TIMESTAMP '2026-11-20 11:00:00'", 0},
	}
	for _, c := range checks {
		t.Run("rerun/"+c.name, func(t *testing.T) {
			if got, want := mustCount(t, db, c.query), c.want; got != want {
				t.Errorf("%d rows, want %d\nSQL: %s", got, want, c.query)
			}
		})
	}

	// explain recomputes the failed window read-only, lists what the runs
	// stored, and shows SQL that gives its numbers with the values it lists.
	e, err := r.Explain(ctx, Options{Now: sh(2026, 11, 21, 2, 0)}, "t", "r", sh(2026, 11, 20, 12, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Result.Status, pipelines.StatusFailed; got != want {
		t.Errorf("explain: status %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(e.Stored), "[{run-2 failed} {run-1 failed}]"; got != want {
		t.Errorf("explain: stored %s, want %s", got, want)
	}
	if got, want := strings.Join(e.Params, "; "), "$window_start = TIMESTAMP '2026-11-20 12:00:00'"; !strings.Contains(got, want) {
		t.Errorf("explain: parameters %s, want %s among them", got, want)
	}
	for name, want := range map[string]int{"expected": 3, "claimed": 3, "received": 1} {
		q := e.Queries[name]
		var n int
		if err := db.QueryRowContext(ctx, q, e.Result.params.bind(q)...).Scan(&n); err != nil || n != want {
			t.Errorf("explain: %s query gives %d, %v; want %d\nSQL: %s", name, n, err, want, q)
		}
	}
}

// TestReconciler_Run_ReplicaLag: a replica's snapshot holds the primary of
// its lag ago, so the windows after that are unverifiable, never missed.
func TestReconciler_Run_ReplicaLag(t *testing.T) {
	ctx := context.Background()
	db := mustOpenWarehouse(t, append(exchangeDDL(),
		"CREATE TABLE fe_t.r (fe_row_id BIGINT, id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)",
		"INSERT INTO biz.cases VALUES (1, TIMESTAMP '2026-11-20 08:10:00'), (2, TIMESTAMP '2026-11-20 11:10:00')",
	)...)
	// biz snapshotted at 12:00 from a replica 2 hours behind: complete to 10:00.
	for src, lag := range map[string]string{"biz": "7200", "exchange": "NULL", "fe_t": "NULL"} {
		mustExec(t, db, fmt.Sprintf(`INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at, replica_lag_s)
			VALUES ('snap-1', '%s', 'all', 'full', 1, TIMESTAMP '2026-11-20 12:00:00', 'ok', TIMESTAMP '2026-11-20 12:00:00', %s)`, src, lag))
	}
	cat := caseIDsCatalog("r", pipelines.Hourly)
	day := sh(2026, 11, 20, 0, 0)
	rs, err := New(db, cat).Run(ctx, Options{From: day, To: day, Now: sh(2026, 11, 20, 14, 0), RunID: "run-lag", Target: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rs {
		h := x.Window.Start.In(pipelines.Shanghai).Hour()
		want := pipelines.StatusOK
		switch {
		case h == 8:
			want = pipelines.StatusMissed // data before the lag line: judged
		case x.Window.End.After(sh(2026, 11, 20, 10, 0)):
			want = pipelines.StatusUnverifiable // after it: the replica had not seen it yet
		}
		if x.Deadline.After(sh(2026, 11, 20, 14, 0)) {
			continue // not due: pending comes first
		}
		if x.Status != want {
			t.Errorf("window %02d:00: %s, want %s", h, x.Status, want)
		}
	}
}

// TestReconciler_Run_ReplicaStopped: a replica that was not replicating
// holds the primary of when it stopped, which no lag tells: its snapshot is
// trusted only to what the last snapshot taken while it replicated was
// complete to, and not at all when there was none.
func TestReconciler_Run_ReplicaStopped(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		snapshots []string // run, lag, stopped, time of biz's snapshots
		trustedTo int      // hour the windows are judged to; -1 none
	}{
		{"replicating", []string{"('snap-1', 0, false, TIMESTAMP '2026-11-20 12:00:00')"}, 12},
		{"stopped after a good snapshot", []string{
			"('snap-1', 0, false, TIMESTAMP '2026-11-20 10:00:00')",
			"('snap-2', NULL, true, TIMESTAMP '2026-11-20 13:00:00')"}, 10},
		{"stopped after a lagging one", []string{
			"('snap-1', 3600, false, TIMESTAMP '2026-11-20 11:00:00')",
			"('snap-2', NULL, true, TIMESTAMP '2026-11-20 13:00:00')",
			"('snap-3', NULL, true, TIMESTAMP '2026-11-20 13:30:00')"}, 10},
		{"stopped from the first snapshot", []string{"('snap-1', NULL, true, TIMESTAMP '2026-11-20 13:00:00')"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpenWarehouse(t, append(exchangeDDL(),
				"CREATE TABLE fe_t.r (fe_row_id BIGINT, id BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)",
				"INSERT INTO biz.cases VALUES (1, TIMESTAMP '2026-11-20 08:10:00'), (2, TIMESTAMP '2026-11-20 11:10:00')",
			)...)
			for _, v := range tc.snapshots {
				mustExec(t, db, `INSERT INTO audit.snapshots (run_id, replica_lag_s, replica_stopped, snapshot_at, source, table_name, policy, rows_loaded, started_at, status)
					SELECT *, 'biz', 'all', 'full', 1, TIMESTAMP '2026-11-20 09:00:00', 'ok' FROM (VALUES `+v+`)`)
			}
			for _, src := range []string{"exchange", "fe_t"} {
				mustExec(t, db, fmt.Sprintf(`INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at)
					VALUES ('snap-1', '%s', 'all', 'full', 1, TIMESTAMP '2026-11-20 14:00:00', 'ok', TIMESTAMP '2026-11-20 14:00:00')`, src))
			}
			day := sh(2026, 11, 20, 0, 0)
			now := sh(2026, 11, 20, 14, 0)
			rs, err := New(db, caseIDsCatalog("r", pipelines.Hourly)).Run(ctx, Options{From: day, To: day, Now: now, RunID: "run", Target: "t"})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range rs {
				if x.Deadline.After(now) {
					continue // not due: pending comes first
				}
				judged := tc.trustedTo >= 0 && !x.Window.End.After(sh(2026, 11, 20, tc.trustedTo, 0))
				if got := x.Status != pipelines.StatusUnverifiable; got != judged {
					t.Errorf("window %s: %s; judged %v, want %v", x.Window.Start.In(pipelines.Shanghai).Format("15:04"), x.Status, got, judged)
				}
			}
		})
	}
}

// TestReconciler_Run_Receipts: a media copy is checked against its receipt
// files: complete is ok, a missing record is short, an unreadable receipt
// makes the window unverifiable, with the reason in the detail; so does a
// source no snapshot of which ever succeeded (its table is not even in the
// warehouse: the receipts are not compared with nothing).
func TestReconciler_Run_Receipts(t *testing.T) {
	ctx := context.Background()
	cat := &pipelines.Catalog{
		Targets: []pipelines.Target{{Key: "t", Database: "fe_t"}},
		Resources: []pipelines.Resource{{
			Target: "t", Key: "media", Cadence: pipelines.MediaCopy, Mode: pipelines.ModeReceipt,
			KeyColumns: []string{"code"}, Table: "media_*.csv",
			Columns: []pipelines.Column{{Name: "code", Type: "VARCHAR(32)", Expr: "c.code"}, {Name: "name", Type: "VARCHAR(32)", Expr: "c.name"}},
			From:    "biz.components c",
		}},
	}
	day := sh(2026, 11, 20, 0, 0)
	for _, tc := range []struct {
		name     string
		received []string
		report   *pipelines.EvidenceReport
		want     pipelines.Status
		detail   string
		noSource bool
	}{
		{"complete", []string{"('A', '井盖')", "('B', '路灯')"}, &pipelines.EvidenceReport{Files: []pipelines.EvidenceFile{{Name: "media_1.csv", ArrivedAt: day.Add(3 * time.Hour), Rows: 2}}}, pipelines.StatusOK, "", false},
		{"a record missing", []string{"('A', '井盖')"}, &pipelines.EvidenceReport{Files: []pipelines.EvidenceFile{{Name: "media_1.csv", ArrivedAt: day.Add(3 * time.Hour), Rows: 1}}}, pipelines.StatusShort, "缺 1 条", false},
		{"a value differs", []string{"('A', '井盖')", "('B', '灯')"}, &pipelines.EvidenceReport{Files: []pipelines.EvidenceFile{{Name: "media_1.csv", ArrivedAt: day.Add(3 * time.Hour), Rows: 2}}}, pipelines.StatusMismatch, "数值不一致", false},
		{"unreadable receipt", nil, &pipelines.EvidenceReport{Files: []pipelines.EvidenceFile{{Name: "media_1.csv", Failed: true}},
			Errors: []pipelines.RowError{{File: "media_1.csv", Line: 3, Msg: "not UTF-8 or GBK"}}}, pipelines.StatusUnverifiable, "media_1.csv", false},
		{"no receipt at all", nil, nil, pipelines.StatusUnverifiable, "", false},
		{"source never snapshotted", []string{"('A', '井盖')", "('B', '路灯')"}, &pipelines.EvidenceReport{Files: []pipelines.EvidenceFile{{Name: "media_1.csv", ArrivedAt: day.Add(3 * time.Hour), Rows: 2}}}, pipelines.StatusUnverifiable, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ddl := []string{"CREATE SCHEMA fe_t",
				"CREATE TABLE fe_t.media (code VARCHAR, name VARCHAR, batch_id VARCHAR, arrived_at TIMESTAMP)"}
			if !tc.noSource {
				ddl = append(ddl, "CREATE SCHEMA biz",
					"CREATE TABLE biz.components (code VARCHAR, name VARCHAR)",
					"INSERT INTO biz.components VALUES ('A', '井盖'), ('B', '路灯')",
					`INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at)
				 VALUES ('s', 'biz', 'all', 'full', 2, TIMESTAMP '2026-11-22 00:00:00', 'ok', TIMESTAMP '2026-11-22 00:00:00')`)
			}
			db := mustOpenWarehouse(t, ddl...)
			for _, v := range tc.received {
				mustExec(t, db, "INSERT INTO fe_t.media SELECT *, 'media_1.csv', TIMESTAMP '2026-11-20 03:00:00' FROM (VALUES "+v+")")
			}
			receipts := map[string]*pipelines.EvidenceReport{}
			if tc.report != nil {
				receipts["t/media"] = tc.report
			}
			rs, err := New(db, cat).Run(ctx, Options{From: day, To: day, OnceAt: day, Now: sh(2026, 11, 21, 12, 0), RunID: "r", Target: "t", Receipts: receipts})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 {
				t.Fatalf("%d results, want 1", len(rs))
			}
			if rs[0].Status != tc.want || !strings.Contains(rs[0].Detail, tc.detail) {
				t.Errorf("%s (%q), want %s with %q", rs[0].Status, rs[0].Detail, tc.want, tc.detail)
			}
		})
	}
}

// TestReconciler_Run_EvidenceErrors: a resource whose evidence is not usable
// is unverifiable with the reason, and the run goes on.
func TestReconciler_Run_EvidenceErrors(t *testing.T) {
	db := mustOpenWarehouse(t, "CREATE SCHEMA biz", "CREATE TABLE biz.cases (id BIGINT, report_time TIMESTAMP)")
	mustExec(t, db, `INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at)
		VALUES ('s', 'biz', 'all', 'full', 0, TIMESTAMP '2026-11-22 00:00:00', 'ok', TIMESTAMP '2026-11-22 00:00:00')`)
	cat := caseIDsCatalog("r", pipelines.Hourly)
	day := sh(2026, 11, 20, 0, 0)
	rs, err := New(db, cat).Run(context.Background(), Options{From: day, To: day, Now: sh(2026, 11, 21, 12, 0), RunID: "r",
		EvidenceErrors: map[string]string{"t/r": "目标前置机数据不可用: fe_t.r missing"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rs {
		if x.Target == "t" && (x.Status != pipelines.StatusUnverifiable || !strings.Contains(x.Detail, "fe_t.r missing")) {
			t.Fatalf("%s %s: %s %q, want unverifiable with the reason", x.Resource, x.Window, x.Status, x.Detail)
		}
	}
}
