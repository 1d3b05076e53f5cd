package reports

// The sheets of the operations report, in workbook order: 概览, 数据对接,
// 完整率趋势, 案件流转 and 区县汇总 (ops_cases.go), 故障等级 (ops_faults.go),
// 快照与结构, 考核扣分 (ops_deductions.go).

import (
	"fmt"
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// rng is an absolute range of a sheet for a chart: column col, rows r1..r2.
func rng(sheet, col string, r1, r2 int) string {
	return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheet, col, r1, col, r2)
}

func cellRef(sheet, col string, r int) string {
	return fmt.Sprintf("'%s'!$%s$%d", sheet, col, r)
}

func chartTitle(s string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s, Font: &excelize.Font{Bold: true, Size: 12}}}}
}

// addChart places a chart at cell; a chart that cannot be drawn is an
// error like any other.
func (w *opsWriter) addChart(sheet, cell string, c *excelize.Chart) error {
	c.Format = excelize.GraphicOptions{PrintObject: boolPtr(true), Locked: boolPtr(false)}
	// Readable axis labels: the default is a pale grey.
	axisFont := excelize.Font{Color: "404040", Size: 9}
	c.XAxis.Font, c.YAxis.Font = axisFont, axisFont
	c.Legend.Font = &excelize.Font{Color: "262626", Size: 9}
	if err := w.wb.f.AddChart(sheet, cell, c); err != nil {
		return fmt.Errorf("sheet %s: chart: %w", sheet, err)
	}
	return nil
}

func boolPtr(b bool) *bool { return &b }

func (w *opsWriter) overview() error {
	ol, st := w.ol, w.wb.st
	p := w.p
	cols := []colSpec{
		{label: ol.colItem, kind: colText, max: 26},
		{label: ol.colValue, kind: colText, max: 30},
		{label: ol.colNote, kind: colWrap, max: 70},
	}
	pct := func(v any) any {
		if v == nil {
			return styled{value: "—", style: st.text}
		}
		return styled{value: v, style: st.pct}
	}
	num := func(v int) any { return styled{value: v, style: st.integer} }
	dec := func(v float64) any { return styled{value: v, style: st.dec} }
	tm := func(t time.Time) any { return styled{value: t, style: st.datetime} }
	e := w.exchTotal
	var asOfNote string
	if w.asOf.Before(p.End) {
		asOfNote = ol.ovAsOfNote
	}
	var mttr any = "—"
	if w.resolved > 0 {
		mttr = dec(round1(w.resolveH / float64(w.resolved)))
	}
	var lv [5]int
	nf := 0
	for i, l := range w.levels {
		lv[i] = l.faults
		nf += l.faults
	}
	var rep, file, cls, need, ontime int64
	for _, c := range w.data.cases {
		rep += c.report
		file += c.file
		cls += c.close
		need += c.need
		ontime += c.ontimeClose
	}
	okLoads, allLoads := 0, 0
	for _, s := range w.data.snaps {
		okLoads += s.okLoads
		allLoads += s.okLoads + s.failedLoads
	}
	rows := [][]any{
		{ol.ovPeriod, p.String(), fmt.Sprintf(ol.ovPeriodText, ol.kinds[p.Kind], p.Start.Format("2006-01-02"), p.End.AddDate(0, 0, -1).Format("2006-01-02"))},
		{ol.ovDays, num(p.Days()), nil},
		{ol.ovAsOf, tm(w.asOf), asOfNote},
		{ol.ovRule, nil, ol.ovResultsRule},
		{ol.ovDue, num(e.due), nil},
		{ol.ovOK, num(e.ok), nil},
		{ol.ovLate, num(e.late), nil},
		{ol.ovMissed, num(e.missed), nil},
		{ol.ovComplete, pct(rate(pipelines.Completeness(e.ok, e.late, e.due, e.unver))), nil},
		{ol.ovOnTime, pct(rate(pipelines.OnTimeRate(e.ok, e.due, e.unver))), nil},
		{ol.ovFindings, num(nf), fmt.Sprintf(ol.ovFindingsText, lv[1], lv[2], lv[3], lv[4], lv[0])},
		{ol.ovMTTR, mttr, nil},
		{ol.ovCases, fmt.Sprintf("%s / %s / %s", groupDigits(rep), groupDigits(file), groupDigits(cls)), nil},
		{ol.ovCloseR, pct(rate(pipelines.CloseRate(cls, need))), ol.noteCloseRate},
		{ol.ovOnTimeCloseR, pct(rate(pipelines.OnTimeCloseRate(ontime, need))), ol.noteOnTimeCloseRate},
		{ol.ovSnap, pct(ratio(int64(okLoads), int64(allLoads))), nil},
		{ol.ovDrift, w.driftText(), nil},
		{ol.ovDeduct, dec(w.deductSum), nil},
		{ol.ovScore, dec(w.score), w.scoreNote()},
		{ol.ovGenerated, tm(w.now), nil},
		{ol.ovProducer, w.opts.Producer, nil},
	}
	wd := newWidths(len(cols))
	for _, r := range rows {
		for i, v := range r {
			wd.measure(i, v)
		}
	}
	t, err := w.wb.newTable(sheetName(ol.sheetOverview, w.used), fmt.Sprintf(ol.titleOverview, periodTitle(p, w.opts.Lang)), cols, wd)
	if err != nil {
		return err
	}
	for _, r := range rows {
		r[0] = styled{value: r[0], style: st.totalText}
		if err := t.add(r...); err != nil {
			return err
		}
	}
	return t.finish(t.row)
}

