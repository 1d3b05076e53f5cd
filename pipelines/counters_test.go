package pipelines_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// counterInvariants must hold for every case at every as_of, given a life
// cycle in order (report ≤ accept ≤ file ≤ dispatch ≤ handle ≤ verify ≤
// close, nothing after a void).
var counterInvariants = []string{
	"supervisor_report_cnt <= report_cnt",
	"simple_proc_cnt <= supervisor_report_cnt",
	"public_report_cnt <= report_cnt",
	"valid_report_cnt <= accept_cnt",
	"supervisor_valid_report_cnt <= valid_report_cnt",
	"public_valid_report_cnt <= valid_report_cnt",
	"send_check_cnt + pending_send_check_cnt <= need_send_check_cnt",
	"check_cnt <= need_check_cnt",
	"ontime_check_cnt <= check_cnt",
	"accept_cnt + reject_accept_cnt + pending_accept_cnt <= report_cnt",
	"ontime_accept_cnt <= accept_cnt",
	"prefile_cnt = accept_cnt",
	"ontime_prefile_cnt <= prefile_cnt",
	"file_cnt + reject_file_cnt + pending_file_cnt <= need_file_cnt",
	"ontime_file_cnt <= file_cnt",
	"valid_file_cnt <= file_cnt",
	"accurate_file_cnt <= valid_file_cnt",
	"need_dispatch_cnt = file_cnt",
	"dispatch_cnt + pending_dispatch_cnt <= need_dispatch_cnt",
	"ontime_dispatch_cnt <= dispatch_cnt",
	"accurate_dispatch_cnt + wrong_dispatch_cnt <= dispatch_cnt",
	"need_handle_cnt = dispatch_cnt",
	"handle_cnt <= need_handle_cnt",
	"handle_cnt = ontime_handle_cnt + overtime_handle_cnt",
	"pending_handle_cnt = overdue_unhandled_cnt + ontime_pending_handle_cnt",
	"handle_cnt + pending_handle_cnt <= need_handle_cnt",
	"supervise_cnt + pending_supervise_cnt <= need_supervise_cnt",
	"ontime_supervise_cnt <= supervise_cnt",
	"send_verify_cnt + pending_send_verify_cnt <= need_send_verify_cnt",
	"ontime_send_verify_cnt <= send_verify_cnt",
	"need_verify_cnt = send_verify_cnt",
	"verify_cnt <= need_verify_cnt",
	"ontime_verify_cnt <= verify_cnt",
	"need_close_cnt = handle_cnt + overdue_unhandled_cnt",
	"close_cnt <= need_close_cnt",
	"ontime_close_cnt <= close_cnt",
	"ontime_close_cnt + overtime_close_cnt = close_cnt",
	"close_cnt + ontime_pending_close_cnt + overdue_pending_close_cnt <= handle_cnt",
	"rework_cnt <= dispatch_cnt",
	"rework_times >= rework_cnt",
	"extension_cnt <= dispatch_cnt",
	"void_cnt <= report_cnt",
	"suspend_cnt <= report_cnt",
}

// lifeCycle draws one random case whose stages happen in order.
func lifeCycle(r *rand.Rand, id int, base time.Time) map[string]string {
	ts := func(t time.Time) string { return "'" + t.Format("2006-01-02 15:04:05") + "'" }
	after := func(t time.Time, maxMin int) time.Time { return t.Add(time.Duration(r.IntN(maxMin)+1) * time.Minute) }
	chance := func(p float64) bool { return r.Float64() < p }
	v := map[string]string{}
	source := r.IntN(5) + 1
	report := base.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
	v["id"] = fmt.Sprint(id)
	v["case_no"] = fmt.Sprintf("'C%08d'", id)
	v["source_id"] = fmt.Sprint(source)
	v["report_time"] = ts(report)
	v["accept_deadline"] = ts(report.Add(30 * time.Minute))
	v["rework_count"] = fmt.Sprint(r.IntN(3))
	v["extension_days"] = fmt.Sprint(r.IntN(2) * 3)
	v["suspended"] = fmt.Sprint(r.IntN(2))
	now := report
	// voided ends the life cycle after the current stage, with some chance.
	voided := func() bool {
		if chance(0.04) {
			now = after(now, 600)
			v["void_time"] = ts(now)
			return true
		}
		return false
	}
	if source == 2 && chance(0.8) {
		now = after(now, 30)
		v["check_send_time"] = ts(now)
		v["check_deadline"] = ts(now.Add(60 * time.Minute))
		if chance(0.8) {
			now = after(now, 120)
			v["check_time"] = ts(now)
		}
	}
	if voided() || !chance(0.9) {
		return v
	}
	now = after(now, 60)
	v["accept_time"] = ts(now)
	if !chance(0.9) {
		v["accept_result"] = "0"
		return v
	}
	v["accept_result"] = "1"
	if voided() || !chance(0.95) {
		return v
	}
	v["file_deadline"] = ts(now.Add(30 * time.Minute))
	now = after(now, 60)
	v["file_time"] = ts(now)
	if !chance(0.95) {
		v["file_result"] = "0"
		return v
	}
	v["file_result"] = "1"
	if voided() || !chance(0.9) {
		return v
	}
	v["dispatch_deadline"] = ts(now.Add(30 * time.Minute))
	now = after(now, 60)
	v["dispatch_time"] = ts(now)
	v["dispatch_correct"] = "1"
	if chance(0.2) {
		v["dispatch_correct"] = "0" // sent back and dispatched again
	}
	deadline := now.Add(time.Duration(r.IntN(48)+2) * time.Hour)
	v["handle_deadline"] = ts(deadline)
	if chance(0.3) {
		v["supervise_time"] = ts(after(deadline, 600))
	}
	if voided() || !chance(0.85) {
		return v
	}
	now = after(now, 3*24*60)
	v["handle_time"] = ts(now)
	v["close_deadline"] = ts(now.Add(24 * time.Hour))
	if !chance(0.9) {
		return v
	}
	now = after(now, 120)
	v["verify_send_time"] = ts(now)
	v["verify_deadline"] = ts(now.Add(2 * time.Hour))
	if !chance(0.9) {
		return v
	}
	now = after(now, 240)
	v["verify_time"] = ts(now)
	if !chance(0.95) {
		return v
	}
	now = after(now, 24*60)
	v["close_time"] = ts(now)
	return v
}

