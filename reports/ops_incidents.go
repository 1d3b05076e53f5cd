package reports

// The fault register of the operations report (故障记录): one row per
// incident of the period (audit.incidents), its limits of table 3-5, and
// its deduction (pipelines.JudgeFault). The faults by level (故障等级)
// and the assessment (考核扣分) count the same incidents: one fault, one
// deduction.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// loadIncidents returns the incidents of the period: those whose first
// window starts in it.
func loadIncidents(ctx context.Context, db *sql.DB, p Period) ([]ledger.Incident, error) {
	all, err := ledger.NewIncidents(db).List(ctx, p.Start, p.End, false)
	if err != nil {
		return nil, fmt.Errorf("incidents of %s: %w", p, err)
	}
	var out []ledger.Incident
	for _, in := range all {
		if !in.FirstWindowStart.Before(p.Start) && in.FirstWindowStart.Before(p.End) {
			out = append(out, in)
		}
	}
	return out, nil
}

// judgedIncident is an incident with its deadlines judged.
type judgedIncident struct {
	in ledger.Incident
	j  pipelines.FaultJudgement
}

// prepareIncidents judges the period's incidents and counts them by
// level against table 3-5 (the faults sheet): resolutions by now,
// responses and reports by the as-of time.
func (w *opsWriter) prepareIncidents() {
	rules := w.opts.Incidents.WithDefaults()
	w.levels = [5]levelRow{}
	w.resolved, w.resolveH = 0, 0
	w.judged = nil
	for _, in := range w.data.incidents {
		j := pipelines.JudgeFault(rules, in.Pipelines(), in.RespondedAt, in.ReportedAt, w.now)
		resp := pipelines.Judge(in.RespondedAt, in.RespondBy, w.asOf)
		w.judged = append(w.judged, judgedIncident{in: in, j: j})
		lv := in.Level
		if lv < 1 || lv > 4 {
			lv = 0
		}
		l := &w.levels[lv]
		l.faults++
		if !in.ResolvedAt.IsZero() {
			w.resolved++
			w.resolveH += in.ResolvedAt.Sub(in.DetectedAt).Hours()
		}
		switch j.Resolve {
		case pipelines.InTime:
			l.resolved++
			l.inTime++
		case pipelines.Late:
			l.resolved++
			l.late++
		case pipelines.Overdue:
			l.openOverdue++
		default:
			l.openNotDue++
		}
		switch resp {
		case pipelines.InTime:
			l.respInTime++
		case pipelines.Late, pipelines.Overdue:
			l.respLate++
		default:
			l.respNone++
		}
	}
}

// incidentFacts adds to facts what the incidents js prove: summary
// reports missing or late, and the interruptions of the two shorter
// stability tiers.
func incidentFacts(facts *pipelines.AssessmentFacts, js []judgedIncident) {
	for _, x := range js {
		if x.j.ReportPoints > 0 {
			facts.FaultReports++
		}
	}
	st := pipelines.Stability(stopsOf(js))
	// The tier over an hour is the cumulative outage of a target-month
	// (OutageMonths), counted already.
	facts.Stability = pipelines.StabilityTiers{Short: st.Short, Half: st.Half}
}

// stopsOf are the interruptions of the incidents: the span of the
// windows of an incident whose data did not arrive.
func stopsOf(js []judgedIncident) []time.Duration {
	var out []time.Duration
	for _, x := range js {
		for _, s := range x.in.Statuses {
			if pipelines.ClassOf(s) == pipelines.ClassOutage {
				out = append(out, x.in.LastWindowEnd.Sub(x.in.FirstWindowStart))
				break
			}
		}
	}
	return out
}

// incidentRuleText words the rules of the incidents on the assessment
// sheet.
func (w *opsWriter) incidentRuleText(d pipelines.Deduction) (rule, basis string) {
	il := incidentLabelsFor(w.opts.Lang)
	switch d.Rule {
	case pipelines.RuleFaultReports:
		return il.ruleReport, fmt.Sprintf(il.basisReport, d.Count)
	case pipelines.RuleStabilityShort:
		return il.ruleStabShort, fmt.Sprintf(il.basisStab, d.Count)
	case pipelines.RuleStabilityHalf:
		return il.ruleStabHalf, fmt.Sprintf(il.basisStab, d.Count)
	}
	return "", ""
}

