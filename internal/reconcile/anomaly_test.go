package reconcile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// anomalyDDL builds seven weeks (2026-10-01 .. 2026-11-20) of cases in
// biz.case_info by SQL, not by the simulator: five districts of different
// sizes, a weekly rhythm (weekends at 60 %), a deterministic day-to-day
// noise of ±10 %, reported between 08:00 and 20:00 only (quiet nights).
// District 510199 begins on 2026-11-06 (a new deployment's district).
func anomalyDDL() []string {
	return []string{
		"CREATE SCHEMA biz",
		"CREATE TABLE biz.case_info (id BIGINT, report_time TIMESTAMP, district_code VARCHAR)",
		`CREATE TEMP TABLE plan AS
		 SELECT d.district, t.day,
		        CAST(round(d.base * CASE WHEN dayofweek(t.day) IN (0, 6) THEN 0.6 ELSE 1 END
		                   * (0.9 + (hash(d.district || CAST(t.day AS VARCHAR)) % 21) / 100.0)) AS INTEGER) AS n
		 FROM (VALUES ('510104', 480), ('510105', 120), ('510106', 40), ('510107', 5), ('510199', 200)) d(district, base),
		      range(TIMESTAMP '2026-10-01', TIMESTAMP '2026-11-21', INTERVAL 1 DAY) t(day)
		 WHERE d.district <> '510199' OR t.day >= TIMESTAMP '2026-11-06'`,
		`INSERT INTO biz.case_info
		 SELECT row_number() OVER (), day + INTERVAL 8 HOUR + to_seconds(CAST(i * 43200 // n AS BIGINT)), district
		 FROM (SELECT district, day, n, unnest(range(n)) AS i FROM plan)`,
	}
}

// TestReconciler_Run_Anomaly: over a week of ordinary data the check stays
// silent, even for a small district that drops to nothing or triples (under
// min_change) and for quiet nights; a district that stops reporting for a
// day, and one whose reports triple, are each one anomaly of their day; a
// holiday is not judged and is no history; a district without enough
// weeks of history is not judged.
func TestReconciler_Run_Anomaly(t *testing.T) {
	ctx := context.Background()
	// a new district: 1 or 2 weeks of history on its weekday, not 3.
	var newDistrict []string
	for d := 14; d <= 20; d++ {
		newDistrict = append(newDistrict, fmt.Sprintf("cases_by_district:510199 2026-11-%d unverifiable", d))
	}
	daily := pipelines.AnomalyRules{Volumes: []pipelines.VolumeSpec{{Name: "cases_by_district", Table: "biz.case_info", TimeColumn: "report_time", By: "district_code"}}}
	for _, tc := range []struct {
		name  string
		rules func(pipelines.AnomalyRules) pipelines.AnomalyRules
		sql   []string
		want  []string // "resource window-start verdict", anomalies and unverifiable only
	}{
		{name: "ordinary weeks", want: newDistrict},
		{name: "a district stops reporting for a day, another triples, a small one stops",
			sql: []string{
				"DELETE FROM biz.case_info WHERE district_code IN ('510105', '510107') AND report_time >= '2026-11-18' AND report_time < '2026-11-19'",
				`INSERT INTO biz.case_info SELECT 1000000 + i, TIMESTAMP '2026-11-17 09:00:00' + to_seconds(i), '510106' FROM range(80) r(i)`,
				// a small district's busy day: 5 → 17, a score over the
				// threshold but 12 rows, under min_change.
				`INSERT INTO biz.case_info SELECT 2000000 + i, TIMESTAMP '2026-11-19 09:00:00' + to_seconds(i), '510107' FROM range(12) r(i)`,
			},
			want: append([]string{
				"cases_by_district:510105 2026-11-18 anomaly",
				"cases_by_district:510106 2026-11-17 anomaly",
			}, newDistrict...)},
		{name: "a holiday is neither judged nor history",
			sql: []string{
				// the national-day-like holiday: 510104 reports a third.
				"DELETE FROM biz.case_info WHERE district_code = '510104' AND report_time >= '2026-11-13' AND report_time < '2026-11-14' AND id % 3 <> 0",
				"DELETE FROM biz.case_info WHERE district_code = '510104' AND report_time >= '2026-11-06' AND report_time < '2026-11-07' AND id % 3 <> 0",
				"DELETE FROM biz.case_info WHERE district_code = '510104' AND report_time >= '2026-10-30' AND report_time < '2026-10-31' AND id % 3 <> 0",
				"DELETE FROM biz.case_info WHERE district_code = '510104' AND report_time >= '2026-10-23' AND report_time < '2026-10-24' AND id % 3 <> 0",
				"DELETE FROM biz.case_info WHERE district_code <> '510104'",
				"DELETE FROM biz.case_info WHERE report_time >= '2026-11-16' AND report_time < '2026-11-17' AND id % 3 <> 0",
			},
			rules: func(a pipelines.AnomalyRules) pipelines.AnomalyRules {
				a.Holidays = []string{"2026-11-13", "2026-11-06", "2026-10-30", "2026-10-23", "2026-11-16"}
				return a
			},
			want: []string{
				"cases_by_district:510104 2026-11-16 unverifiable", // a holiday
				"cases_by_district:510104 2026-11-20 unverifiable", // 2 Fridays left of 6
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpenWarehouse(t, append(anomalyDDL(), tc.sql...)...)
			mustSnapshotted(t, db, "2026-11-21 01:00:00", "biz")
			rules := daily
			if tc.rules != nil {
				rules = tc.rules(rules)
			}
			rs, err := New(db, &pipelines.Catalog{}).Run(ctx, Options{From: sh(2026, 11, 14, 0, 0), To: sh(2026, 11, 20, 0, 0),
				Now: sh(2026, 11, 21, 2, 0), RunID: "r1", Anomaly: rules, Target: pipelines.SourceTarget})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			judged := 0
			for _, x := range rs {
				if x.Target != pipelines.SourceTarget {
					t.Fatalf("a result of %s/%s in a source-only run", x.Target, x.Resource)
				}
				if x.Status != pipelines.StatusOK {
					got = append(got, fmt.Sprintf("%s %s %s", x.Resource, x.Window.Start.Format(time.DateOnly), x.Status))
				} else {
					judged++
				}
				if x.Status == pipelines.StatusAnomaly && (x.FaultLevel != 3 || !strings.Contains(x.Detail, "中位数")) {
					t.Errorf("%s %s: level %d, detail %q", x.Resource, x.Window.Start.Format(time.DateOnly), x.FaultLevel, x.Detail)
				}
			}
			sort.Strings(got)
			sort.Strings(tc.want)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if judged == 0 {
				t.Error("no bucket judged ok")
			}
			// the findings reach the ledger as any other.
			if n, want := mustCount(t, db, "SELECT count(*) FROM audit.findings WHERE target = 'source' AND status = 'anomaly'"), strings.Count(strings.Join(tc.want, "\n"), "anomaly"); n != want {
				t.Errorf("ledger holds %d anomaly findings, want %d", n, want)
			}
		})
	}
}

