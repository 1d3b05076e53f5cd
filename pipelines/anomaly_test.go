package pipelines

import (
	"math"
	"strings"
	"testing"
)

func TestJudgeVolume(t *testing.T) {
	rules := AnomalyRules{}
	for _, tc := range []struct {
		name    string
		x       int64
		history []int64
		judged  bool
		anomaly bool
		median  float64
		spread  float64
	}{
		{"no history: a new deployment", 0, nil, false, false, 0, 0},
		{"two weeks, three needed", 0, []int64{120, 118}, false, false, 0, 0},
		{"a district stops", 0, []int64{120, 118, 125, 119, 122, 121}, true, true, 120.5, math.Sqrt(120.5)},
		{"an ordinary day", 131, []int64{120, 118, 125, 119, 122, 121}, true, false, 120.5, math.Sqrt(120.5)},
		// MAD 10 × 1.4826 = 14.8 > √100: the history's own spread.
		{"a noisy history absorbs a swing", 50, []int64{80, 100, 120, 90, 110, 100}, true, false, 100, 14.826},
		{"a spike", 400, []int64{80, 100, 120, 90, 110, 100}, true, true, 100, 14.826},
		// one bad week among six does not move the median.
		{"an outlier in the history", 0, []int64{120, 0, 125, 119, 122, 121}, true, true, 120.5, math.Sqrt(120.5)},
		{"a quiet night: 0 every week", 0, []int64{0, 0, 0, 0}, true, false, 0, 1},
		{"a quiet night's stray case", 3, []int64{0, 0, 0, 0}, true, false, 0, 1},
		// a score of 5.4, but 12 rows: under min_change.
		{"a small district's busy day", 17, []int64{5, 5, 5, 5}, true, false, 5, math.Sqrt(5)},
		{"a small district's drop", 0, []int64{5, 6, 4, 5}, true, false, 5, math.Sqrt(5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := JudgeVolume(tc.x, tc.history, rules)
			if j.Judged != tc.judged || j.Anomaly != tc.anomaly || j.Points != len(tc.history) {
				t.Fatalf("judged %v anomaly %v points %d, want %v %v %d (%+v)", j.Judged, j.Anomaly, j.Points, tc.judged, tc.anomaly, len(tc.history), j)
			}
			if !tc.judged {
				return
			}
			if math.Abs(j.Median-tc.median) > 1e-9 || math.Abs(j.Spread-tc.spread) > 1e-9 {
				t.Errorf("median %g spread %g, want %g %g", j.Median, j.Spread, tc.median, tc.spread)
			}
			if want := (float64(tc.x) - tc.median) / tc.spread; math.Abs(j.Score-want) > 1e-9 {
				t.Errorf("score %g, want %g", j.Score, want)
			}
		})
	}
	// the rules' fields are used, not the defaults.
	strict := AnomalyRules{MinWeeks: 1, Threshold: 2, MinChange: 1}
	if j := JudgeVolume(150, []int64{120}, strict); !j.Judged || !j.Anomaly {
		t.Errorf("threshold 2, min_change 1: %+v", j)
	}
}

func TestAnomalyRules_Validate(t *testing.T) {
	vol := VolumeSpec{Name: "cases", Table: "biz.cases", TimeColumn: "report_time"}
	for _, tc := range []struct {
		rules AnomalyRules
		want  string
	}{
		{AnomalyRules{Volumes: []VolumeSpec{vol}}, ""},
		{AnomalyRules{Volumes: []VolumeSpec{vol}, Bucket: "hour", Holidays: []string{"2026-10-01"}}, ""},
		{AnomalyRules{Weeks: 60}, "anomaly.weeks: 60"},
		{AnomalyRules{Weeks: 2, MinWeeks: 3}, "anomaly.min_weeks: 3 is not between 1 and weeks (2)"},
		{AnomalyRules{Threshold: -1}, "anomaly.threshold"},
		{AnomalyRules{MinChange: -5}, "anomaly.min_change"},
		{AnomalyRules{Bucket: "week"}, `anomaly.bucket: "week"`},
		{AnomalyRules{Holidays: []string{"2026-10-01", "10/02"}}, `anomaly.holidays[1]: "10/02"`},
		{AnomalyRules{Volumes: []VolumeSpec{vol, vol}}, `anomaly.volumes[1].name: "cases" is named twice`},
		{AnomalyRules{Volumes: []VolumeSpec{{Name: "a b", Table: "biz.cases", TimeColumn: "t"}}}, `anomaly.volumes[0].name: "a b"`},
		{AnomalyRules{Volumes: []VolumeSpec{{Name: "c", Table: "cases", TimeColumn: "t"}}}, `anomaly.volumes[0].table: "cases" is not source.table`},
		{AnomalyRules{Volumes: []VolumeSpec{{Name: "c", Table: "biz.cases"}}}, `anomaly.volumes[0].time_column: missing`},
	} {
		err := tc.rules.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.rules, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want %q", tc.rules, err, tc.want)
		}
	}
}
