package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// OpsOptions say which period the operations report (运维报告) covers and
// where it goes.
type OpsOptions struct {
	// Period is a half-month, month, quarter or year (ParsePeriod).
	Period Period
	// OutDir is the folder of the workbook ("" = current folder).
	OutDir string
	// Lang is "zh" (default) or "en".
	Lang string
	// Now is the clock (default time.Now): it stamps the workbook, ends a
	// period that has not ended yet, and decides whether an open finding
	// is past its limit.
	Now func() time.Time
	// Producer names the program and host, e.g. "pushaudit v0.1 on host".
	Producer string
	// InspectionDeadline is when a day's check is due after the day's
	// end (config inspection_deadline; 0 = the default, 09:00 the next
	// morning).
	InspectionDeadline time.Duration
	// Incidents are the incident rules (summary reports owed); zero
	// fields take the defaults. QuarterlyFee (yuan, 0: none) prices the
	// deductions of the fault register.
	Incidents    pipelines.IncidentRules
	QuarterlyFee float64
}

// OpsFileName is the file name of the operations report of p in lang.
func OpsFileName(p Period, lang string) (string, error) {
	lbl, err := opsLabelsFor(lang)
	if err != nil {
		return "", err
	}
	return lbl.fileStem + "_" + p.String() + ".xlsx", nil
}

// opsData is everything the operations report shows.
type opsData struct {
	exch      map[[2]string]*exchRow
	trend     map[time.Time]map[string]trendCell
	findings  []finding
	cases     []caseRow
	caseSrc   string // the table of the case flow; "" = none
	snaps     []snapRow
	drift     driftInfo
	outages   []outage
	written   map[string]time.Time // reports by period, first written
	firstRun  time.Time
	more      opsMore // ops_more.go
	incidents []ledger.Incident
}

func loadOps(ctx context.Context, db *sql.DB, latest warehouse.Querier, p Period, asOf time.Time) (*opsData, error) {
	var d opsData
	var err error
	if d.findings, err = loadPeriodFindings(ctx, db, p); err != nil {
		return nil, err
	}
	ld, err := loadLatest(ctx, latest)
	if err != nil {
		return nil, fmt.Errorf("latest results of %s: %w", p, err)
	}
	d.exch, d.trend, d.outages = ld.exch, ld.trend, ld.outages
	addFindings(d.exch, d.findings)
	if d.cases, d.caseSrc, err = loadCases(ctx, db, p, asOf); err != nil {
		return nil, err
	}
	if d.snaps, err = loadSnapshots(ctx, db, p); err != nil {
		return nil, err
	}
	if d.drift, err = loadDrift(ctx, db, p); err != nil {
		return nil, err
	}
	if d.written, d.firstRun, err = reportsWritten(ctx, db); err != nil {
		return nil, err
	}
	if d.incidents, err = loadIncidents(ctx, db, p); err != nil {
		return nil, err
	}
	return &d, nil
}

// WriteOps writes the operations report (运维报告) of opts.Period and
// returns its path. The file appears whole or not at all.
func WriteOps(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, opts OpsOptions) (path string, err error) {
	p := opts.Period
	if p.Kind == 0 {
		return "", errors.New("operations report: no period given")
	}
	if p.Kind == PeriodDay {
		return "", fmt.Errorf("operations report: period %s is a day: write the daily workbook", p)
	}
	olbl, err := opsLabelsFor(opts.Lang)
	if err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	lbl, _ := labelsFor(opts.Lang)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Producer == "" {
		opts.Producer = "pushaudit"
	}
	now := opts.Now().In(pipelines.Shanghai)
	asOf := p.End
	if now.Before(asOf) {
		asOf = now
	}
	conn, drop, err := shareLatest(ctx, db, p)
	if err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	defer drop()
	data, err := loadOps(ctx, db, conn, p, asOf)
	if err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	if data.more, err = loadMore(ctx, db, conn, cat, p, opts.Lang); err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	// The first sheet is the active one. Said now, while it is the only
	// one: later, excelize would read every streamed sheet back to mark
	// it not selected (seconds and the whole sheet in memory).
	f.SetActiveSheet(0)
	st, err := newStyles(f)
	if err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	wb := &workbook{
		f: f, st: st, lbl: lbl,
		header: fmt.Sprintf(olbl.header, periodTitle(p, opts.Lang)),
		footer: fmt.Sprintf(lbl.footer, escapeHF(opts.Producer)),
	}
	w := &opsWriter{
		wb: wb, lbl: lbl, ol: olbl, cat: cat, p: p, opts: opts, data: data, now: now, asOf: asOf,
		used: map[string]bool{},
		dw:   &dailyWriter{lbl: lbl, cat: cat},
	}
	w.prepare()
	for _, step := range []func() error{w.overview, w.exchange, w.volumes, w.trend, w.cases, w.districts, w.statsCheck,
		w.faults, w.incidentsSheet, w.inspections, w.snapshots, w.drift, w.deductions, w.manual} {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("operations report %s: %w", p, err)
		}
		if err := step(); err != nil {
			return "", fmt.Errorf("operations report %s: %w", p, err)
		}
	}
	stamp := now.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          fmt.Sprintf(olbl.title, periodTitle(p, opts.Lang)),
		Subject:        olbl.subject,
		Keywords:       olbl.keywords,
		Creator:        "pushaudit",
		LastModifiedBy: "pushaudit",
		Description:    opts.Producer,
		Created:        stamp,
		Modified:       stamp,
		Language:       lbl.lang,
	}); err != nil {
		return "", fmt.Errorf("operations report: document properties: %w", err)
	}
	name, err := OpsFileName(p, opts.Lang)
	if err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	path, err = saveAtomic(f, opts.OutDir, name)
	if err != nil {
		return "", fmt.Errorf("operations report: %w", err)
	}
	return path, nil
}

