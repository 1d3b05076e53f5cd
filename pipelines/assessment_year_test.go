package pipelines_test

import (
	"math"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestYearAssessment quotes "年度考核得分为各季度考核得分的算数平均数": each
// quarter is scored on its own facts (100 less its deductions) and the
// year is the average of the assessed quarters, not 100 less the year's
// deductions in one sum.
func TestYearAssessment(t *testing.T) {
	q1 := pipelines.AssessmentFacts{DaysEnded: 90, DaysInspected: 85} // 5 × 0.2 = 1
	var q2 pipelines.AssessmentFacts
	q2.ResolvedLate[1], q2.RespondedLate[2] = 1, 1 // 3 + 2 = 5
	q3 := pipelines.AssessmentFacts{ReportsMissing: 1, ReportDaysLate: 3}
	q4 := pipelines.AssessmentFacts{DaysEnded: 10} // not assessed: ignored
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	for _, tc := range []struct {
		name   string
		in     []pipelines.QuarterFacts
		scores []float64 // -1: not assessed
		year   float64
		ok     bool
	}{
		{"four quarters", []pipelines.QuarterFacts{
			{Name: "Q1", Assessed: true, Facts: q1}, {Name: "Q2", Assessed: true, Facts: q2},
			{Name: "Q3", Assessed: true, Facts: q3}, {Name: "Q4", Assessed: true},
		}, []float64{99, 95, 99.2, 100}, (99 + 95 + 99.2 + 100) / 4, true},
		{"a quarter not assessed", []pipelines.QuarterFacts{
			{Name: "Q1", Assessed: true, Facts: q1}, {Name: "Q2", Assessed: true, Facts: q2},
			{Name: "Q3", Assessed: true, Facts: q3}, {Name: "Q4", Facts: q4},
		}, []float64{99, 95, 99.2, -1}, (99 + 95 + 99.2) / 3, true},
		{"none assessed", []pipelines.QuarterFacts{{Name: "Q1"}, {Name: "Q2"}}, []float64{-1, -1}, 0, false},
	} {
		scores, year, ok := pipelines.YearAssessment(tc.in)
		if ok != tc.ok || !near(year, tc.year) {
			t.Errorf("%s: year = %g %v, want %g %v", tc.name, year, ok, tc.year, tc.ok)
		}
		if len(scores) != len(tc.scores) {
			t.Fatalf("%s: %d scores, want %d", tc.name, len(scores), len(tc.scores))
		}
		for i, want := range tc.scores {
			s := scores[i]
			if s.Name != tc.in[i].Name || s.Assessed != (want >= 0) || (want >= 0 && (!near(s.Score, want) || !near(s.Deducted, 100-want))) {
				t.Errorf("%s: quarter %d = %+v, want score %g", tc.name, i, s, want)
			}
		}
	}
	// The one-sum reading (100 − 6.8 = 93.2) is not the contract's.
	if _, year, _ := pipelines.YearAssessment([]pipelines.QuarterFacts{
		{Name: "Q1", Assessed: true, Facts: q1}, {Name: "Q2", Assessed: true, Facts: q2},
		{Name: "Q3", Assessed: true, Facts: q3}, {Name: "Q4", Assessed: true},
	}); near(year, 93.2) {
		t.Error("the year is 100 less the year's deductions, not the quarters' average")
	}
}

func TestQuarterAssessed(t *testing.T) {
	d := func(m, day int) time.Time { return time.Date(2026, time.Month(m), day, 0, 0, 0, 0, pipelines.Shanghai) }
	q3s, q3e := d(7, 1), d(10, 1)
	for _, tc := range []struct {
		name           string
		firstRun, asOf time.Time
		want           bool
	}{
		{"never ran", time.Time{}, d(12, 5), false},
		{"ran before, quarter over", d(1, 10), d(12, 5), true},
		{"first run inside", d(9, 30), d(12, 5), true},
		{"first run after", d(10, 1), d(12, 5), false},
		{"not begun", d(1, 10), d(7, 1), false},
		{"begun", d(1, 10), d(7, 2), true},
	} {
		if got := pipelines.QuarterAssessed(q3s, q3e, tc.firstRun, tc.asOf); got != tc.want {
			t.Errorf("%s: QuarterAssessed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