// incidentsSheet: the fault register, one row per incident.
func (w *opsWriter) incidentsSheet() error {
	il := incidentLabelsFor(w.opts.Lang)
	fee := w.opts.QuarterlyFee
	cols := []colSpec{
		{label: il.colID, kind: colText, max: 24},
		{label: il.colLevel, kind: colText, max: 8},
		{label: il.colTargets, kind: colWrap, max: 20},
		{label: il.colResources, kind: colWrap, max: 30},
		{label: il.colStatuses, kind: colWrap, max: 16},
		{label: il.colWindows, kind: colInt, max: 8},
		{label: il.colFirst, kind: colTime, max: 17},
		{label: il.colLast, kind: colTime, max: 17},
		{label: il.colMissing, kind: colInt, max: 10},
		{label: il.colExtra, kind: colInt, max: 10},
		{label: il.colDuplicate, kind: colInt, max: 10},
		{label: il.colDetected, kind: colTime, max: 17},
		{label: il.colRespondBy, kind: colTime, max: 17},
		{label: il.colResponded, kind: colTime, max: 17},
		{label: il.colResponse, kind: colText, max: 10},
		{label: il.colResolveBy, kind: colTime, max: 17},
		{label: il.colResolved, kind: colTime, max: 17},
		{label: il.colResolution, kind: colText, max: 10},
		{label: il.colHoursLate, kind: colInt, max: 8},
		{label: il.colReport, kind: colText, max: 10},
		{label: il.colDeduct, kind: colDec, max: 8},
		{label: il.colMoney, kind: colDec, max: 10},
		{label: il.colNote, kind: colWrap, max: 30},
	}
	names := func(in ledger.Incident) (string, string) {
		var ts, rs []string
		for _, t := range in.Targets {
			ts = append(ts, w.dw.targetName(t))
		}
		for _, r := range in.Resources {
			if len(in.Targets) == 1 {
				rs = append(rs, w.dw.resourceName(in.Targets[0], r))
			} else {
				rs = append(rs, r)
			}
		}
		return strings.Join(ts, "、"), strings.Join(rs, "、")
	}
	row := func(x judgedIncident, _ int) []any {
		in, j := x.in, x.j
		ts, rs := names(in)
		var sts []string
		for _, s := range in.Statuses {
			sts = append(sts, w.lbl.verdict(s))
		}
		report := il.timeliness[j.Report]
		if !j.ReportOwed {
			report = il.notOwed
		} else if j.Report == pipelines.Overdue {
			report = il.missing
		}
		var money any
		if fee > 0 {
			money = pipelines.PointsMoney(j.Points()) + pipelines.LatePenalty(j.HoursLate, fee)
		}
		note := in.Note
		if in.ReportPath != "" {
			note = strings.TrimSpace(note + "\n" + fmt.Sprintf(il.reportAt, in.ReportPath))
		}
		return []any{in.ID, w.lbl.levels[in.Level], ts, rs, strings.Join(sts, "、"), in.Windows, in.FirstWindowStart, in.LastWindowEnd,
			in.Missing, in.Extra, in.Duplicate, in.DetectedAt, in.RespondBy, in.RespondedAt, il.timeliness[j.Respond],
			in.ResolveBy, in.ResolvedAt, il.timeliness[j.Resolve], j.HoursLate, report, j.Points(), money, note}
	}
	wd := newWidths(len(cols))
	measureRows(wd, w.judged, row)
	t, err := w.wb.newTable(sheetName(il.sheet, w.used), fmt.Sprintf(il.title, w.p), cols, wd)
	if err != nil {
		return err
	}
	if err := addRows(t, w.judged, row); err != nil {
		return err
	}
	last := t.row
	if len(w.judged) == 0 {
		if err := t.add(il.none); err != nil {
			return err
		}
	}
	t.row++
	note := il.note
	if fee <= 0 {
		note += il.noFee
	}
	if err := t.note(note); err != nil {
		return err
	}
	return t.finish(last)
}
