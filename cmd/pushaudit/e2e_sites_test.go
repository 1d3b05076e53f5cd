package main

// A site whose evidence does not look like the simulator's (issue 12):
// one simulated system is changed by SQL, one convention after another,
// into what a real exchange and real front-end databases keep; after
// each change a clean window gets no finding and every injected fault is
// still found with its verdict (or, where the convention hides what the
// verdict rests on, the verdict the remaining evidence supports).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestMain_Run_SiteConventions(t *testing.T) {
	s, db := mustSimSite(t, 3, 1, 200, 9)
	c := s.cfg
	cat, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	const day = "2026-11-20"
	inManifest := map[string]bool{}
	for _, e := range s.man.Entries {
		inManifest[e.Target+"/"+e.Resource+"/"+e.WindowStart] = true
	}

	// (the simulator's own conventions with the same seed are
	// TestMain_Run_EndToEnd's.)

	// A push log of another shape: other column names, statuses 成功/失败,
	// times in epoch milliseconds.
	t.Run("push log of another shape", func(t *testing.T) {
		s.t = t
		s.exec("ALTER TABLE {exchange}.push_log CHANGE rows_sent record_count INT NOT NULL, CHANGE status state VARCHAR(16) NOT NULL, " +
			"ADD ws_ms BIGINT, ADD we_ms BIGINT, ADD st_ms BIGINT, ADD fin_ms BIGINT")
		s.exec("UPDATE {exchange}.push_log SET state = CASE state WHEN 'success' THEN '成功' ELSE '失败' END")
		ms := func(col string) string {
			return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 08:00:00', " + col + ") DIV 1000"
		}
		s.exec("UPDATE {exchange}.push_log SET ws_ms = " + ms("window_start") + ", we_ms = " + ms("window_end") + ", st_ms = " + ms("started_at") + ", fin_ms = " + ms("finished_at"))
		s.exec("ALTER TABLE {exchange}.push_log DROP COLUMN window_start, DROP COLUMN window_end, DROP COLUMN started_at, DROP COLUMN finished_at")
		s.cfg.Evidence.PushLog = pipelines.PushLogSpec{TableName: "exchange.push_log",
			Columns: map[string]string{"rows_sent": "record_count", "status": "state",
				"window_start": "ws_ms", "window_end": "we_ms", "started_at": "st_ms", "finished_at": "fin_ms"},
			StatusOK: []string{"成功"}, StatusFailed: []string{"失败"}, TimeFormat: pipelines.TimeEpochMS}
		s.verdicts(s.reconcile(day, day), nil, nil)
	})

	// An exchange that logs no empty push: a quiet window has no entry.
	t.Run("exchange logs no empty pushes", func(t *testing.T) {
		s.t = t
		if n := s.exec("DELETE FROM {exchange}.push_log WHERE record_count = 0"); n == 0 {
			t.Fatal("the simulator logged no empty push: nothing to delete")
		}
		got := s.reconcile(day, day)
		// a quiet window of a target that was down: with no entry either
		// way, nothing says the push was missed.
		s.quietDown = true
		s.verdicts(got, nil, nil)

		// stated wrongly in the config, the quiet nights are stale.
		s.cfg.Evidence.EmptyPushes = pipelines.EmptyPushesLogged
		stale := 0
		for k, x := range s.reconcile(day, day) {
			if x.Status == "stale" && !inManifest[k] {
				stale++
			}
		}
		if stale == 0 {
			t.Error("empty_pushes: logged on a log without empty pushes gives no false stale window: the test proves nothing")
		}
		t.Logf("empty_pushes: logged would give %d false stale windows", stale)
		s.cfg.Evidence.EmptyPushes = ""
	})

	// The same exchange with a heartbeat per target, built by SQL: a beat
	// every 5 minutes, none while the simulator had the target down. A
	// quiet window of a target that was down is then no quiet night: it
	// gets the manifest's verdict, as where empty pushes are logged.
	t.Run("exchange heartbeat", func(t *testing.T) {
		s.t = t
		s.exec("CREATE TABLE {exchange}.heartbeat (target VARCHAR(32) NOT NULL, beat_at DATETIME NOT NULL, PRIMARY KEY (target, beat_at))")
		s.exec("INSERT INTO {exchange}.heartbeat SELECT t.target, TIMESTAMP '2026-11-19 23:00:00' + INTERVAL 5 * n.i MINUTE " +
			"FROM (WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 600) SELECT i FROM seq) n " +
			"CROSS JOIN (SELECT DISTINCT target FROM {exchange}.push_log) t")
		down := 0
		for _, f := range s.man.Injected {
			if f.Kind != "target_down" {
				continue
			}
			from, err1 := time.Parse(time.RFC3339, f.From)
			to, err2 := time.Parse(time.RFC3339, f.To)
			if err1 != nil || err2 != nil {
				t.Fatalf("fault %+v: %v %v", f, err1, err2)
			}
			wall := func(x time.Time) string { return x.In(pipelines.Shanghai).Format(time.DateTime) }
			if n := s.exec("DELETE FROM {exchange}.heartbeat WHERE target = ? AND beat_at >= ? AND beat_at < ?", f.Target, wall(from), wall(to)); n == 0 {
				t.Fatalf("no beat of %s between %s and %s", f.Target, f.From, f.To)
			}
			down++
		}
		if down == 0 {
			t.Fatal("the simulation has no target down: the heartbeat proves nothing")
		}
		s.cfg.Evidence.Heartbeat = &pipelines.HeartbeatSpec{Table: "exchange.heartbeat", TargetColumn: "target", Every: 5 * time.Minute}
		s.quietDown = false
		s.verdicts(s.reconcile(day, day), nil, nil)
		s.cfg.Evidence.Heartbeat, s.quietDown = nil, true
	})

	// Front-end tables without a batch id: received rows are assigned to
	// windows by the row's own time (window_column), or by key.
	var byColumn []string
	windowColumn := map[string]string{} // resource ID → its window_column
	t.Run("front-end tables without a batch id", func(t *testing.T) {
		s.t = t
		var site pipelines.Catalog
		for i := range cat.Resources {
			res := cat.Resources[i]
			if res.Mode != pipelines.ModeRows || !res.Cadence.Periodic() || res.ID() == "province/case_basic" {
				continue // province/case_basic keeps its batch ids (rows crossing a boundary, below)
			}
			tgt, _ := cat.Target(res.Target)
			if res.ID() == "pengzhou/event_alert" {
				// neither a batch id nor a time column: reconciled by key.
				s.exec("ALTER TABLE {" + tgt.Database + "}." + res.Table + " DROP COLUMN batch_id, DROP COLUMN arrived_at")
				continue
			}
			m := windowFilter.FindStringSubmatch(res.Where)
			if m == nil || m[1] != m[2] {
				continue
			}
			for _, col := range res.Columns {
				if strings.TrimSpace(col.Expr) == m[1] && strings.HasPrefix(strings.ToUpper(col.Type), "DATETIME") {
					res.WindowColumn = col.Name
					break
				}
			}
			if res.WindowColumn == "" {
				continue
			}
			s.exec("ALTER TABLE {" + tgt.Database + "}." + res.Table + " DROP COLUMN batch_id, DROP COLUMN arrived_at")
			site.Resources = append(site.Resources, res)
			byColumn = append(byColumn, res.ID())
			windowColumn[res.ID()] = res.WindowColumn
		}
		if len(byColumn) < 5 {
			t.Fatalf("only %d resources get a window_column: %v", len(byColumn), byColumn)
		}
		t.Logf("window_column for %d resources: %v", len(byColumn), byColumn)
		b, err := yaml.Marshal(site)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.dir, "site-catalog.yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		s.cfg.Catalog = "site-catalog.yaml"
		got := s.reconcile(day, day)
		s.verdicts(got, nil, nil)
		for k, x := range got {
			if strings.HasPrefix(k, "pengzhou/event_alert/") && x.Status != "pending" && !strings.Contains(x.detail(), "按主键") {
				t.Errorf("%s: detail %q does not say it was reconciled by key", k, x.detail())
			}
		}
	})

	// Clocks: the exchange logs UTC; a front-end database's times are 3
	// minutes fast (its window columns, none of them part of a key, and
	// its arrival times).
	t.Run("clocks", func(t *testing.T) {
		s.t = t
		s.exec("UPDATE {exchange}.push_log SET ws_ms = ws_ms - 28800000, we_ms = we_ms - 28800000, st_ms = st_ms - 28800000, fin_ms = fin_ms - 28800000")
		shifted := 0
		for _, res := range cat.ResourcesOf("city_cgw") {
			if col := windowColumn[res.ID()]; col != "" {
				for _, k := range res.KeyColumns {
					if k == col {
						t.Fatalf("%s: window_column %s is part of the key", res.ID(), col)
					}
				}
				s.exec("UPDATE {fe_city_cgw}." + res.Table + " SET " + col + " = " + col + " + INTERVAL 3 MINUTE")
				shifted++
			}
		}
		if shifted == 0 {
			t.Fatal("no city_cgw resource has a window_column to shift")
		}
		// the same clock stamps the arrival times its tables still keep.
		stamped := mustStrings(t, db, tablesWithColumn, s.names["fe_city_cgw"], "arrived_at")
		for _, n := range stamped {
			s.exec("UPDATE {fe_city_cgw}.`" + n + "` SET arrived_at = arrived_at + INTERVAL 3 MINUTE")
		}
		s.cfg.Evidence.ClockOffsets = map[string]time.Duration{"exchange": -8 * time.Hour, "city_cgw": 3 * time.Minute}
		got := s.reconcile(day, day)
		s.verdicts(got, nil, nil)
		if strings.Contains(s.stderr, "the clock of") {
			t.Errorf("with the offsets set, the clock check still warns:\n%s", tail(s.stderr, 10))
		}
		// without the offsets every push is 8 hours off its window.
		s.cfg.Evidence.ClockOffsets = nil
		off := 0
		for _, x := range s.reconcile(day, day) {
			if pipelines.Status(x.Status).Finding() {
				off++
			}
		}
		if off < 50 {
			t.Errorf("without clock_offsets only %d findings: the shifted clock was not read", off)
		}
		// and the clock check says so: against a log 8 hours behind, the
		// front-ends' arrival times are 8 hours ahead of their pushes.
		if !strings.Contains(s.stderr, "appears at least 8h") || !strings.Contains(s.stderr, "ahead of the exchange's") {
			t.Errorf("without clock_offsets the clock check warns of nothing:\n%s", tail(s.stderr, 10))
		}
		s.cfg.Evidence.ClockOffsets = map[string]time.Duration{"exchange": -8 * time.Hour, "city_cgw": 3 * time.Minute}
	})

	// A row pushed with the next window's batch (the push log adjusted to
	// match): it arrived, on time or late, and no window is short or
	// excess for it.
	t.Run("rows crossing a window boundary", func(t *testing.T) {
		s.t = t
		rows, err := db.Query("SELECT p1.batch_id, p2.batch_id, p1.ws_ms, p2.fin_ms FROM `" + s.names["exchange"] + "`.push_log p1 JOIN `" + s.names["exchange"] + "`.push_log p2 " +
			"ON p2.target = p1.target AND p2.resource = p1.resource AND p2.ws_ms = p1.ws_ms + 600000 " +
			"WHERE p1.target = 'province' AND p1.resource = 'case_basic' AND p1.state = '成功' AND p2.state = '成功' AND p1.record_count > 1 ORDER BY p1.ws_ms")
		if err != nil {
			t.Fatal(err)
		}
		var b1, b2 string
		var w time.Time
		var fin time.Time
		for rows.Next() {
			var ws, f int64
			var x1, x2 string
			if err := rows.Scan(&x1, &x2, &ws, &f); err != nil {
				t.Fatal(err)
			}
			// the log is in UTC now (clocks, above).
			start := time.UnixMilli(ws + 8*3600*1000).In(pipelines.Shanghai)
			k1 := "province/case_basic/" + start.Format(time.RFC3339)
			k2 := "province/case_basic/" + start.Add(10*time.Minute).Format(time.RFC3339)
			if !inManifest[k1] && !inManifest[k2] && b1 == "" {
				b1, b2, w, fin = x1, x2, start, time.UnixMilli(f+8*3600*1000)
			}
		}
		rows.Close()
		if b1 == "" {
			t.Fatal("no two consecutive clean pushes of province/case_basic")
		}
		var rowID int64
		if err := db.QueryRow("SELECT min(fe_row_id) FROM `"+s.names["fe_province"]+"`.case_basic WHERE batch_id = ?", b1).Scan(&rowID); err != nil {
			t.Fatal(err)
		}
		s.exec("UPDATE {fe_province}.case_basic SET batch_id = ? WHERE fe_row_id = ?", b2, rowID)
		s.exec("UPDATE {exchange}.push_log SET record_count = record_count - 1 WHERE batch_id = ?", b1)
		s.exec("UPDATE {exchange}.push_log SET record_count = record_count + 1 WHERE batch_id = ?", b2)
		got := s.reconcile(day, day)
		k1 := "province/case_basic/" + w.Format(time.RFC3339)
		k2 := "province/case_basic/" + w.Add(10*time.Minute).Format(time.RFC3339)
		want := "ok"
		if fin.After(w.Add(20 * time.Minute)) { // the window's deadline: its end + 10 minutes
			want = "late"
		}
		if x := got[k1]; x.Status != want || !strings.Contains(x.detail(), "跨窗口边界") {
			t.Errorf("%s, the window the row belongs to: %s (%s), want %s saying the row crossed the boundary", k1, x.Status, x.detail(), want)
		}
		if x := got[k2]; x.Status != "ok" {
			t.Errorf("%s, the window whose batch carried it: %s (%s), want ok", k2, x.Status, x.detail())
		}
		if want == "late" {
			s.known[k1] = "late"
		}
		s.verdicts(got, nil, nil)
	})

	// No push log for one target: reconciled source ↔ target, the claim
	// unknown; a fault the push log alone showed gets the verdict of what
	// arrived.
	t.Run("no push log for a target", func(t *testing.T) {
		s.t = t
		const target = "chenghua"
		s.exec("DELETE FROM {exchange}.push_log WHERE target = ?", target)
		s.cfg.Evidence.NoPushLog = []string{target}
		got := s.reconcile(day, day)
		byArrival := map[string][]string{
			"late_push":         {"ok"},                      // when it arrived is in the push log only
			"failed_as_success": {"missed"},                  // nothing arrived, and no log claims it
			"lost_at_target":    {"short"},                   // part arrived
			"target_down":       {"missed", "ok", "pending"}, // each window on its own
		}
		s.verdicts(got, func(e manifestEntry, x siteResult) bool {
			if e.Target != target {
				return false
			}
			for _, v := range byArrival[e.Kind] {
				if x.Status == v {
					return true
				}
			}
			return false
		}, nil)
		n := 0
		for k, x := range got {
			if x.Target != target || x.Status == "pending" || x.Status == "unverifiable" {
				continue
			}
			n++
			if x.Claimed != nil || !strings.Contains(x.detail(), "推送方声明未知") {
				t.Errorf("%s: claimed %v, detail %q; want no claim and a detail saying it is unknown", k, x.Claimed, x.detail())
			}
		}
		if n == 0 {
			t.Errorf("no judged window of %s", target)
		}
	})

	// Evidence has a beginning: the simulated pushes begin on 11-20 (the
	// daily ones with the window from 11-19 23:00); the windows before are
	// unverifiable with the reason, never missed.
	t.Run("evidence beginning", func(t *testing.T) {
		s.t = t
		got := s.reconcile("2026-11-18", day)
		begins := time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai)
		outside := func(x siteResult) bool {
			ws, err := time.Parse(time.RFC3339, x.WindowStart)
			if err != nil {
				t.Fatal(err)
			}
			res, ok := cat.Resource(x.Target, x.Resource)
			if !ok || x.Target == "chenghua" { // no push log: no beginning
				return false
			}
			if res.Cadence == pipelines.DailyAfter2300 {
				return ws.Before(begins.Add(-time.Hour))
			}
			return ws.Before(begins)
		}
		before := 0
		for k, x := range got {
			if !outside(x) {
				continue
			}
			before++
			if x.Status != "unverifiable" || !strings.Contains(x.detail(), "推送日志始于") {
				t.Errorf("%s, before the pushes began: %s (%s), want unverifiable with the reason", k, x.Status, x.detail())
			}
		}
		if before < 100 {
			t.Errorf("only %d windows before the evidence began", before)
		}
		t.Logf("%d windows before the evidence began", before)
		s.verdicts(got, func(e manifestEntry, x siteResult) bool {
			return e.Target == "chenghua" // judged above
		}, func(x siteResult) bool { return outside(x) || x.Target == "chenghua" })
	})
}
