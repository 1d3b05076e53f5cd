package pipelines_test

import (
	"math"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestJudgeFault quotes 考核内容 "故障应急": "一级故障出现时未按时响应扣3分，
// 未按规定时间处理完成扣3分，未及时提交故障报告扣1分； 二级故障出现时未按时响应
// 扣2分，未按规定时间处理完成扣2分，未及时提交故障报告扣1分； 三级故障出现时未按
// 时响应扣1分，未按规定时间处理完成扣1分…； 四级故障出现时未按时响应、未按规定时
// 间处理扣1分".
func TestJudgeFault(t *testing.T) {
	det := sh(2026, 11, 20, 10, 0)
	now := sh(2026, 12, 20, 0, 0)
	var none time.Time
	inc := func(level int, resolved time.Time) pipelines.Incident {
		lim := pipelines.ResponseLimits[level]
		return pipelines.Incident{Level: level, DetectedAt: det, RespondBy: det.Add(lim.Respond), ResolveBy: det.Add(lim.Resolve), ResolvedAt: resolved}
	}
	r := pipelines.DefaultIncidentRules()
	tests := []struct {
		name                         string
		in                           pipelines.Incident
		responded, report, now       time.Time
		respond, resolve, rep, hours float64
	}{
		{"一级 all in time", inc(1, det.Add(time.Hour)), det.Add(4 * time.Minute), det.Add(48 * time.Hour), now, 0, 0, 0, 0},
		{"一级 answered late: 3", inc(1, det.Add(time.Hour)), det.Add(6 * time.Minute), det.Add(48 * time.Hour), now, 3, 0, 0, 0},
		{"一级 resolved 2h01 after detection: 3, and 1 hour late", inc(1, det.Add(121*time.Minute)), det.Add(time.Minute), det.Add(48 * time.Hour), now, 0, 3, 0, 1},
		{"一级 no summary report within a week: 1", inc(1, det.Add(time.Hour)), det.Add(time.Minute), none, now, 0, 0, 1, 0},
		{"一级 summary report after a week: 1", inc(1, det.Add(time.Hour)), det.Add(time.Minute), det.Add(time.Hour + 8*24*time.Hour), now, 0, 0, 1, 0},
		{"二级 late both: 2 + 2", inc(2, det.Add(4*time.Hour)), det.Add(11 * time.Minute), det.Add(5 * time.Hour), now, 2, 2, 0, 1},
		{"三级 late both: 1 + 1, no report owed", inc(3, det.Add(6*time.Hour)), det.Add(21 * time.Minute), none, now, 1, 1, 0, 2},
		{"四级 late both: 1 + 1", inc(4, det.Add(5*time.Hour+time.Second)), det.Add(31 * time.Minute), none, now, 1, 1, 0, 1},
		{"open and overdue counts as late", inc(2, none), none, none, det.Add(5 * time.Hour), 2, 2, 0, 2},
		{"open, limits ahead: nothing yet", inc(2, none), none, none, det.Add(time.Minute), 0, 0, 0, 0},
	}
	for _, tc := range tests {
		j := pipelines.JudgeFault(r, tc.in, tc.responded, tc.report, tc.now)
		if j.RespondPoints != tc.respond || j.ResolvePoints != tc.resolve || j.ReportPoints != tc.rep || float64(j.HoursLate) != tc.hours {
			t.Errorf("%s: respond %g resolve %g report %g hours late %d; want %g %g %g %g",
				tc.name, j.RespondPoints, j.ResolvePoints, j.ReportPoints, j.HoursLate, tc.respond, tc.resolve, tc.rep, tc.hours)
		}
	}
}

// TestStability quotes "系统稳定性": "对于运维单位负有责任的系统故障，累计时间
// 大于 30 分钟且小于等于 1 小时，扣 1 分；考核周期累计时间大于 5 分钟且小于等于 15
// 分钟，每有一次扣 0.5 分", "考核周期系统累计故障时间大于 1 小时，每有一次扣 0.5 分".
func TestStability(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name string
		in   []time.Duration
		want pipelines.StabilityTiers
		pts  float64
	}{
		{"none", nil, pipelines.StabilityTiers{}, 0},
		{"5 minutes is not over 5", []time.Duration{5 * m}, pipelines.StabilityTiers{}, 0},
		{"over 5 up to 15: 0.5 each", []time.Duration{6 * m, 15 * m}, pipelines.StabilityTiers{Short: 2}, 1},
		{"over 15 up to 30: the table says nothing", []time.Duration{20 * m, 30 * m}, pipelines.StabilityTiers{}, 0},
		{"over 30 up to an hour: 1", []time.Duration{31 * m, 60 * m}, pipelines.StabilityTiers{Half: 2}, 2},
		{"over an hour: 0.5 each", []time.Duration{61 * m, 3 * time.Hour}, pipelines.StabilityTiers{Long: 2}, 1},
	}
	for _, tc := range tests {
		got := pipelines.Stability(tc.in)
		if got != tc.want || got.Points() != tc.pts {
			t.Errorf("%s: %+v (%g points), want %+v (%g)", tc.name, got, got.Points(), tc.want, tc.pts)
		}
	}
}

