package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestMain_Run_Anomaly: the anomaly check end to end on MariaDB. A
// simulated day's cases (2026-11-20) are the seventh of seven weeks of a
// site table of case reports built by SQL: the six same weekdays before it
// are copies of that day, except that on 2026-11-13 the busiest district
// reported nothing. Configured with `anomaly:`, snapshot and `reconcile
// --target source` find exactly that district on that day, and nothing on
// the simulated day (one empty week of six does not move its median);
// explain shows the history; the daily workbook shows the finding on a
// sheet of its own; the pushes' own reconciliation is untouched.
func TestMain_Run_Anomaly(t *testing.T) {
	t.Parallel()
	s, db := mustSimSite(t, 5, 1, 600, 0)
	s.exec("CREATE TABLE {biz}.case_reports (id BIGINT PRIMARY KEY, district_id BIGINT, report_time DATETIME)")
	s.exec("INSERT INTO {biz}.case_reports SELECT id, district_id, report_time FROM {biz}.cases WHERE report_time >= '2026-11-20' AND report_time < '2026-11-21'")
	for k := 1; k <= 7; k++ {
		s.exec("INSERT INTO {biz}.case_reports SELECT id + ? * 100000000, district_id, report_time - INTERVAL ? DAY FROM {biz}.cases WHERE report_time >= '2026-11-20' AND report_time < '2026-11-21'", k, 7*k)
	}
	var busiest string
	var n int
	if err := db.QueryRow("SELECT district_id, count(*) FROM `"+s.names["biz"]+"`.case_reports WHERE report_time >= '2026-11-20' GROUP BY district_id ORDER BY 2 DESC, 1 LIMIT 1").Scan(&busiest, &n); err != nil {
		t.Fatal(err)
	}
	// a stop of n rows against a steady n: a score of √n, 5 from 25.
	if n < 25 {
		t.Fatalf("the busiest district reports %d cases a day: a stop would be under the threshold", n)
	}
	s.exec("DELETE FROM {biz}.case_reports WHERE district_id = ? AND report_time >= '2026-11-13' AND report_time < '2026-11-14'", busiest)

	c := s.cfg
	c.OutputDir = s.dir
	c.Anomaly = &pipelines.AnomalyRules{Resources: true, Volumes: []pipelines.VolumeSpec{{Name: "reports_by_district", Table: "biz.case_reports", TimeColumn: "report_time", By: "district_id"}}}
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.dir, "site.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	MustRunMain(t, exitOK, "--config", path, "snapshot")
	r := runMain(t, "--config", path, "reconcile", "--from", "2026-11-13", "--to", "2026-11-20", "--target", "source", "--format", "json")
	if r.code != exitFindings {
		t.Fatalf("reconcile: exit %d, want %d\n%s", r.code, exitFindings, tail(r.stderr, 20))
	}
	var got []string
	days := map[string]int{}
	expectedVolumes := 0
	for _, l := range lines(r.stdout) {
		var x siteResult
		if err := json.Unmarshal([]byte(l), &x); err != nil || x.Target == "" {
			continue
		}
		if x.Target != pipelines.SourceTarget {
			t.Fatalf("a result of %s in a source-only run", x.Target)
		}
		days[x.WindowStart[:10]]++
		if strings.HasPrefix(x.Resource, "expected:") {
			// one simulated day of results: no history to judge them on.
			expectedVolumes++
			if x.Status != "unverifiable" {
				t.Errorf("%s %s: %s (%s), want unverifiable", x.Resource, x.WindowStart, x.Status, x.detail())
			}
			continue
		}
		// 11-14 .. 11-19 count nothing, as their weeks before did: ok.
		if x.Status == "anomaly" {
			got = append(got, x.Resource+" "+x.WindowStart[:10]+" "+x.detail())
		}
	}
	sort.Strings(got)
	if len(got) != 1 || !strings.HasPrefix(got[0], "reports_by_district:"+busiest+" 2026-11-13 0 条") || !strings.Contains(got[0], "下降 100%") {
		t.Errorf("anomalies:\n%s\nwant reports_by_district:%s on 2026-11-13 only, a drop of 100%%", strings.Join(got, "\n"), busiest)
	}
	if expectedVolumes == 0 {
		t.Error("no expected volume of a resource judged")
	}
	if len(days) != 8 {
		t.Errorf("results on %d days, want 8 (2026-11-13 .. 20): %v", len(days), days)
	}

	e := MustRunMain(t, exitFindings, "--config", path, "explain", "--target", "source", "--resource", "reports_by_district:"+busiest, "--window", "2026-11-13T00:00:00+08:00")
	for _, want := range []string{"anomaly", "counted   0", "2026-11-06 = " + strconv.Itoa(n), "2026-10-09 = " + strconv.Itoa(n)} {
		if !strings.Contains(e.stdout, want) {
			t.Errorf("explain does not show %q:\n%s", want, e.stdout)
		}
	}

	MustRunMain(t, exitOK, "--config", path, "report", "--period", "2026-11-13")
	text := workbookText(t, filepath.Join(s.dir, "数据对接日检表_2026-11-13.xlsx"))
	for _, want := range []string{"数据源（总量异常）", "reports_by_district:" + busiest, pipelines.StatusAnomaly.ZH()} {
		if !strings.Contains(text, want) {
			t.Errorf("the daily workbook does not show %q", want)
		}
	}

	// The pages: the sources' row on the home page, their grid, and the
	// finding with its weeks of history.
	addr, _, stop := startServeConfig(t, path, nil)
	get := func(path string) string { return mustGetPage(t, addr, path) }
	if home := get("/"); !strings.Contains(home, "数据源（总量异常）") || !strings.Contains(home, "/targets/source") {
		t.Error("/ does not show the sources with their link")
	}
	if grid := get("/targets/source"); !strings.Contains(grid, "reports_by_district:"+busiest) {
		t.Error("/targets/source does not show the district's volume")
	}
	start := time.Date(2026, 11, 13, 0, 0, 0, 0, pipelines.Shanghai)
	page := get("/findings/" + reconcile.FindingID(pipelines.SourceTarget, "reports_by_district:"+busiest, start, pipelines.StatusAnomaly))
	for _, want := range []string{"本期数量", "前几周同期中位数", "2026-10-09 = " + strconv.Itoa(n), pipelines.StatusAnomaly.ZH()} {
		if !strings.Contains(page, want) {
			t.Errorf("the finding's page does not show %q", want)
		}
	}
	if r := stop(); r.code != exitOK {
		t.Fatalf("serve: exit %d\n%s", r.code, tail(r.stderr, 10))
	}
}
