package pipelines

import (
	"math"
	"sort"
	"time"
)

// The rules the reports apply to results and findings: the traffic light
// of a target's day, the limits of table 3-5 ("系统故障等级划分及要求") and
// the quarterly assessment of the operations contract ("考核内容"), as far
// as the warehouse can prove them. Each is a pure function; the reports
// render what they return.

// RAG is the traffic light of a target's results.
type RAG int

// The traffic lights, from no results to red.
const (
	// RAGNone: no results.
	RAGNone RAG = iota
	// RAGGreen: every result ok.
	RAGGreen
	// RAGAmber: only late, pending or unverifiable besides ok.
	RAGAmber
	// RAGRed: any other finding.
	RAGRed
)

func (r RAG) String() string {
	switch r {
	case RAGGreen:
		return "green"
	case RAGAmber:
		return "amber"
	case RAGRed:
		return "red"
	}
	return "none"
}

// RAGOf is the traffic light of results counted by verdict: the worst
// light of any verdict present. ok is green; late, pending and
// unverifiable are amber (the data arrived, or cannot be judged yet); any
// other finding is red.
func RAGOf(counts map[Status]int) RAG {
	out := RAGNone
	for st, n := range counts {
		if n == 0 {
			continue
		}
		var r RAG
		switch st {
		case StatusOK:
			r = RAGGreen
		case StatusLate, StatusPending, StatusUnverifiable:
			r = RAGAmber
		default:
			r = RAGRed
		}
		if r > out {
			out = r
		}
	}
	return out
}

// Timeliness is how a response or a resolution stands against its limit.
type Timeliness int

// The states of a limit.
const (
	// NotDue: not done, and the limit has not passed.
	NotDue Timeliness = iota
	// InTime: done by the limit (or done, with no limit set).
	InTime
	// Late: done after the limit.
	Late
	// Overdue: not done, and the limit has passed.
	Overdue
)

// Judge says how a fault's response or resolution done at done (zero: not
// yet) stands against its limit (zero: none) at now. Table 3-5 sets the
// limits ("响应时间 … 自故障申报时起 2 小时内解决"); the assessment counts
// Late and Overdue alike ("未按时响应", "未按规定时间处理完成").
func Judge(done, limit, now time.Time) Timeliness {
	switch {
	case !done.IsZero() && (limit.IsZero() || !done.After(limit)):
		return InTime
	case !done.IsZero():
		return Late
	case !limit.IsZero() && now.After(limit):
		return Overdue
	}
	return NotDue
}

// FaultPoints are the points deducted for each fault of level 1..4 (一级
// …四级) not answered, or not resolved, in time: "一级故障出现时未按时响应扣3
// 分，未按规定时间处理完成扣3分；二级…扣2分；三级…扣1分；四级…扣1分". Other
// levels deduct nothing.
func FaultPoints(level int) float64 {
	switch level {
	case 1:
		return 3
	case 2:
		return 2
	case 3, 4:
		return 1
	}
	return 0
}

// The points of the other assessment rules the warehouse can prove.
const (
	// PointsInspection: "未提供日巡检记录，每有一次扣 0.2 分".
	PointsInspection = 0.2
	// PointsOutage: "考核周期系统累计故障时间大于 1 小时，每有一次扣 0.5 分".
	PointsOutage = 0.5
	// PointsReport: "未提供月度服务报告，每有一次扣 0.5 分；未提供季度服务
	// 报告，每有一次扣 0.5 分".
	PointsReport = 0.5
	// PointsYearReport: "未提供年度服务报告，每有一次扣 1 分".
	PointsYearReport = 1
	// PointsReportDayLate: "未按时提交合格的服务报告…，每延期 1 天扣 0.1 分".
	PointsReportDayLate = 0.1
	// OutageLimit is the cumulative downtime above which an outage counts.
	OutageLimit = time.Hour
	// ReportDueDays is how many days after its period a monthly or
	// quarterly report is due. The contract says "按时提交" without a date:
	// five days is this program's reading, stated on the report.
	ReportDueDays = 5
)

// DeductionRule names one rule of the assessment.
type DeductionRule int

// The rules, in the order the report lists them.
const (
	RuleInspection     DeductionRule = iota // missing daily inspection records
	RuleResolve                             // faults of one level not resolved in time
	RuleRespond                             // faults of one level not answered in time
	RuleOutage                              // target-months of downtime over OutageLimit
	RuleReports                             // missing monthly or quarterly reports
	RuleYearReport                          // missing yearly reports
	RuleReportsLate                         // days reports were handed in late
	RuleFaultReports                        // fault summary reports missing or late (incidents)
	RuleStabilityShort                      // interruptions over 5 and up to 15 minutes (incidents)
	RuleStabilityHalf                       // interruptions over 30 minutes up to an hour (incidents)
)

// Deduction is one rule applied to a period: Count times Each points.
type Deduction struct {
	Rule  DeductionRule
	Level int // the fault level of RuleResolve and RuleRespond
	Count int
	Each  float64
}

// Points is the deduction: Count × Each.
func (d Deduction) Points() float64 { return float64(d.Count) * d.Each }