type opsWriter struct {
	wb   *workbook
	lbl  *labelSet
	ol   *opsLabels
	cat  *pipelines.Catalog
	p    Period
	opts OpsOptions
	data *opsData
	now  time.Time
	asOf time.Time // min(period end, now)
	used map[string]bool
	dw   *dailyWriter // for target and resource names

	// Derived once, shown on several sheets.
	exchRows  []*exchRow
	exchTotal exchRow
	levels    [5]levelRow
	resolved  int     // findings of the period resolved (stats included)
	resolveH  float64 // their hours from first seen to resolved
	deducts   []deduction
	deductSum float64
	score     float64                  // 100 less deductSum; a year's, its quarters' average
	quarters  []pipelines.QuarterScore // a year's quarters (prepareYear)
	judged    []judgedIncident         // the period's incidents, judged
}

// levelRow is the faults of one level against table 3-5.
type levelRow struct {
	faults, resolved, inTime, late, openOverdue, openNotDue int
	// Responses: by respond_by, late (after it, or none and respond_by
	// before the as-of time), none yet and not due.
	respInTime, respLate, respNone int
}

// deduction is one rule of the assessment applied to the period, with the
// text the sheet shows.
type deduction struct {
	rule, basis string
	count       any // int, or nil when not counted
	each        float64
	points      float64
}

// prepare derives the rows shared by several sheets.
func (w *opsWriter) prepare() {
	w.prepareExchange()
	w.prepareIncidents()
	w.prepareDeductions()
}

// prepareExchange lists the exchange rows: catalog order, then others by
// key; stats is left out.
func (w *opsWriter) prepareExchange() {
	seen := map[[2]string]bool{}
	for _, t := range w.cat.Targets {
		for _, r := range w.cat.ResourcesOf(t.Key) {
			k := [2]string{t.Key, r.Key}
			seen[k] = true
			e := w.data.exch[k]
			if e == nil {
				e = &exchRow{target: t.Key, resource: r.Key}
			}
			w.exchRows = append(w.exchRows, e)
		}
	}
	var extra []*exchRow
	for k, e := range w.data.exch {
		if !seen[k] && k[0] != pipelines.StatsTarget && k[0] != pipelines.SourceTarget {
			extra = append(extra, e)
		}
	}
	sortExch(extra)
	w.exchRows = append(w.exchRows, extra...)
	t := &w.exchTotal
	for _, e := range w.exchRows {
		t.due += e.due
		t.ok += e.ok
		t.late += e.late
		t.missed += e.missed
		t.other += e.other
		t.unver += e.unver
		for i := range e.levels {
			t.levels[i] += e.levels[i]
		}
		t.resolved += e.resolved
		t.resolveHours += e.resolveHours
	}
}

