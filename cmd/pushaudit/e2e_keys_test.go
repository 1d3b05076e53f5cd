package main

// Keys are the product: faults made by SQL on a clean simulation (not by
// the simulator), and the exact keys every verdict holds, on both
// reconcile paths: reconcile (one query for all windows of a resource with
// a simple time filter) and explain (the queries of one window).

import (
	"database/sql"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// injectKeyFaults makes, by SQL on the clean simulation, one fault per
// verdict and returns what each faulted window must hold.
func (s *faultSite) injectKeyFaults() map[string]wantKeys {
	t := s.t
	t.Helper()
	want := map[string]wantKeys{}
	fe, log := s.tbl("fe_province", "case_basic"), s.tbl("exchange", "push_log")
	bs := s.batches("province", "case_basic", "2026-11-20 07:00:00", "2026-11-20 15:00:00", 4)
	if len(bs) < 14 {
		t.Fatalf("the clean simulation has %d province windows of 4 rows or more, want 14", len(bs))
	}
	pick := func(i int) simBatch { return bs[2*i] } // windows apart from each other
	keysOf := func(batch string) []string {
		return s.strings("SELECT CAST(case_id AS CHAR) FROM "+fe+" WHERE batch_id = ? ORDER BY fe_row_id", batch)
	}
	rowIDs := func(batch string) []string {
		return s.strings("SELECT CAST(fe_row_id AS CHAR) FROM "+fe+" WHERE batch_id = ? ORDER BY fe_row_id", batch)
	}
	k := func(b simBatch) string { return wkey("province", "case_basic", b.start) }

	// short: two rows lost at the target, the log saying what arrived. The
	// first carries hostile text in the source, for the repair to push.
	b := pick(0)
	ks := keysOf(b.id)
	s.hostileCase = ks[len(ks)-1]
	// (changed after the day's pushes, as the source's update time says:
	// the other targets that carried it are not charged with a mismatch)
	s.exec("UPDATE "+s.tbl("biz", "cases")+" SET description = ?, address = ?, component_code = NULL, updated_at = '2026-11-21 03:00:00' WHERE id = ?", hostileText, hostileAddress, s.hostileCase)
	s.exec("DELETE FROM "+fe+" WHERE batch_id = ? AND case_id IN (?, ?)", b.id, ks[len(ks)-1], ks[len(ks)-2])
	s.exec("UPDATE "+log+" SET rows_sent = rows_sent - 2 WHERE batch_id = ?", b.id)
	want[k(b)] = wantKeys{status: pipelines.StatusShort, missing: ks[len(ks)-2:], expected: b.rows, claimed: b.rows - 2, receive: b.rows - 2}

	// failed: a row lost at the target, the log claiming it arrived.
	b = pick(1)
	ks = keysOf(b.id)
	s.exec("DELETE FROM "+fe+" WHERE batch_id = ? AND case_id = ?", b.id, ks[0])
	want[k(b)] = wantKeys{status: pipelines.StatusFailed, missing: ks[:1], expected: b.rows, claimed: b.rows, receive: b.rows - 1}

	// excess: two rows the source never had.
	b = pick(2)
	ids := rowIDs(b.id)
	s.copyRow("fe_province", "case_basic", ids[0], map[string]string{"case_id": "990000001"})
	s.copyRow("fe_province", "case_basic", ids[1], map[string]string{"case_id": "990000002"})
	want[k(b)] = wantKeys{status: pipelines.StatusExcess, extra: []string{"990000001", "990000002"}, expected: b.rows, claimed: b.rows, receive: b.rows + 2}

	// duplicate: one row received three times.
	b = pick(3)
	ids, ks = rowIDs(b.id), keysOf(b.id)
	s.copyRow("fe_province", "case_basic", ids[1], nil)
	s.copyRow("fe_province", "case_basic", ids[1], nil)
	want[k(b)] = wantKeys{status: pipelines.StatusDuplicate, duplicate: map[string]int64{ks[1]: 3}, expected: b.rows, claimed: b.rows, receive: b.rows + 2}

	// failed: the log records the batch failed, every row arrived.
	b = pick(4)
	s.exec("UPDATE "+log+" SET status = 'failed', error = 'read timeout' WHERE batch_id = ?", b.id)
	want[k(b)] = wantKeys{status: pipelines.StatusFailed, expected: b.rows, claimed: 0, receive: b.rows}

	// missed: no push at all.
	b = pick(5)
	ks = keysOf(b.id)
	s.exec("DELETE FROM "+fe+" WHERE batch_id = ?", b.id)
	s.exec("DELETE FROM "+log+" WHERE batch_id = ?", b.id)
	want[k(b)] = wantKeys{status: pipelines.StatusMissed, missing: ks, expected: b.rows, claimed: 0, receive: 0}

	// late: complete, finished an hour after the window's deadline.
	b = pick(6)
	s.exec("UPDATE "+log+" SET finished_at = DATE_ADD(window_end, INTERVAL 80 MINUTE) WHERE batch_id = ?", b.id)
	want[k(b)] = wantKeys{status: pipelines.StatusLate, expected: b.rows, claimed: b.rows, receive: b.rows}

	// mismatch of a rows resource: one case arrived with another district,
	// a case its source has not changed since (most cases move on within
	// the hour: their values are not compared).
	var unchanged []string
	for i := 1; i < len(bs) && len(unchanged) == 0; i += 2 { // between the picks; bs[3] is the next fault's
		if i == 3 {
			continue
		}
		b = bs[i]
		unchanged = s.strings("SELECT CAST(f.case_id AS CHAR) FROM "+fe+" f JOIN "+s.tbl("biz", "cases")+" c ON c.id = f.case_id"+
			" WHERE f.batch_id = ? AND c.updated_at <= (SELECT max(finished_at) FROM "+log+" WHERE batch_id = ?) ORDER BY f.fe_row_id", b.id, b.id)
	}
	if len(unchanged) == 0 {
		t.Fatal("no province window holds a case unchanged since its push")
	}
	ks = unchanged
	// (a new row for the old: the front-end copy is snapshotted append)
	id := s.strings("SELECT CAST(fe_row_id AS CHAR) FROM "+fe+" WHERE batch_id = ? AND case_id = ?", b.id, ks[0])[0]
	s.copyRow("fe_province", "case_basic", id, map[string]string{"district_name": "'错误的区'"})
	if s.exec("DELETE FROM "+fe+" WHERE fe_row_id = ?", id) != 1 {
		t.Fatalf("batch %s: row %s not deleted", b.id, id)
	}
	want[k(b)] = wantKeys{status: pipelines.StatusMismatch, mismatch: ks[:1], expected: b.rows, claimed: b.rows, receive: b.rows}

	// changed since push: a case's address corrected at the source the
	// next night, after its push: its values are not compared, no finding.
	b = bs[3]
	ks = keysOf(b.id)
	s.exec("UPDATE "+s.tbl("biz", "cases")+" SET address = CONCAT(address, '（已更正）'), updated_at = '2026-11-21 03:00:00' WHERE id = ?", ks[0])

	// stale: nothing pushed from 16:00 to 18:10, every window of it.
	for _, b := range s.batches("province", "case_basic", "2026-11-20 16:00:00", "2026-11-20 18:10:00", 0) {
		ks := keysOf(b.id)
		s.exec("DELETE FROM "+fe+" WHERE batch_id = ?", b.id)
		s.exec("DELETE FROM "+log+" WHERE batch_id = ?", b.id)
		want[k(b)] = wantKeys{status: pipelines.StatusStale, missing: ks, expected: b.rows, claimed: 0, receive: 0}
	}

	// excess on a composite key (supervisor_id|status_time), hourly.
	sp := s.tbl("fe_city_gov", "supervisor_realtime_position")
	hb := s.batches("city_gov", "supervisor_realtime_position", "2026-11-20 09:00:00", "2026-11-20 12:00:00", 2)[0]
	first := s.strings("SELECT CAST(fe_row_id AS CHAR) FROM "+sp+" WHERE batch_id = ? ORDER BY fe_row_id LIMIT 1", hb.id)[0]
	sup := s.strings("SELECT CAST(supervisor_id AS CHAR) FROM "+sp+" WHERE fe_row_id = ?", first)[0]
	at := hb.start.Add(59*time.Minute + 58*time.Second).Format("2006-01-02 15:04:05")
	s.copyRow("fe_city_gov", "supervisor_realtime_position", first, map[string]string{"status_time": "'" + at + "'"})
	want[wkey("city_gov", "supervisor_realtime_position", hb.start)] = wantKeys{status: pipelines.StatusExcess,
		extra: []string{sup + "|" + at}, expected: hb.rows, claimed: hb.rows, receive: hb.rows + 1}

	// a state at the window end (the cases in disposal, every half hour,
	// whenever reported): one case lost from one push, the log claiming it
	// arrived, and a case the source never had added to another. Reconcile
	// joins such a resource's windows into one query (joinedSource).
	cd := s.tbl("fe_city_gov", "current_disposal_count")
	cbs := s.batches("city_gov", "current_disposal_count", "2026-11-20 09:00:00", "2026-11-20 12:00:00", 3)
	if len(cbs) < 4 {
		t.Fatalf("the clean simulation has %d current_disposal_count windows of 3 rows or more from 09:00 to 12:00, want 4", len(cbs))
	}
	lost := s.strings("SELECT CAST(case_id AS CHAR) FROM "+cd+" WHERE batch_id = ? ORDER BY fe_row_id LIMIT 1", cbs[0].id)[0]
	s.exec("DELETE FROM "+cd+" WHERE batch_id = ? AND case_id = ?", cbs[0].id, lost)
	want[wkey("city_gov", "current_disposal_count", cbs[0].start)] = wantKeys{status: pipelines.StatusFailed,
		missing: []string{lost}, expected: cbs[0].rows, claimed: cbs[0].rows, receive: cbs[0].rows - 1}
	first = s.strings("SELECT CAST(fe_row_id AS CHAR) FROM "+cd+" WHERE batch_id = ? ORDER BY fe_row_id LIMIT 1", cbs[3].id)[0]
	s.copyRow("fe_city_gov", "current_disposal_count", first, map[string]string{"case_id": "990000003"})
	want[wkey("city_gov", "current_disposal_count", cbs[3].start)] = wantKeys{status: pipelines.StatusExcess,
		extra: []string{"990000003"}, expected: cbs[3].rows, claimed: cbs[3].rows, receive: cbs[3].rows + 1}

	// mismatch: one district's measure off by one (a measures resource).
	cs := s.tbl("fe_ministry", "case_source_stats")
	district := s.strings("SELECT district_name FROM " + cs + " ORDER BY district_name LIMIT 1")[0]
	if s.exec("UPDATE "+cs+" SET collector_cnt = collector_cnt + 1 WHERE district_name = ?", district) != 1 {
		t.Fatalf("case_source_stats has not one row of district %s", district)
	}
	ms := s.batches("ministry", "case_source_stats", "2026-11-19 23:00:00", "2026-11-19 23:00:01", 1)[0]
	want[wkey("ministry", "case_source_stats", ms.start)] = wantKeys{status: pipelines.StatusMismatch, mismatch: []string{district},
		expected: ms.rows, claimed: ms.rows, receive: ms.rows}
	return want
}

// hostileText is a value a repair must carry byte for byte: quotes,
// backslashes, newlines, NUL, emoji, and what looks like SQL.
const hostileText = "it's \"quoted\" \\ back\\slash\\'; DROP TABLE x; --\nnew line\r\ttab \x00 NUL 😀 末尾 "

const hostileAddress = `O'Brien 路 2号 \\ "x"`

func TestMain_Run_KeysOfEveryVerdictOnBothPaths(t *testing.T) {
	t0 := time.Now()
	s := mustCleanSite(t, 11, 900, 0)
	want := s.injectKeyFaults()
	t.Logf("simulated and faulted in %s", time.Since(t0).Round(time.Millisecond))
	MustRunMain(t, exitOK, "--config", s.config, "snapshot")
	t.Logf("snapshot at %s", time.Since(t0).Round(time.Millisecond))
	got := s.reconcileKeys("2026-11-20")
	t.Logf("reconciled at %s", time.Since(t0).Round(time.Millisecond))

	verdicts := map[pipelines.Status]bool{}
	for k, w := range want {
		verdicts[w.status] = true
		checkKeys(t, "reconcile", k, got[k], w)
	}
	for _, v := range []pipelines.Status{pipelines.StatusShort, pipelines.StatusFailed, pipelines.StatusExcess, pipelines.StatusDuplicate,
		pipelines.StatusMissed, pipelines.StatusLate, pipelines.StatusStale, pipelines.StatusMismatch} {
		if !verdicts[v] {
			t.Errorf("no fault made for verdict %s", v)
		}
	}
	// no finding the faults did not make.
	for k, g := range got {
		if _, ok := want[k]; !ok && g.status.Finding() {
			t.Errorf("reconcile %s: %s, not injected", k, g.status)
		}
	}
	// the one-window path holds the same keys (one stale window is
	// enough: each explain reads the windows around it too).
	staleDone := false
	for k, w := range want {
		if w.status == pipelines.StatusStale {
			if staleDone {
				continue
			}
			staleDone = true
		}
		checkKeys(t, "explain", k, s.explainKeys(k), w)
	}
	t.Logf("explained at %s", time.Since(t0).Round(time.Millisecond))

	// the repair plan of every target, applied, resolves what it covers.
	targets := targetsWithFindings(got)
	plan := s.planOf(s.repairPlan("2026-11-20", "json", targets))
	csvFiles := s.repairPlan("2026-11-20", "csv", targets)
	s.applySQL(s.repairPlan("2026-11-20", "sql", targets))
	MustRunMain(t, exitOK, "--config", s.config, "snapshot")
	after := s.reconcileKeys("2026-11-20")
	covered := checkRepaired(t, plan, got, after)
	t.Logf("repaired at %s: %d windows planned, %d covered", time.Since(t0).Round(time.Millisecond), len(plan), covered)
	for _, v := range []pipelines.Status{pipelines.StatusShort, pipelines.StatusFailed, pipelines.StatusExcess, pipelines.StatusDuplicate, pipelines.StatusMismatch} {
		n := 0
		for k, w := range want {
			if w.status == v && plan[k].Covered {
				n++
			}
		}
		if n == 0 {
			t.Errorf("the plan covers no %s window", v)
		}
	}

	// the hostile source values arrived byte for byte, NULL as NULL.
	var desc, addr string
	var comp sql.NullString
	if err := s.db.QueryRow("SELECT description, address, component_code FROM "+s.tbl("fe_province", "case_basic")+" WHERE case_id = ?",
		s.hostileCase).Scan(&desc, &addr, &comp); err != nil {
		t.Fatalf("the repaired row of case %s: %v", s.hostileCase, err)
	}
	if desc != hostileText || addr != hostileAddress || comp.Valid {
		t.Errorf("repaired case %s: description %q, address %q, component_code %v; want %q, %q, NULL", s.hostileCase, desc, addr, comp, hostileText, hostileAddress)
	}

	// the CSV holds the same rows as the plan, the hostile text intact.
	rows, pushes := 0, 0
	for _, w := range plan {
		pushes += len(w.Push)
		rows += len(w.Push)
		for _, d := range w.Delete {
			rows += len(d.Rows)
		}
	}
	csvRows, hostileSeen := 0, false
	for _, f := range csvFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(recs) == 0 || strings.Join(recs[0][:8], ",") != "action,target,resource,window_start,window_end,batch_id,row_id,key" {
			t.Fatalf("%s: header %v", f, recs[0])
		}
		for _, r := range recs[1:] {
			csvRows++
			hostileSeen = hostileSeen || (r[7] == s.hostileCase && slices.Contains(r, hostileText))
		}
	}
	if csvRows != rows || !hostileSeen {
		t.Errorf("CSV: %d rows (hostile text seen: %v), want the plan's %d (%d to push)", csvRows, hostileSeen, rows, pushes)
	}
}
