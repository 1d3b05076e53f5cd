package reports_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestWriteOps_YearQuarters: "年度考核得分为各季度考核得分的算数平均数". With
// pushaudit running since 1 January, the first three quarters of 2026
// are assessed on their own facts, counted by hand here: every day
// without an inspection record (−0.2), every monthly report and the
// quarter's report missing (−0.5 each). The year's score is the average
// of the four quarters' scores, not 100 less the year's deductions.
func TestWriteOps_YearQuarters(t *testing.T) {
	db := MustOpenOpsWarehouse(t)
	if _, err := db.Exec(`INSERT INTO audit.runs (run_id, command, started_at, finished_at, status, args, message, host, version) VALUES ('20260101T000000.000-snapshot', 'snapshot',
		'2026-01-01 00:00:00', '2026-01-01 00:05:00', 'ok', 'snapshot', NULL, 'testhost', 'v0.1')`); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		f, err := excelize.OpenFile(MustWriteOps(t, db, "2026", lang))
		if err != nil {
			t.Fatal(err)
		}
		sheet := map[string]string{"zh": "考核扣分", "en": "Deductions"}[lang]
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		num := func(r []string, i int) float64 {
			if i >= len(r) {
				t.Fatalf("%s: row %q has no column %d", lang, r, i)
			}
			v, err := strconv.ParseFloat(r[i], 64)
			if err != nil {
				t.Fatalf("%s: row %q column %d: %v", lang, r, i, err)
			}
			return v
		}
		var total, year float64
		var deducted, scores []float64
		for _, r := range rows {
			if len(r) == 0 {
				continue
			}
			switch {
			case len(r) > 1 && (r[1] == "扣分合计" || r[1] == "Total deductions"):
				total = num(r, 4)
			case strings.HasPrefix(r[0], "2026-Q"):
				deducted, scores = append(deducted, num(r, 3)), append(scores, num(r, 4))
			case strings.HasPrefix(r[0], "年度得分") || strings.HasPrefix(r[0], "Yearly score"):
				year = num(r, 4)
			}
		}
		if len(scores) != 4 {
			t.Fatalf("%s: %d quarter rows, want 4: %q", lang, len(scores), rows)
		}
		// Q1: 90 days, Jan–Mar and Q1 missing; Q2: 91 days; Q3: 92 days.
		for i, want := range []float64{90*0.2 + 4*0.5, 91*0.2 + 4*0.5, 92*0.2 + 4*0.5} {
			if math.Abs(deducted[i]-want) > 1e-6 || math.Abs(scores[i]-(100-want)) > 1e-6 {
				t.Errorf("%s: Q%d deducts %g scores %g, want %g and %g", lang, i+1, deducted[i], scores[i], want, 100-want)
			}
		}
		sum, mean := 0.0, 0.0
		for i := range scores {
			sum += deducted[i]
			mean += scores[i] / 4
		}
		// Every fact falls in one quarter: the quarters share the year's deductions.
		if math.Abs(sum-total) > 1e-6 {
			t.Errorf("%s: quarters deduct %g in all, the year %g", lang, sum, total)
		}
		if math.Abs(year-mean) > 1e-6 || math.Abs(year-(100-total)) < 1 {
			t.Errorf("%s: yearly score %g, want the quarters' average %g (not 100 − %g)", lang, year, mean, total)
		}
	}
}
