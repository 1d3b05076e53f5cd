package pipelines_test

// The catalog fixture loaded into an engine under test.

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// engine is one SQL engine under test, with its names of the biz and
// stats schemas.
type engine struct {
	name   string
	db     *sql.DB
	rename map[string]string
}

func (e *engine) q(s string) string { return pipelines.RenameSchemas(s, e.rename) }

func (e *engine) exec(t *testing.T, stmt string) {
	t.Helper()
	if _, err := e.db.Exec(e.q(stmt)); err != nil {
		t.Fatalf("%s: %v\n%s", e.name, err, e.q(stmt))
	}
}

// caseEvalFill is the INSERT … SELECT that fills stats.case_eval from
// biz.cases with the catalog's counters, as the simulator does.
func caseEvalFill(t *testing.T, c *pipelines.Catalog, asOf time.Time) string {
	t.Helper()
	cols := []string{"case_id", "case_no", "report_time", "stat_date", "district_id", "street_id", "community_id",
		"unit_grid_id", "resp_grid_id", "source_id", "kind", "type_id", "main_id", "sub_id", "detail_id", "stage_id",
		"dept_id", "supervisor_id"}
	exprs := []string{"c.id", "c.case_no", "c.report_time", "CAST(c.report_time AS DATE)", "c.district_id", "c.street_id",
		"c.community_id", "c.unit_grid_id", "c.resp_grid_id", "c.source_id", "c.kind", "c.type_id", "c.main_id", "c.sub_id",
		"c.detail_id", "c.stage_id", "c.dept_id", "c.supervisor_id"}
	for _, s := range c.StatsCounters {
		cols = append(cols, s.Name)
		exprs = append(exprs, s.Expr)
	}
	cols = append(cols, "computed_at")
	exprs = append(exprs, ":as_of")
	q := "INSERT INTO stats.case_eval (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(exprs, ", ") +
		" FROM biz.cases c WHERE c.report_time < :as_of"
	out, err := pipelines.Render(q, pipelines.Params{"as_of": pipelines.TimeParam(asOf)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// loadFixture creates and fills biz and stats on e; ddl turns a MySQL
// script into the engine's statements for a schema.
func loadFixture(t *testing.T, e *engine, c *pipelines.Catalog, ddl func(script, schema string) []string) {
	t.Helper()
	for _, s := range []string{"biz", "stats"} {
		for _, stmt := range ddl(readFile(t, "../schemas/mysql/"+s+".sql"), s) {
			e.exec(t, stmt)
		}
	}
	for _, stmt := range splitSQL(readFile(t, "../testdata/catalog/fixture.sql")) {
		e.exec(t, stmt)
	}
	e.exec(t, caseEvalFill(t, c, testAsOf))
}

// fixtureRows is what each resource query returns on the fixture for the
// test windows: the window semantics of the catalog, spelled out.
var fixtureRows = map[string]int{
	"city_gov/grid_info":                                3, // every responsibility grid
	"city_gov/facility_region_distribution":             3, // every district
	"city_gov/facility_display":                         2, // component sub categories
	"city_gov/streetlight_facility":                     3,
	"city_gov/facility_category_distribution":           1,
	"city_gov/facility_top10_dept_distribution":         3, // three owners
	"city_gov/component_gis_layer":                      3,
	"city_gov/case_record":                              5, // reported [11-26 23:00, 11-27 23:00)
	"city_gov/case_process":                             5, // activities started in the window
	"city_gov/streetlight_issue":                        1, // 1001, dispatched in the window
	"city_gov/road_waterlogging":                        1, // 1002
	"city_gov/streetlight_today":                        1, // 1001: filed by 11:00, open
	"city_gov/supervisor_basic":                         3, // all, no time filter
	"city_gov/supervisor_realtime_position":             4, // samples at 10:00 and 10:30
	"city_gov/supervisor_online":                        2, // online at 10:00
	"city_gov/today_case_total":                         2, // reported [10:00, 10:30)
	"city_gov/today_case_category":                      2,
	"city_gov/today_case_dept_distribution":             2,
	"city_gov/today_case_central_district_distribution": 1, // 成华区 only
	"city_gov/today_high_incidence_category_stats":      2,
	"city_gov/current_disposal_count":                   2, // 1001 and the old 1004
	"ministry/component_stats":                          2,
	"ministry/grid_stats":                               3,
	"ministry/personnel_stats":                          2,
	"ministry/department":                               5,
	"ministry/case_source_stats":                        3, // every district
	"ministry/case_category_stats":                      3,
	"ministry/case_status_stats":                        3,
	"ministry/region_case_stats":                        3,
	"ministry/dept_case_stats":                          2, // (成华区, 路灯处), (彭州市, 城管局)
	"province/case_basic":                               2, // reported [10:00, 10:10)
	"city_cgw/component_info":                           3,
	"city_cgw/case_basic":                               5,
	"city_cgw/case_process":                             5,
	"city_cgw/grid_supervisor_relation":                 3,
	"city_cgw/region_info":                              9,
	"city_cgw/supervisor_info":                          3,
	"city_cgw/site_photo_media":                         3,
	"city_cgw/case_category_relation":                   4, // three subs without details, one detail
	"city_cgw/evaluation_result":                        5,
	"city_cgw/timing_management":                        1,
	"city_cgw/supervisor_track":                         2,
	"city_cgw/organization":                             5,
	"city_cgw/position":                                 2,
	"city_cgw/personnel":                                2,
	"chenghua/case_basic":                               2, // 1001, 1006
	"chenghua/case_stats":                               2,
	"pengzhou/historical_event":                         2, // 1002, 1005
	"pengzhou/event_alert":                              1, // 1002 went overdue at 12:00
	"pengzhou/case_source_stats":                        1,
	"pengzhou/month_case_disposal":                      1,
	"pengzhou/monthly_high_incidence_stats":             1,
	"pengzhou/event_analysis_by_region":                 1, // its one street
	"pengzhou/event_analysis_trend":                     1, // 2026-11
	"qingbaijiang/case_record":                          1, // 1003
}
