package reports_test

// Helpers shared by the tests of the package: golden files, the test
// catalog, cell dumps and their diff.

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/reports")

var (
	testDay = time.Date(2026, 11, 21, 0, 0, 0, 0, pipelines.Shanghai)
	testNow = time.Date(2026, 11, 22, 1, 0, 0, 0, pipelines.Shanghai)
)

// testCatalog is a small catalog: three targets with results, one
// without, and a resource (once) without results.
func testCatalog() *pipelines.Catalog {
	return &pipelines.Catalog{
		Targets: []pipelines.Target{
			{Key: "city_gov", NameZH: "市网络理政中心", NameEN: "City governance centre", Database: "fe_city_gov"},
			{Key: "ministry", NameZH: "国家住建部", NameEN: "Ministry of Housing", Database: "fe_ministry"},
			{Key: "chenghua", NameZH: "成华区", NameEN: "Chenghua District", Database: "fe_chenghua"},
			{Key: "pengzhou", NameZH: "彭州市", NameEN: "Pengzhou", Database: "fe_pengzhou"},
		},
		Resources: []pipelines.Resource{
			{Target: "city_gov", Key: "case_report", NameZH: "案件上报信息", Cadence: pipelines.Every10m},
			{Target: "city_gov", Key: "case_dispatch", NameZH: "案件派遣信息", Cadence: pipelines.Every30m},
			{Target: "city_gov", Key: "eval_daily", NameZH: "考评结果（按区县、街道、社区汇总）", Cadence: pipelines.DailyAfter2300},
			{Target: "ministry", Key: "case_stats", NameZH: "案件统计数据", Cadence: pipelines.Hourly},
			{Target: "ministry", Key: "component_census", NameZH: "部件普查数据", Cadence: pipelines.Once},
			{Target: "chenghua", Key: "case_handle", NameZH: "案件处置信息", Cadence: pipelines.Hourly},
			{Target: "pengzhou", Key: "media_archive", NameZH: "视频监控介质", Cadence: pipelines.MediaCopy},
		},
		StatsCounters: []pipelines.StatsCounter{
			{Name: "c_report", ZH: "上报数"},
			{Name: "c_file", ZH: "立案数"},
		},
	}
}

// dumpCells lists every non-empty cell of every sheet as
// "sheet!A1<TAB>value" (formatted as shown), with "<TAB>=formula" after
// the value of a formula cell.
func dumpCells(tb testing.TB, path string) string {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			tb.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				fml, err := f.GetCellFormula(sheet, cell)
				if err != nil {
					tb.Fatal(err)
				}
				if v == "" && fml == "" {
					continue
				}
				fmt.Fprintf(&b, "%s!%s\t%s", sheet, cell, strings.ReplaceAll(v, "\n", `\n`))
				if fml != "" {
					fmt.Fprintf(&b, "\t=%s", fml)
				}
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