// TestReconciler_Run_AnomalyHourly: hourly buckets compare an hour with
// the same weekday's hour; the quiet night's hours (0 every week) stay
// ok, and the four hours a large district stopped are four anomalies. A
// snapshot older than the day judges none of it.
func TestReconciler_Run_AnomalyHourly(t *testing.T) {
	ctx := context.Background()
	rules := pipelines.AnomalyRules{Bucket: "hour", Volumes: []pipelines.VolumeSpec{{Name: "cases", Table: "biz.case_info", TimeColumn: "report_time", By: "district_code"}}}
	db := mustOpenWarehouse(t, append(anomalyDDL(),
		"DELETE FROM biz.case_info WHERE district_code = '510104' AND report_time >= '2026-11-18 10:00' AND report_time < '2026-11-18 14:00'")...)
	mustSnapshotted(t, db, "2026-11-21 01:00:00", "biz")
	rs, err := New(db, &pipelines.Catalog{}).Run(ctx, Options{From: sh(2026, 11, 18, 0, 0), To: sh(2026, 11, 18, 0, 0),
		Now: sh(2026, 11, 21, 2, 0), RunID: "r1", Anomaly: rules, Target: pipelines.SourceTarget})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range rs {
		if x.Status == pipelines.StatusAnomaly {
			got = append(got, fmt.Sprintf("%s %s %s", x.Resource, x.Window.Start.Format("15:04"), x.Status))
		}
	}
	want := "cases:510104 10:00 anomaly\ncases:510104 11:00 anomaly\ncases:510104 12:00 anomaly\ncases:510104 13:00 anomaly"
	if strings.Join(got, "\n") != want {
		t.Errorf("hourly findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if len(rs) != 5*24 {
		t.Errorf("%d results, want 5 districts × 24 hours", len(rs))
	}

	db = mustOpenWarehouse(t, anomalyDDL()...)
	mustSnapshotted(t, db, "2026-11-18 12:00:00", "biz")
	rs, err = New(db, &pipelines.Catalog{}).Run(ctx, Options{From: sh(2026, 11, 18, 0, 0), To: sh(2026, 11, 18, 0, 0),
		Now: sh(2026, 11, 21, 2, 0), RunID: "r1", Anomaly: rules, Target: pipelines.SourceTarget})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rs {
		if x.Resource == "cases:510199" {
			continue // a new district: never judged yet
		}
		if want := x.Window.End.After(sh(2026, 11, 18, 12, 0)); (x.Status == pipelines.StatusUnverifiable) != want {
			t.Errorf("%s %s: %s with the snapshot at 12:00", x.Resource, x.Window.Start.Format("15:04"), x.Status)
		}
	}
}

// TestReconciler_Run_AnomalyResources: a resource's expected volume, from
// results stored by earlier runs (built by SQL): 10 rows an hour from
// 08:00 to 20:00, none at night, for seven weeks. On 2026-11-18 its source
// query gave nothing all day (a district that stopped reporting makes
// every push "complete"): an anomaly of that day. On 2026-11-19 one hour
// was unverifiable: the day is not judged. The other days are ok, and a
// resource without seven weeks of results is not judged.
func TestReconciler_Run_AnomalyResources(t *testing.T) {
	ctx := context.Background()
	cat := caseIDsCatalog("r", pipelines.Hourly)
	young := cat.Resources[0]
	young.Key, young.Table = "young", "young"
	cat.Resources = append(cat.Resources, young)
	db := mustOpenWarehouse(t, append(exchangeDDL(),
		`INSERT INTO audit.results (run_id, target, resource, window_start, window_end, status, expected, claimed, received)
		 SELECT 'old', 't', 'r', s, s + INTERVAL 1 HOUR, 'ok', e, e, e
		 FROM (SELECT s, CASE WHEN hour(s) BETWEEN 8 AND 19 AND s::DATE <> DATE '2026-11-18' THEN 10 ELSE 0 END AS e
		       FROM range(TIMESTAMP '2026-10-01', TIMESTAMP '2026-11-21', INTERVAL 1 HOUR) t(s))`,
		`UPDATE audit.results SET status = 'unverifiable', expected = NULL WHERE window_start = TIMESTAMP '2026-11-19 03:00:00'`,
		`INSERT INTO audit.results (run_id, target, resource, window_start, window_end, status, expected, claimed, received)
		 SELECT 'old', 't', 'young', s, s + INTERVAL 1 HOUR, 'ok', 10, 10, 10
		 FROM range(TIMESTAMP '2026-11-10', TIMESTAMP '2026-11-21', INTERVAL 1 HOUR) t(s)`)...)
	rs, err := New(db, cat).Run(ctx, Options{From: sh(2026, 11, 14, 0, 0), To: sh(2026, 11, 20, 0, 0),
		Now: sh(2026, 11, 21, 2, 0), RunID: "r1", Anomaly: pipelines.AnomalyRules{Resources: true}, Target: pipelines.SourceTarget})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range rs {
		got[x.Resource+" "+x.Window.Start.Format(time.DateOnly)] = string(x.Status)
	}
	for d := 14; d <= 20; d++ {
		day := fmt.Sprintf("2026-11-%d", d)
		want := map[int]string{18: "anomaly", 19: "unverifiable"}[d]
		if want == "" {
			want = "ok"
		}
		if g := got["expected:t.r "+day]; g != want {
			t.Errorf("expected:t.r %s: %s, want %s", day, g, want)
		}
		if g := got["expected:t.young "+day]; g != "unverifiable" {
			t.Errorf("expected:t.young %s: %s, want unverifiable (under 3 weeks of history)", day, g)
		}
	}
	if len(got) != 14 {
		t.Errorf("%d results, want 2 resources × 7 days: %v", len(got), got)
	}
}

// TestReconciler_Run_AnomalyMissingTable: a volume whose table (or column)
// the warehouse lacks is unverifiable on every bucket, with the reason,
// and the run goes on: the other volume is judged.
func TestReconciler_Run_AnomalyMissingTable(t *testing.T) {
	db := mustOpenWarehouse(t, anomalyDDL()...)
	mustSnapshotted(t, db, "2026-11-21 01:00:00", "biz")
	rules := pipelines.AnomalyRules{Volumes: []pipelines.VolumeSpec{
		{Name: "gone", Table: "biz.case_reports", TimeColumn: "report_time"},
		{Name: "renamed", Table: "biz.case_info", TimeColumn: "report_time", By: "district"},
		{Name: "cases", Table: "biz.case_info", TimeColumn: "report_time"},
	}}
	rs, err := New(db, &pipelines.Catalog{}).Run(context.Background(), Options{From: sh(2026, 11, 20, 0, 0), To: sh(2026, 11, 20, 0, 0),
		Now: sh(2026, 11, 21, 2, 0), RunID: "r1", Anomaly: rules, Target: pipelines.SourceTarget})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range rs {
		got[x.Resource] = string(x.Status) + " " + x.Detail
	}
	if !strings.HasPrefix(got["gone"], "unverifiable 仓库中没有 biz.case_reports") || !strings.HasPrefix(got["renamed"], "unverifiable 仓库中没有 biz.case_info 的列 report_time 或 district") {
		t.Errorf("missing table and column: %q, %q", got["gone"], got["renamed"])
	}
	if !strings.HasPrefix(got["cases"], "ok") {
		t.Errorf("the volume that exists: %q, want ok", got["cases"])
	}
}