func round1(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
	return v
}

func (w *opsWriter) driftText() string {
	d := w.data.drift
	switch {
	case !d.checked:
		return w.ol.driftNone
	case d.scoped:
		return fmt.Sprintf(w.ol.driftCount, d.changes)
	}
	return fmt.Sprintf(w.ol.driftCountAll, d.changes)
}

// exchange: A target, B resource key, C name, D cadence, E due, F on
// time, G late, H missed, I other, J unverifiable, K completeness, L
// on-time rate, M–P levels 1–4, Q no level, R mean time to resolve.
func (w *opsWriter) exchange() error {
	ol, lbl, st := w.ol, w.lbl, w.wb.st
	cols := []colSpec{
		{label: lbl.colTarget, kind: colWrap, max: 24},
		{label: lbl.colResKey, kind: colText, max: 24},
		{label: lbl.colResName, kind: colWrap, max: 28},
		{label: lbl.colCadence, kind: colText, max: 14},
		{label: ol.colDue, kind: colInt, max: 10},
		{label: ol.colOnTime, kind: colInt, max: 10},
		{label: ol.colLate, kind: colInt, max: 8},
		{label: ol.colMissed, kind: colInt, max: 8},
		{label: ol.colOther, kind: colInt, max: 8},
		{label: ol.colUnver, kind: colInt, max: 14},
		{label: ol.colComplete, kind: colPct, max: 14},
		{label: ol.colOnTimeRate, kind: colPct, max: 14},
		{label: ol.colLevelN[1], kind: colInt, max: 6},
		{label: ol.colLevelN[2], kind: colInt, max: 6},
		{label: ol.colLevelN[3], kind: colInt, max: 6},
		{label: ol.colLevelN[4], kind: colInt, max: 6},
		{label: ol.colLevelN[0], kind: colInt, max: 6},
		{label: ol.colMTTR, kind: colDec, max: 10},
	}
	rates := func(row int, e exchRow) (any, any) {
		return formula{expr: fmt.Sprintf(`IF(E%[1]d-J%[1]d=0,"",(F%[1]d+G%[1]d)/(E%[1]d-J%[1]d))`, row), value: orEmpty(rate(pipelines.Completeness(e.ok, e.late, e.due, e.unver)))},
			formula{expr: fmt.Sprintf(`IF(E%[1]d-J%[1]d=0,"",F%[1]d/(E%[1]d-J%[1]d))`, row), value: orEmpty(rate(pipelines.OnTimeRate(e.ok, e.due, e.unver)))}
	}
	mttr := func(e exchRow) any {
		if e.resolved == 0 {
			return nil
		}
		return round1(e.resolveHours / float64(e.resolved))
	}
	row := func(e exchRow, n int) []any {
		c, o := rates(n, e)
		return []any{
			w.dw.targetName(e.target), e.resource, w.dw.resourceName(e.target, e.resource), w.dw.cadence(e.target, e.resource),
			e.due, e.ok, e.late, e.missed, e.other, e.unver, c, o,
			e.levels[1], e.levels[2], e.levels[3], e.levels[4], e.levels[0], mttr(e),
		}
	}
	wd := newWidths(len(cols))
	for _, e := range w.exchRows {
		for i, v := range row(*e, 0) {
			wd.measure(i, v)
		}
	}
	wd.measure(0, lbl.total)
	t, err := w.wb.newTable(sheetName(ol.sheetExchange, w.used), fmt.Sprintf(ol.titleExchange, w.p), cols, wd)
	if err != nil {
		return err
	}
	for _, e := range w.exchRows {
		if err := t.add(row(*e, t.row+1)...); err != nil {
			return err
		}
	}
	last := t.row
	tot := w.exchTotal
	n := t.row + 1
	vals := row(tot, n)
	out := []any{styled{value: lbl.total, style: st.totalText}, styled{value: nil, style: st.totalText}, styled{value: nil, style: st.totalText}, styled{value: nil, style: st.totalText}}
	for i := 4; i < len(cols); i++ {
		c := colName(i)
		v := vals[i]
		switch cols[i].kind {
		case colInt:
			v = columnSum(c, last, v)
			out = append(out, styled{value: v, style: st.totalInt})
		case colPct:
			out = append(out, styled{value: v, style: st.totalPct})
		default:
			out = append(out, v)
		}
	}
	if err := t.add(out...); err != nil {
		return err
	}
	t.row++
	if err := t.note(ol.exchangeNote); err != nil {
		return err
	}
	return t.finish(last)
}

