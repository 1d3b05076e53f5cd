package pipelines_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestRAGOf(t *testing.T) {
	s := func(kv ...any) map[pipelines.Status]int {
		m := map[pipelines.Status]int{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(pipelines.Status)] = kv[i+1].(int)
		}
		return m
	}
	tests := []struct {
		name   string
		counts map[pipelines.Status]int
		want   pipelines.RAG
	}{
		{"no results", s(), pipelines.RAGNone},
		{"zero counts are no results", s(pipelines.StatusOK, 0, pipelines.StatusMissed, 0), pipelines.RAGNone},
		{"every result ok", s(pipelines.StatusOK, 48), pipelines.RAGGreen},
		{"late is amber", s(pipelines.StatusOK, 47, pipelines.StatusLate, 1), pipelines.RAGAmber},
		{"pending is amber", s(pipelines.StatusPending, 2), pipelines.RAGAmber},
		{"unverifiable is amber", s(pipelines.StatusOK, 1, pipelines.StatusUnverifiable, 1), pipelines.RAGAmber},
		{"missed is red", s(pipelines.StatusOK, 47, pipelines.StatusMissed, 1), pipelines.RAGRed},
		{"red wins over amber", s(pipelines.StatusLate, 3, pipelines.StatusDuplicate, 1), pipelines.RAGRed},
		{"stale is red", s(pipelines.StatusStale, 1), pipelines.RAGRed},
		{"mismatch is red", s(pipelines.StatusMismatch, 1), pipelines.RAGRed},
	}
	for _, tc := range tests {
		if got := pipelines.RAGOf(tc.counts); got != tc.want {
			t.Errorf("%s: RAGOf = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestJudge: table 3-5 gives each level a response time and a resolve
// limit ("一级 … 5 分钟 … 自故障申报时起 2 小时内解决"); the assessment
// deducts for "未按时响应" and "未按规定时间处理完成".
func TestJudge(t *testing.T) {
	limit := sh(2026, 11, 20, 12, 0)
	var none time.Time
	tests := []struct {
		name             string
		done, limit, now time.Time
		want             pipelines.Timeliness
	}{
		{"done before the limit", sh(2026, 11, 20, 11, 0), limit, sh(2026, 11, 21, 0, 0), pipelines.InTime},
		{"done at the limit", limit, limit, sh(2026, 11, 21, 0, 0), pipelines.InTime},
		{"done after the limit", sh(2026, 11, 20, 12, 1), limit, sh(2026, 11, 21, 0, 0), pipelines.Late},
		{"done, no limit set", sh(2026, 11, 20, 12, 1), none, sh(2026, 11, 21, 0, 0), pipelines.InTime},
		{"open, limit passed", none, limit, sh(2026, 11, 20, 12, 1), pipelines.Overdue},
		{"open, at the limit", none, limit, limit, pipelines.NotDue},
		{"open, limit ahead", none, limit, sh(2026, 11, 20, 11, 0), pipelines.NotDue},
		{"open, no limit set", none, none, sh(2026, 11, 21, 0, 0), pipelines.NotDue},
	}
	for _, tc := range tests {
		if got := pipelines.Judge(tc.done, tc.limit, tc.now); got != tc.want {
			t.Errorf("%s: Judge = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestDeductions quotes the assessment table (考核内容): "一级故障出现时未按
// 时响应扣3分，未按规定时间处理完成扣3分；二级…扣2分；三级…扣1分；四级故障出
// 现时未按时响应、未按规定时间处理扣1分", "未提供日巡检记录，每有一次扣 0.2 分",
// "未提供月度服务报告，每有一次扣 0.5 分", "每延期 1 天扣 0.1 分", "考核周期系统
// 累计故障时间大于 1 小时，每有一次扣 0.5 分".
func TestDeductions(t *testing.T) {
	for lv, want := range map[int]float64{0: 0, 1: 3, 2: 2, 3: 1, 4: 1, 5: 0} {
		if got := pipelines.FaultPoints(lv); got != want {
			t.Errorf("FaultPoints(%d) = %g, want %g", lv, got, want)
		}
	}
	f := pipelines.AssessmentFacts{
		DaysEnded: 30, DaysInspected: 27, // 3 × 0.2
		ResolvedLate:   [5]int{0, 1, 0, 2, 0}, // 3 + 2 × 1
		RespondedLate:  [5]int{0, 0, 1, 0, 4}, // 2 + 4 × 1
		OutageMonths:   2,                     // 2 × 0.5
		ReportsMissing: 1, ReportDaysLate: 3,  // 0.5 + 3 × 0.1
		// "未提供年度服务报告，每有一次扣 1 分"
		YearReportsMissing: 1,
		// "未及时提交故障报告扣1分"; "大于 5 分钟且小于等于 15 分钟，每有一次扣
		// 0.5 分"; "大于 30 分钟且小于等于 1 小时，扣 1 分".
		FaultReports: 2, Stability: pipelines.StabilityTiers{Short: 3, Half: 1, Long: 9},
	}
	ds := pipelines.Deductions(f)
	var got []string
	for _, d := range ds {
		if d.Count > 0 {
			got = append(got, strings.Join([]string{ruleName(d.Rule), itoa(d.Level), itoa(d.Count), ftoa(d.Points())}, " "))
		}
	}
	want := []string{
		"inspection 0 3 0.6",
		"resolve 1 1 3", "resolve 3 2 2",
		"respond 2 1 2", "respond 4 4 4",
		"outage 0 2 1", "reports 0 1 0.5", "year-report 0 1 1", "reports-late 0 3 0.3",
		"fault-reports 0 2 2", "stability-short 0 3 1.5", "stability-half 0 1 1",
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("deductions\n got %s\nwant %s", strings.Join(got, "; "), strings.Join(want, "; "))
	}
	if got, want := len(ds), 16; got != want {
		t.Errorf("%d rules, want %d (every rule listed, counted or not)", got, want)
	}
	if got, want := pipelines.Deducted(ds), 0.6+3+2+2+4+1+0.5+1+0.3+2+1.5+1; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("Deducted = %g, want %g", got, want)
	}
}

func ruleName(r pipelines.DeductionRule) string {
	return map[pipelines.DeductionRule]string{
		pipelines.RuleInspection: "inspection", pipelines.RuleResolve: "resolve", pipelines.RuleRespond: "respond",
		pipelines.RuleOutage: "outage", pipelines.RuleReports: "reports", pipelines.RuleYearReport: "year-report", pipelines.RuleReportsLate: "reports-late",
		pipelines.RuleFaultReports: "fault-reports", pipelines.RuleStabilityShort: "stability-short", pipelines.RuleStabilityHalf: "stability-half",
	}[r]
}

func itoa(n int) string { return strconv.Itoa(n) }

// ftoa formats points to two decimals, without trailing zeros.
func ftoa(f float64) string {
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', 2, 64), "0"), ".")
}

func TestInspectionDays(t *testing.T) {
	days := []time.Time{sh(2026, 11, 1, 0, 0), sh(2026, 11, 2, 0, 0), sh(2026, 11, 3, 0, 0), sh(2026, 11, 4, 0, 0)}
	inspected := map[string]bool{"2026-11-02": true, "2026-11-04": true}
	tests := []struct {
		name          string
		firstRun, now time.Time
		ended, with   int
	}{
		{"every day ended", sh(2026, 10, 1, 0, 0), sh(2026, 11, 5, 0, 0), 4, 2},
		{"the last day not ended", sh(2026, 10, 1, 0, 0), sh(2026, 11, 4, 23, 59), 3, 1},
		{"before the first run: not counted", sh(2026, 11, 2, 12, 0), sh(2026, 11, 5, 0, 0), 3, 2},
		{"no run at all", time.Time{}, sh(2026, 11, 5, 0, 0), 0, 0},
	}
	for _, tc := range tests {
		ended, with := pipelines.InspectionDays(days, inspected, tc.firstRun, tc.now)
		if ended != tc.ended || with != tc.with {
			t.Errorf("%s: InspectionDays = %d, %d; want %d, %d", tc.name, ended, with, tc.ended, tc.with)
		}
	}
}

func TestReportsOwed(t *testing.T) {
	due := sh(2026, 12, 6, 0, 0)
	missing, late := pipelines.ReportsOwed([]pipelines.DueReport{
		{Name: "2026-10", Due: sh(2026, 11, 6, 0, 0), Written: sh(2026, 11, 3, 9, 0)}, // in time
		{Name: "2026-11", Due: due, Written: due.Add(58 * time.Hour)},                 // 2 days 10 h: 3 days
		{Name: "2026-12", Due: sh(2027, 1, 6, 0, 0)},                                  // missing
		{Name: "2026-Q3", Due: sh(2026, 10, 6, 0, 0), Written: sh(2026, 10, 6, 0, 0)}, // at the due time
	})
	if got, want := strings.Join(missing, " "), "2026-12"; got != want {
		t.Errorf("missing %q, want %q", got, want)
	}
	if late != 3 {
		t.Errorf("%d days late, want 3 (a part of a day counts whole)", late)
	}
}

func TestOutageMonths(t *testing.T) {
	o := func(target string, d, h, mi, minutes int) pipelines.Outage {
		s := sh(2026, 11, d, h, mi)
		return pipelines.Outage{Target: target, Start: s, End: s.Add(time.Duration(minutes) * time.Minute)}
	}
	tests := []struct {
		name    string
		outages []pipelines.Outage
		n       int
		worst   time.Duration
	}{
		{"none", nil, 0, 0},
		{"one hour is not over the limit", []pipelines.Outage{o("a", 20, 10, 0, 30), o("a", 20, 10, 30, 30)}, 0, time.Hour},
		{"touching windows merge past an hour", []pipelines.Outage{o("a", 20, 10, 0, 30), o("a", 20, 10, 30, 30), o("a", 20, 11, 0, 10)}, 1, 70 * time.Minute},
		{"overlaps count once", []pipelines.Outage{o("a", 20, 10, 0, 60), o("a", 20, 10, 30, 20)}, 0, time.Hour},
		{"separate outages add up in the month", []pipelines.Outage{o("a", 3, 10, 0, 40), o("a", 20, 10, 0, 40)}, 1, 80 * time.Minute},
		{"targets count apart", []pipelines.Outage{o("a", 20, 10, 0, 61), o("b", 20, 10, 0, 61), o("c", 20, 10, 0, 30)}, 2, 61 * time.Minute},
		{"months count apart", []pipelines.Outage{o("a", 30, 23, 30, 30), {Target: "a", Start: sh(2026, 12, 1, 0, 0), End: sh(2026, 12, 1, 0, 40)}}, 0, 40 * time.Minute},
	}
	for _, tc := range tests {
		n, worst := pipelines.OutageMonths(tc.outages, pipelines.OutageLimit)
		if n != tc.n || worst != tc.worst {
			t.Errorf("%s: OutageMonths = %d, %s; want %d, %s", tc.name, n, worst, tc.n, tc.worst)
		}
	}
}