// prepareDeductions applies the assessment (pipelines.Deductions) to the
// period and words each rule and its basis.
func (w *opsWriter) prepareDeductions() {
	ol := w.ol
	var facts pipelines.AssessmentFacts
	facts.DaysEnded, facts.DaysInspected = pipelines.InspectionCounts(w.inspectionLog())
	for lv := 1; lv <= 4; lv++ {
		l := w.levels[lv]
		facts.ResolvedLate[lv], facts.RespondedLate[lv] = l.late+l.openOverdue, l.respLate
	}
	outages := make([]pipelines.Outage, len(w.data.outages))
	for i, o := range w.data.outages {
		outages[i] = pipelines.Outage{Target: o.target, Start: o.start, End: o.end}
	}
	var worst time.Duration
	facts.OutageMonths, worst = pipelines.OutageMonths(outages, pipelines.OutageLimit)
	reps := dueReports(w.p, w.data.written, w.data.firstRun, w.now)
	incidentFacts(&facts, w.judged)
	owed := owedReports(&facts, reps)
	list, yearList := "", ""
	if len(owed.absent) > 0 {
		list = fmt.Sprintf(ol.missingList, strings.Join(owed.absent, ol.listJoin))
	}
	if len(owed.absentYear) > 0 {
		yearList = fmt.Sprintf(ol.missingList, strings.Join(owed.absentYear, ol.listJoin))
	}
	ds := pipelines.Deductions(facts)
	for _, d := range ds {
		x := deduction{count: d.Count, each: d.Each, points: d.Points()}
		switch d.Rule {
		case pipelines.RuleInspection:
			x.rule, x.basis = ol.ruleInspection, fmt.Sprintf(ol.basisInspection, facts.DaysEnded, facts.DaysInspected)
		case pipelines.RuleResolve:
			x.rule, x.basis = fmt.Sprintf(ol.ruleResolve, w.lbl.levels[d.Level], fmt.Sprint(d.Each)), ol.basisResolve
		case pipelines.RuleRespond:
			x.rule, x.basis = fmt.Sprintf(ol.ruleRespond, w.lbl.levels[d.Level], fmt.Sprint(d.Each)), fmt.Sprintf(ol.basisRespond, d.Count)
		case pipelines.RuleOutage:
			x.rule, x.basis = ol.ruleOutage, fmt.Sprintf(ol.basisOutage, d.Count, fmtDuration(worst))
		case pipelines.RuleReports:
			x.rule, x.basis = ol.ruleReports, fmt.Sprintf(ol.basisReports, owed.due, d.Count, reportDueDays, list)
		case pipelines.RuleYearReport:
			x.rule, x.basis = ol.ruleYearReport, fmt.Sprintf(ol.basisYearReport, owed.dueYear, d.Count, reportDueDays, yearList)
		case pipelines.RuleReportsLate:
			x.rule, x.basis = ol.ruleReportsLate, fmt.Sprintf(ol.basisReportsLate, d.Count)
		default:
			x.rule, x.basis = w.incidentRuleText(d)
		}
		w.deducts = append(w.deducts, x)
	}
	w.deductSum = pipelines.Deducted(ds)
	w.prepareYear()
}

// reportsOwed is what the assessment found of the reports due in a
// period: how many of each kind were due, and the missing ones by name.
type reportsOwed struct {
	due, dueYear       int
	absent, absentYear []string
}

// owedReports sets the report facts of f from the reports due in the
// period (dueReports): monthly and quarterly ones missing, yearly ones
// missing, days late of all.
func owedReports(f *pipelines.AssessmentFacts, reps []dueReport) reportsOwed {
	var short, year []pipelines.DueReport
	for _, r := range reps {
		d := pipelines.DueReport{Name: r.period.String(), Due: r.due, Written: r.written}
		if r.yearly() {
			year = append(year, d)
		} else {
			short = append(short, d)
		}
	}
	var o reportsOwed
	var late, lateYear int
	o.absent, late = pipelines.ReportsOwed(short)
	o.absentYear, lateYear = pipelines.ReportsOwed(year)
	o.due, o.dueYear = len(short), len(year)
	f.ReportsMissing, f.YearReportsMissing, f.ReportDaysLate = len(o.absent), len(o.absentYear), late+lateYear
	return o
}

func fmtDuration(d time.Duration) string {
	h := int(d / time.Hour)
	m := int(d%time.Hour) / int(time.Minute)
	return fmt.Sprintf("%d:%02d", h, m)
}

func sortExch(es []*exchRow) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].target != es[j].target {
			return es[i].target < es[j].target
		}
		return es[i].resource < es[j].resource
	})
}

// rate is a rate of pipelines (r, ok) as a cell value: nil when there is
// none.
func rate(r float64, ok bool) any {
	if !ok {
		return nil
	}
	return r
}

// ratio is pipelines.Rate(num, den) as a cell value.
func ratio(num, den int64) any { return rate(pipelines.Rate(num, den)) }

// rateFormula is num/den as a formula of two cells of the row, blank when
// the denominator is 0, with its cached value.
func rateFormula(row int, numCol, denCol string, num, den int64) formula {
	return formula{expr: fmt.Sprintf(`IF(%[3]s%[1]d=0,"",%[2]s%[1]d/%[3]s%[1]d)`, row, numCol, denCol), value: orEmpty(ratio(num, den))}
}