// trend: A day, then one completeness column per target; a line chart to
// the right.
func (w *opsWriter) trend() error {
	ol := w.ol
	var targets []string
	for _, tg := range w.cat.Targets {
		targets = append(targets, tg.Key)
	}
	cols := []colSpec{{label: ol.colDay, kind: colDate, max: 12}}
	for _, k := range targets {
		cols = append(cols, colSpec{label: w.dw.targetName(k), kind: colPct, max: 16})
	}
	days := w.p.days()
	wd := newWidths(len(cols))
	wd.fit(0, 10)
	for i := 1; i < len(cols); i++ {
		wd.fit(i, 6)
	}
	name := sheetName(ol.sheetTrend, w.used)
	t, err := w.wb.newTable(name, fmt.Sprintf(ol.titleTrend, w.p), cols, wd)
	if err != nil {
		return err
	}
	for _, d := range days {
		r := []any{d}
		for _, k := range targets {
			c := w.data.trend[d][k]
			r = append(r, ratio(int64(c.complete), int64(c.judged)))
		}
		if err := t.add(r...); err != nil {
			return err
		}
	}
	last := t.row
	t.row++
	if err := t.addRaw(excelize.Cell{StyleID: w.wb.st.note, Value: ol.trendNote}); err != nil {
		return err
	}
	// The chart of a quarter's or a year's days would be a smear: those
	// chart weekly or monthly completeness, from a small table under the
	// daily one.
	from, to, points := firstData, last, len(days)
	if groups, monthly := trendGroups(days); groups != nil {
		// Text labels: a chart reads dates as a date axis with a tick a
		// day, which crowds the labels again.
		label, layout := ol.trendWeek, "01-02"
		if monthly {
			label, layout = ol.trendMonth, "2006-01"
		}
		t.row += 2 // a blank row after the note
		hdr := []any{excelize.Cell{StyleID: w.wb.st.header, Value: label}}
		for _, k := range targets {
			hdr = append(hdr, excelize.Cell{StyleID: w.wb.st.header, Value: w.dw.targetName(k)})
		}
		if err := t.addRaw(hdr...); err != nil {
			return err
		}
		from = t.row + 1
		for _, g := range groups {
			r := []any{g[0].Format(layout)}
			for _, k := range targets {
				var sum trendCell
				for _, d := range g {
					c := w.data.trend[d][k]
					sum.complete += c.complete
					sum.judged += c.judged
				}
				r = append(r, ratio(int64(sum.complete), int64(sum.judged)))
			}
			if err := t.add(r...); err != nil {
				return err
			}
		}
		to, points = t.row, len(groups)
	}
	var series []excelize.ChartSeries
	for i := range targets {
		c := colName(i + 1)
		series = append(series, excelize.ChartSeries{
			Name: cellRef(name, c, headerRow), Categories: rng(name, "A", from, to), Values: rng(name, c, from, to),
			Line: excelize.LineOptions{Width: 1.5}, Marker: excelize.ChartMarker{Symbol: "circle", Size: 4},
		})
	}
	one, zero := 1.0, 0.0
	chart := &excelize.Chart{
		Type: excelize.Line, Series: series, Title: chartTitle(ol.chartTrend),
		Dimension: excelize.ChartDimension{Width: 760, Height: 400},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		YAxis: excelize.ChartAxis{Maximum: &one, Minimum: &zero, MajorGridLines: true,
			NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		XAxis:        excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "mm-dd"}, TickLabelSkip: max(1, points/15)},
		ShowBlanksAs: "gap",
	}
	t.before = append(t.before, func() error { return w.addChart(name, colName(len(cols)+1)+"3", chart) })
	return t.finish(last)
}