// TestCounterInvariants fills biz.cases with random life cycles and checks,
// case by case, that the counters relate as DOMAIN.md and the catalog say.
func TestCounterInvariants(t *testing.T) {
	c := defaultCatalog(t)
	e := &engine{name: "duckdb", db: openDuckDB(t)}
	for _, stmt := range duckDDL(t)(readFile(t, "../schemas/mysql/biz.sql"), "biz") {
		e.exec(t, stmt)
	}
	cols := []string{"id", "case_no", "task_no", "source_id", "kind", "type_id", "main_id", "sub_id", "district_id",
		"street_id", "community_id", "unit_grid_id", "resp_grid_id", "x", "y", "address", "description", "stage_id",
		"report_time", "check_send_time", "check_time", "check_deadline", "accept_time", "accept_deadline", "accept_result",
		"file_time", "file_deadline", "file_result", "dispatch_time", "dispatch_deadline", "dispatch_correct",
		"handle_deadline", "handle_time", "supervise_time", "verify_send_time", "verify_time", "verify_deadline",
		"close_time", "close_deadline", "void_time", "rework_count", "extension_days", "suspended", "updated_at"}
	fixed := map[string]string{"task_no": "'T'", "kind": "1", "type_id": "1", "main_id": "1", "sub_id": "1",
		"district_id": "1", "street_id": "1", "community_id": "1", "unit_grid_id": "1", "resp_grid_id": "1",
		"x": "0", "y": "0", "address": "''", "description": "''", "stage_id": "1", "updated_at": "'2026-11-01 00:00:00'"}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, pipelines.Shanghai)
	var values []string
	for i := 1; i <= 3000; i++ {
		v := lifeCycle(rng, i, base)
		row := make([]string, len(cols))
		for j, col := range cols {
			switch {
			case v[col] != "":
				row[j] = v[col]
			case fixed[col] != "":
				row[j] = fixed[col]
			default:
				row[j] = "NULL"
			}
		}
		values = append(values, "("+strings.Join(row, ", ")+")")
	}
	e.exec(t, "INSERT INTO biz.cases ("+strings.Join(cols, ", ")+") VALUES "+strings.Join(values, ",\n"))

	var sel []string
	for _, s := range c.StatsCounters {
		sel = append(sel, s.Expr+" AS "+s.Name)
	}
	perCase := "SELECT " + strings.Join(sel, ", ") + " FROM biz.cases c"
	for _, days := range []int{2, 5, 9, 12, 30} {
		asOf := base.Add(time.Duration(days) * 24 * time.Hour)
		params := pipelines.Params{"as_of": pipelines.TimeParam(asOf)}
		// Every counter is exercised: some case counts 1 for it.
		if days == 9 {
			var sums []string
			for _, s := range c.StatsCounters {
				sums = append(sums, "SUM("+s.Name+")")
			}
			q, err := pipelines.Render("SELECT "+strings.Join(sums, ", ")+" FROM ("+perCase+") x", params)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]any, len(sums))
			ptrs := make([]any, len(sums))
			for i := range got {
				ptrs[i] = &got[i]
			}
			if err := e.db.QueryRow(q).Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, s := range c.StatsCounters {
				if text(got[i]) == "0" {
					t.Errorf("counter %s is 0 for every random case: the test does not exercise it", s.Name)
				}
			}
		}
		for _, inv := range counterInvariants {
			q, err := pipelines.Render("SELECT COUNT(*) FROM ("+perCase+") x WHERE NOT ("+inv+")", params)
			if err != nil {
				t.Fatal(err)
			}
			var bad int
			if err := e.db.QueryRow(q).Scan(&bad); err != nil {
				t.Fatalf("%s: %v", inv, err)
			}
			if bad > 0 {
				t.Errorf("as of %s: %s fails for %d cases", asOf.Format(time.DateTime), inv, bad)
			}
		}
	}
}