// AssessmentFacts are what the warehouse proves about a period.
type AssessmentFacts struct {
	// DaysEnded are the days of the period that have ended since the first
	// run; DaysInspected those of them with an inspection record.
	DaysEnded, DaysInspected int
	// ResolvedLate and RespondedLate count, by fault level 1..4, the faults
	// resolved or answered late or not at all by their limit.
	ResolvedLate, RespondedLate [5]int
	// OutageMonths are the target × month pairs whose merged outages
	// exceed OutageLimit (OutageMonths).
	OutageMonths int
	// ReportsMissing are the monthly and quarterly reports due and not
	// written; YearReportsMissing the yearly ones; ReportDaysLate the days
	// the written ones (of any kind) came late in all.
	ReportsMissing, YearReportsMissing, ReportDaysLate int
	// FaultReports are the incidents whose summary report is missing past
	// its due time or came late (JudgeFault); Stability the period's
	// interruptions by tier (Stability). The tier over an hour is
	// OutageMonths.
	FaultReports int
	Stability    StabilityTiers
}

// Deductions applies every rule the warehouse can prove to a period, in
// report order: inspections, late resolution by level, late response by
// level, outages, missing reports, missing yearly reports, late reports, fault summary reports,
// the two shorter stability tiers.
func Deductions(f AssessmentFacts) []Deduction {
	out := []Deduction{{Rule: RuleInspection, Count: f.DaysEnded - f.DaysInspected, Each: PointsInspection}}
	for lv := 1; lv <= 4; lv++ {
		out = append(out, Deduction{Rule: RuleResolve, Level: lv, Count: f.ResolvedLate[lv], Each: FaultPoints(lv)})
	}
	for lv := 1; lv <= 4; lv++ {
		out = append(out, Deduction{Rule: RuleRespond, Level: lv, Count: f.RespondedLate[lv], Each: FaultPoints(lv)})
	}
	return append(out,
		Deduction{Rule: RuleOutage, Count: f.OutageMonths, Each: PointsOutage},
		Deduction{Rule: RuleReports, Count: f.ReportsMissing, Each: PointsReport},
		Deduction{Rule: RuleYearReport, Count: f.YearReportsMissing, Each: PointsYearReport},
		Deduction{Rule: RuleReportsLate, Count: f.ReportDaysLate, Each: PointsReportDayLate},
		Deduction{Rule: RuleFaultReports, Count: f.FaultReports, Each: PointsFaultReport},
		Deduction{Rule: RuleStabilityShort, Count: f.Stability.Short, Each: PointsStabilityShort},
		Deduction{Rule: RuleStabilityHalf, Count: f.Stability.Half, Each: PointsStabilityHalf})
}

// Deducted is the sum of the deductions, added in order; the estimated
// score is 100 less it ("低于 60 分，视为运维服务不合格").
func Deducted(ds []Deduction) float64 {
	sum := 0.0
	for _, d := range ds {
		sum += d.Points()
	}
	return sum
}

// InspectionDays counts the days (00:00 each, in order) that ended by now
// after the first run (zero: none yet, so no day counts), and of them
// those with an inspection record (inspected, by 2006-01-02): before
// pushaudit ran, the warehouse cannot tell.
func InspectionDays(days []time.Time, inspected map[string]bool, firstRun, now time.Time) (ended, with int) {
	for _, d := range days {
		next := d.AddDate(0, 0, 1)
		if next.After(now) {
			break
		}
		if firstRun.IsZero() || !next.After(firstRun) {
			continue
		}
		ended++
		if inspected[d.Format("2006-01-02")] {
			with++
		}
	}
	return ended, with
}

// DueReport is a report the assessment expects: its period's name, when
// it was due and when it was first written (zero: missing).
type DueReport struct {
	Name         string
	Due, Written time.Time
}

// ReportsOwed lists the missing reports by name and counts the days the
// written ones came after their due time, a part of a day counting whole
// ("每延期 1 天扣 0.1 分").
func ReportsOwed(rs []DueReport) (missing []string, daysLate int) {
	for _, r := range rs {
		switch {
		case r.Written.IsZero():
			missing = append(missing, r.Name)
		case r.Written.After(r.Due):
			daysLate += int(math.Ceil(r.Written.Sub(r.Due).Hours() / 24))
		}
	}
	return missing, daysLate
}

// Outage is a window of a target whose push did not arrive at all.
type Outage struct {
	Target     string
	Start, End time.Time
}

// OutageMonths counts the target × calendar month pairs whose merged
// outage time exceeds limit ("考核周期系统累计故障时间大于 1 小时，每有一次扣
// 0.5 分"), and gives the longest merged time. Overlapping or touching
// outages of a target merge within a month; an outage counts in the month
// it starts.
func OutageMonths(outages []Outage, limit time.Duration) (n int, worst time.Duration) {
	sum := map[string]time.Duration{}
	byTarget := map[string][]Outage{}
	for _, o := range outages {
		byTarget[o.Target] = append(byTarget[o.Target], o)
	}
	for t, list := range byTarget {
		sort.Slice(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start) })
		var cur Outage
		flush := func() {
			if cur.End.After(cur.Start) {
				sum[t+"|"+cur.Start.Format("2006-01")] += cur.End.Sub(cur.Start)
			}
		}
		for i, o := range list {
			if i > 0 && !o.Start.After(cur.End) && o.Start.Format("2006-01") == cur.Start.Format("2006-01") {
				if o.End.After(cur.End) {
					cur.End = o.End
				}
				continue
			}
			if i > 0 {
				flush()
			}
			cur = o
		}
		if len(list) > 0 {
			flush()
		}
	}
	for _, d := range sum {
		if d > limit {
			n++
		}
		if d > worst {
			worst = d
		}
	}
	return n, worst
}
