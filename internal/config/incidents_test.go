package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestConfig_IncidentRules(t *testing.T) {
	if got, want := mustParse(t, base, "").IncidentRules(), pipelines.DefaultIncidentRules(); got != want {
		t.Errorf("no incidents key: %+v, want the defaults %+v", got, want)
	}
	c := mustParse(t, base+"incidents: {gap: 10m, whole_target: 2, major_rows: 500}\nassessment: {quarterly_fee: 125000}\n", "")
	r := c.IncidentRules()
	if r.Gap != 10*time.Minute || r.WholeTarget != 2 || r.MajorRows != 500 || r.WholeTargetLevel != 1 || r.ReportDue != 7*24*time.Hour {
		t.Errorf("rules %+v: want gap 10m, whole_target 2, major_rows 500, the rest defaults", r)
	}
	if c.Assessment.QuarterlyFee != 125000 {
		t.Errorf("quarterly_fee %g", c.Assessment.QuarterlyFee)
	}
	for _, tc := range []struct{ src, want string }{
		{"incidents: {major_level: 7}\n", "incidents.major_level: 7 is not a level 1..4"},
		{"incidents: {gap: -5m}\n", "incidents.gap"},
		{"assessment: {quarterly_fee: -1}\n", "assessment.quarterly_fee: -1 is negative"},
	} {
		_, err := config.Parse(strings.NewReader(base+tc.src), "site.yaml", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestConfig_AnomalyRules(t *testing.T) {
	if got := mustParse(t, base, "").AnomalyRules(); len(got.Volumes) != 0 {
		t.Errorf("no anomaly key: %+v, want no volumes", got)
	}
	for _, j := range mustParse(t, base, "").ServeJobs() {
		if j.Name == "reconcile:source" {
			t.Error("reconcile:source scheduled without anomaly volumes")
		}
	}
	src := base + `anomaly:
  weeks: 8
  holidays: [2026-10-01, 2026-10-02]
  volumes:
    - {name: cases_by_district, table: biz.cases, time_column: report_time, by: district_code}
`
	c := mustParse(t, src, "")
	a := c.AnomalyRules()
	if a.Weeks != 8 || a.MinWeeks != pipelines.DefaultAnomalyMinWeeks || a.Threshold != pipelines.DefaultAnomalyThreshold || a.Bucket != "day" ||
		len(a.Holidays) != 2 || len(a.Volumes) != 1 || a.Volumes[0].By != "district_code" {
		t.Errorf("rules %+v: want weeks 8, the holidays and the volume, the rest defaults", a)
	}
	cron := map[string]string{}
	for _, j := range c.ServeJobs() {
		cron[j.Name] = j.Cron
	}
	if cron["reconcile:source"] != "25 6 * * *" {
		t.Errorf("reconcile:source at %q, want daily at 06:25", cron["reconcile:source"])
	}
	if cron := mustParse(t, strings.Replace(src, "weeks: 8", "weeks: 8\n  bucket: hour", 1), "").ServeJobs(); !hasJob(cron, "reconcile:source", "5 * * * *") {
		t.Errorf("hourly buckets: reconcile:source not hourly: %+v", cron)
	}
	for _, tc := range []struct{ src, want string }{
		{"anomaly: {min_weeks: 9}\n", "anomaly.min_weeks: 9 is not between 1 and weeks (6)"},
		{"anomaly: {volumes: [{name: v, table: biz.cases}]}\n", "anomaly.volumes[0].time_column: missing"},
		{"anomaly: {volumes: [{name: v, table: nowhere.cases, time_column: t}]}\n", `anomaly.volumes[0].table: "nowhere.cases" is not in a source of the config`},
		{"anomaly: {weeks: 4, sigma: 3}\n", "sigma"},
	} {
		_, err := config.Parse(strings.NewReader(base+tc.src), "site.yaml", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
}

func hasJob(js []config.ServeJob, name, cron string) bool {
	for _, j := range js {
		if j.Name == name && j.Cron == cron {
			return true
		}
	}
	return false
}
