package reports

// The yearly assessment of the operations report: each quarter scored on
// its own facts and the year their average (pipelines.YearAssessment),
// "年度考核得分为各季度考核得分的算数平均数". A half-month, month or quarter
// keeps its single score, 100 less its deductions.

import (
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// yearLabels words the quarters of the yearly assessment.
type yearLabels struct {
	quarter, notAssessed, year, note string
}

var yearLabelsZH = yearLabels{
	quarter:     "%s 季度得分（100 − 本季度扣分）",
	notAssessed: "%s 未评估（季度未开始，或在首次运行之前结束）",
	year:        "年度得分（已评估季度得分的算术平均数）",
	note:        "年度考核得分为各季度考核得分的算数平均数：每季度按本季度的扣分计分，D 列为本季度扣分，E 列为季度得分。",
}

var yearLabelsEN = yearLabels{
	quarter:     "%s quarterly score (100 − the quarter's deductions)",
	notAssessed: "%s not assessed (not begun, or ended before the first run)",
	year:        "Yearly score (average of the assessed quarters' scores)",
	note:        "The yearly score is the average of the quarterly scores: each quarter is scored on its own deductions (column D), its score in column E.",
}

func yearLabelsFor(lang string) *yearLabels {
	if lang == "en" {
		return &yearLabelsEN
	}
	return &yearLabelsZH
}

// prepareYear scores the quarters of a yearly report and sets the score
// to their average; other periods score 100 less their deductions.
func (w *opsWriter) prepareYear() {
	w.score = 100 - w.deductSum
	if w.p.Kind != PeriodYear {
		return
	}
	var ok bool
	var year float64
	w.quarters, year, ok = pipelines.YearAssessment(w.quarterFacts())
	if ok {
		w.score = year
	}
}

// quarterFacts are the assessment facts of each quarter of the year: the
// same facts as the year's (prepareDeductions), each counted in the
// quarter its day, incident, outage or owed report starts in.
func (w *opsWriter) quarterFacts() []pipelines.QuarterFacts {
	log := w.inspectionLog()
	reps := dueReports(w.p, w.data.written, w.data.firstRun, w.now)
	var out []pipelines.QuarterFacts
	for q := 1; q <= 4; q++ {
		s := time.Date(w.p.Start.Year(), time.Month(3*q-2), 1, 0, 0, 0, 0, pipelines.Shanghai)
		e := s.AddDate(0, 3, 0)
		in := func(t time.Time) bool { return !t.Before(s) && t.Before(e) }
		qf := pipelines.QuarterFacts{Name: pipelines.Quarter(s), Assessed: pipelines.QuarterAssessed(s, e, w.data.firstRun, w.asOf)}
		f := &qf.Facts
		var days []pipelines.Inspection
		for _, l := range log {
			if in(l.Day) {
				days = append(days, l)
			}
		}
		f.DaysEnded, f.DaysInspected = pipelines.InspectionCounts(days)
		var judged []judgedIncident
		for _, x := range w.judged {
			if !in(x.in.FirstWindowStart) {
				continue
			}
			judged = append(judged, x)
			lv := x.in.Level
			if lv < 1 || lv > 4 {
				continue
			}
			switch x.j.Resolve {
			case pipelines.Late, pipelines.Overdue:
				f.ResolvedLate[lv]++
			}
			switch pipelines.Judge(x.in.RespondedAt, x.in.RespondBy, w.asOf) {
			case pipelines.Late, pipelines.Overdue:
				f.RespondedLate[lv]++
			}
		}
		var outages []pipelines.Outage
		for _, o := range w.data.outages {
			if in(o.start) {
				outages = append(outages, pipelines.Outage{Target: o.target, Start: o.start, End: o.end})
			}
		}
		f.OutageMonths, _ = pipelines.OutageMonths(outages, pipelines.OutageLimit)
		var owed []dueReport
		for _, r := range reps {
			if in(r.assessedAt()) {
				owed = append(owed, r)
			}
		}
		owedReports(f, owed)
		incidentFacts(f, judged)
		out = append(out, qf)
	}
	return out
}

// scoreNote explains the overview's score: a year's is its quarters'
// average.
func (w *opsWriter) scoreNote() string {
	if w.p.Kind == PeriodYear {
		return yearLabelsFor(w.opts.Lang).year
	}
	return w.ol.ovScoreNote
}