// trendGroups splits the days of a long period for its chart: by week
// (from Monday) up to 120 days, by month beyond; nil up to 62 days, which
// are charted day by day.
func trendGroups(days []time.Time) (groups [][]time.Time, monthly bool) {
	if len(days) <= 62 {
		return nil, false
	}
	monthly = len(days) > 120
	for _, d := range days {
		newGroup := len(groups) == 0
		if !newGroup && monthly {
			newGroup = d.Day() == 1
		} else if !newGroup {
			newGroup = d.Weekday() == time.Monday
		}
		if newGroup {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], d)
	}
	return groups, monthly
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// snapshots: one row per source, then the schema drift line.
func (w *opsWriter) snapshots() error {
	ol, st := w.ol, w.wb.st
	cols := []colSpec{
		{label: ol.colSource, kind: colText, max: 18},
		{label: ol.colSnapshots, kind: colInt, max: 10},
		{label: ol.colTables, kind: colInt, max: 8},
		{label: ol.colOKLoads, kind: colInt, max: 10},
		{label: ol.colFailedLoads, kind: colInt, max: 10},
		{label: ol.colRows, kind: colInt, max: 14},
		{label: ol.colCountMismatch, kind: colInt, max: 10},
		{label: ol.colMaxLag, kind: colDec, max: 12},
		{label: ol.colAvgLag, kind: colDec, max: 12},
		{label: ol.colLastOK, kind: colTime},
		{label: ol.colAnomalies, kind: colInt, max: 10},
	}
	lag := func(v float64, ok bool) any {
		if !ok {
			return nil
		}
		return round1(v)
	}
	row := func(s snapRow) []any {
		return []any{s.source, s.snapshots, s.tables, s.okLoads, s.failedLoads, s.rows, s.countMismatch,
			lag(s.maxLag.Float64, s.maxLag.Valid), lag(s.avgLag.Float64, s.avgLag.Valid), s.lastOK, s.anomalies}
	}
	wd := newWidths(len(cols))
	for _, s := range w.data.snaps {
		for i, v := range row(s) {
			wd.measure(i, v)
		}
	}
	wd.measure(0, ol.driftLabel)
	t, err := w.wb.newTable(sheetName(ol.sheetSnap, w.used), fmt.Sprintf(ol.titleSnap, w.p), cols, wd)
	if err != nil {
		return err
	}
	if len(w.data.snaps) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: ol.noSnapshots}); err != nil {
			return err
		}
	}
	for _, s := range w.data.snaps {
		if err := t.add(row(s)...); err != nil {
			return err
		}
	}
	last := t.row
	t.row++
	if err := t.addRaw(excelize.Cell{StyleID: st.label, Value: ol.driftLabel}, w.driftText()); err != nil {
		return err
	}
	return t.finish(max(last, headerRow))
}