// TestMoney quotes 考核结果应用 and 违约责任: "每扣1分对应扣除当季服务费100元服务
// 费"; "每延期 1 小时（不足 1 小时按 1 小时计算）扣除季度服务总额的千分之五，单次
// 故障扣款累计不超过季度服务总额的百分之八"; "扣款累计达到服务总额的百分之十五…
// 采购人有权单方面终止服务".
func TestMoney(t *testing.T) {
	if got := pipelines.PointsMoney(3.5); got != 350 {
		t.Errorf("PointsMoney(3.5) = %g, want 350", got)
	}
	base := sh(2026, 11, 20, 12, 0)
	for _, tc := range []struct {
		done time.Time
		want int
	}{{base, 0}, {base.Add(-time.Hour), 0}, {base.Add(time.Second), 1}, {base.Add(time.Hour), 1}, {base.Add(61 * time.Minute), 2}} {
		if got := pipelines.HoursLate(tc.done, base); got != tc.want {
			t.Errorf("HoursLate(%v) = %d, want %d", tc.done.Sub(base), got, tc.want)
		}
	}
	for _, tc := range []struct {
		hours int
		want  float64
	}{{0, 0}, {1, 500}, {10, 5000}, {16, 8000}, {17, 8000}, {100, 8000}} {
		if got := pipelines.LatePenalty(tc.hours, 100000); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("LatePenalty(%d h, 100000) = %g, want %g", tc.hours, got, tc.want)
		}
	}
	for _, tc := range []struct {
		cum, fee float64
		want     bool
	}{{59999, 100000, false}, {60000, 100000, true}, {1e9, 0, false}} {
		if got := pipelines.TerminationWarning(tc.cum, tc.fee); got != tc.want {
			t.Errorf("TerminationWarning(%g, %g) = %v, want %v", tc.cum, tc.fee, got, tc.want)
		}
	}
}

// TestYearlyScore quotes "年度考核得分为各季度考核得分的算数平均数".
func TestYearlyScore(t *testing.T) {
	if got, ok := pipelines.YearlyScore([]float64{100, 90, 95, 75}); !ok || got != 90 {
		t.Errorf("YearlyScore = %g %v, want 90", got, ok)
	}
	if _, ok := pipelines.YearlyScore(nil); ok {
		t.Error("YearlyScore of no quarter is ok")
	}
	for _, tc := range []struct {
		t    time.Time
		want string
	}{{sh(2026, 1, 1, 0, 0), "2026-Q1"}, {sh(2026, 3, 31, 23, 59), "2026-Q1"}, {sh(2026, 4, 1, 0, 0), "2026-Q2"}, {sh(2026, 12, 31, 23, 0), "2026-Q4"}} {
		if got := pipelines.Quarter(tc.t); got != tc.want {
			t.Errorf("Quarter(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}
