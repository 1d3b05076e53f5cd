package pipelines

// The assessment of faults (考核内容, "专项支撑服务 / 故障应急" and "系统稳定
// 性") and its money (考核结果应用, 违约责任), applied to incidents: one
// fault, one deduction.

import (
	"math"
	"time"
)

// The points and money of the fault rules.
const (
	// PointsFaultReport: "未及时提交故障报告扣1分"; "故障处理记录、故障报告缺
	// 失或未达到用户要求的，每有一次扣1分".
	PointsFaultReport = 1.0
	// PointsStabilityShort: "考核周期累计时间大于 5 分钟且小于等于 15 分钟，
	// 每有一次扣 0.5 分".
	PointsStabilityShort = 0.5
	// PointsStabilityHalf: "累计时间大于 30 分钟且小于等于 1 小时，扣 1 分".
	PointsStabilityHalf = 1.0
	// PointsStabilityLong: "考核周期系统累计故障时间大于 1 小时，每有一次扣
	// 0.5 分".
	PointsStabilityLong = 0.5
	// YuanPerPoint: "每扣1分对应扣除当季服务费100元服务费".
	YuanPerPoint = 100.0
	// LateHourShare: "每延期 1 小时（不足 1 小时按 1 小时计算）扣除季度服务总
	// 额的千分之五"; LateFaultCap: "单次故障扣款累计不超过季度服务总额的百分之八".
	LateHourShare = 0.005
	LateFaultCap  = 0.08
	// TerminationShare: "扣款累计达到服务总额的百分之十五…采购人有权单方面终
	// 止服务"; the total is four quarters ("每季度服务费为总费用四分之一").
	TerminationShare = 0.15
)

// FaultJudgement is how one incident stands against the assessment.
type FaultJudgement struct {
	Respond, Resolve Timeliness
	// ReportOwed: a summary report is owed (IncidentRules.ReportOwed);
	// Report how it stands against its due time.
	ReportOwed bool
	ReportDue  time.Time
	Report     Timeliness
	// HoursLate: whole hours the resolution came (or is) after its limit,
	// a part counting whole.
	HoursLate int
	// The points deducted: for the response, the resolution and the
	// report.
	RespondPoints, ResolvePoints, ReportPoints float64
}

// Points is the incident's whole deduction.
func (j FaultJudgement) Points() float64 { return j.RespondPoints + j.ResolvePoints + j.ReportPoints }

// JudgeFault applies the fault rules of the assessment to an incident
// responded to at respondedAt and reported on at reportAt (zero: not
// yet), as of now: "一级故障出现时未按时响应扣3分，未按规定时间处理完成扣3
// 分，未及时提交故障报告扣1分；二级…扣2分…扣2分…扣1分；三级…扣1分…扣1分…扣1
// 分；四级故障出现时未按时响应、未按规定时间处理扣1分，未及时提交故障报告扣1
// 分". A limit not yet passed deducts nothing yet; late and not done by
// the limit deduct alike.
func JudgeFault(r IncidentRules, in Incident, respondedAt, reportAt, now time.Time) FaultJudgement {
	var j FaultJudgement
	j.Respond = Judge(respondedAt, in.RespondBy, now)
	j.Resolve = Judge(in.ResolvedAt, in.ResolveBy, now)
	if j.Respond == Late || j.Respond == Overdue {
		j.RespondPoints = FaultPoints(in.Level)
	}
	if j.Resolve == Late || j.Resolve == Overdue {
		j.ResolvePoints = FaultPoints(in.Level)
		end := in.ResolvedAt
		if end.IsZero() {
			end = now
		}
		j.HoursLate = HoursLate(end, in.ResolveBy)
	}
	j.ReportOwed, j.ReportDue = r.ReportOwed(in)
	if j.ReportOwed {
		j.Report = Judge(reportAt, j.ReportDue, now)
		if j.Report == Late || j.Report == Overdue {
			j.ReportPoints = PointsFaultReport
		}
	}
	return j
}

// HoursLate is the whole hours from limit to done, a part of an hour
// counting whole ("不足 1 小时按 1 小时计算"); 0 when done by the limit.
func HoursLate(done, limit time.Time) int {
	if limit.IsZero() || !done.After(limit) {
		return 0
	}
	return int(math.Ceil(done.Sub(limit).Hours()))
}

// LatePenalty is the money a fault resolved hoursLate hours late costs of
// a quarter's fee: "每延期 1 小时…扣除季度服务总额的千分之五，单次故障扣款累
// 计不超过季度服务总额的百分之八".
func LatePenalty(hoursLate int, quarterlyFee float64) float64 {
	share := math.Min(float64(hoursLate)*LateHourShare, LateFaultCap)
	return share * quarterlyFee
}

// PointsMoney is what deducted points cost: "每扣1分对应扣除当季服务费100元
// 服务费".
func PointsMoney(points float64) float64 { return points * YuanPerPoint }

// TerminationWarning reports whether cumulative money deducted reaches the
// termination clause: "扣款累计达到服务总额的百分之十五", the total being
// four quarters' fees. No fee (0) never warns.
func TerminationWarning(cumulative, quarterlyFee float64) bool {
	return quarterlyFee > 0 && cumulative >= TerminationShare*4*quarterlyFee
}

// StabilityTiers count the interruptions of a quarter by tier.
type StabilityTiers struct {
	Short int // over 5 and up to 15 minutes
	Half  int // over 30 minutes and up to an hour
	Long  int // over an hour
}

// Points is the stability deduction of the tiers.
func (s StabilityTiers) Points() float64 {
	return float64(s.Short)*PointsStabilityShort + float64(s.Half)*PointsStabilityHalf + float64(s.Long)*PointsStabilityLong
}

// Stability sorts a quarter's interruptions (Incident.Interruption) into
// the three tiers of "系统稳定性": "考核周期累计时间大于 5 分钟且小于等于 15
// 分钟，每有一次扣 0.5 分"; "累计时间大于 30 分钟且小于等于 1 小时，扣 1 分";
// "考核周期系统累计故障时间大于 1 小时，每有一次扣 0.5 分". Interruptions of 5
// minutes or less, and of over 15 up to 30 minutes, the table does not
// deduct.
func Stability(interruptions []time.Duration) StabilityTiers {
	var s StabilityTiers
	for _, d := range interruptions {
		switch {
		case d > time.Hour:
			s.Long++
		case d > 30*time.Minute:
			s.Half++
		case d > 5*time.Minute && d <= 15*time.Minute:
			s.Short++
		}
	}
	return s
}

// Quarter is the quarter of t in Asia/Shanghai, e.g. "2026-Q4": the
// assessment counts per quarter ("采用季度考核、按季度结算的方式进行").
func Quarter(t time.Time) string {
	t = t.In(Shanghai)
	return t.Format("2006") + "-Q" + string(rune('1'+(int(t.Month())-1)/3))
}

// YearlyScore is the average of the quarterly scores: "年度考核得分为各季度
// 考核得分的算数平均数". ok is false without a quarter.
func YearlyScore(quarters []float64) (score float64, ok bool) {
	if len(quarters) == 0 {
		return 0, false
	}
	sum := 0.0
	for _, q := range quarters {
		sum += q
	}
	return sum / float64(len(quarters)), true
}
