package reports

// The faults sheet of the operations report (故障等级): the period's
// faults by level against the limits of table 3-5, with its charts.

import (
	"fmt"
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// faults: A level, B respond within, C resolve within, D faults, E
// resolved, F in time, G late, H open overdue, I open not due, J in-time
// rate F/(E+H), K responded in time, L responded late, M no response
// and not due; a stacked column chart and a pie.
func (w *opsWriter) faults() error {
	ol, lbl := w.ol, w.lbl
	cols := []colSpec{
		{label: ol.colLevel, kind: colText, max: 10},
		{label: ol.colRespondLimit, kind: colText, max: 10},
		{label: ol.colResolveLimit, kind: colText, max: 10},
		{label: ol.colFaults, kind: colInt, max: 10},
		{label: ol.colResolved, kind: colInt, max: 10},
		{label: ol.colResolvedInTime, kind: colInt, max: 10},
		{label: ol.colResolvedLate, kind: colInt, max: 10},
		{label: ol.colOpenOverdue, kind: colInt, max: 12},
		{label: ol.colOpenNotDue, kind: colInt, max: 12},
		{label: ol.colInTimeRate, kind: colPct, max: 10},
		{label: ol.colResponse, kind: colInt, max: 12},
		{label: ol.colResponseLate, kind: colInt, max: 12},
		{label: ol.responseNotRecorded, kind: colInt, max: 12},
	}
	limits := [5][2]string{{"—", "—"}}
	for lv := 1; lv <= 4; lv++ {
		l := pipelines.ResponseLimits[lv]
		limits[lv] = [2]string{fmt.Sprintf(ol.minutes, int(l.Respond/time.Minute)), fmt.Sprintf(ol.hours, int(l.Resolve/time.Hour))}
	}
	levelName := func(lv int) string {
		if lv == 0 {
			return ol.noLevel
		}
		return lbl.levels[lv]
	}
	// inTimeRate is F/(E+H) of sheet row n.
	inTimeRate := func(l levelRow, n int) formula {
		return formula{expr: fmt.Sprintf(`IF(E%[1]d+H%[1]d=0,"",F%[1]d/(E%[1]d+H%[1]d))`, n), value: orEmpty(rate(pipelines.ResolvedInTimeRate(l.inTime, l.resolved, l.openOverdue)))}
	}
	row := func(lv int, l levelRow, n int) []any {
		return []any{levelName(lv), limits[lv][0], limits[lv][1], l.faults, l.resolved, l.inTime, l.late, l.openOverdue, l.openNotDue,
			inTimeRate(l, n), l.respInTime, l.respLate, l.respNone}
	}
	order := []int{1, 2, 3, 4, 0}
	wd := newWidths(len(cols))
	for _, lv := range order {
		for i, v := range row(lv, w.levels[lv], 0) {
			wd.measure(i, v)
		}
	}
	wd.measure(0, lbl.total)
	name := sheetName(ol.sheetFaults, w.used)
	t, err := w.wb.newTable(name, fmt.Sprintf(ol.titleFaults, w.p), cols, wd)
	if err != nil {
		return err
	}
	var tot levelRow
	for _, lv := range order {
		l := w.levels[lv]
		if err := t.add(row(lv, l, t.row+1)...); err != nil {
			return err
		}
		tot.add(l)
	}
	last := t.row
	if err := w.faultTotal(t, tot, last, inTimeRate(tot, t.row+1)); err != nil {
		return err
	}
	t.row++
	if err := t.note(ol.faultsNote); err != nil {
		return err
	}
	w.faultCharts(t, name, last)
	return t.finish(last)
}

// add adds the counts of l (a total row).
func (tot *levelRow) add(l levelRow) {
	tot.faults += l.faults
	tot.resolved += l.resolved
	tot.inTime += l.inTime
	tot.late += l.late
	tot.openOverdue += l.openOverdue
	tot.openNotDue += l.openNotDue
	tot.respInTime += l.respInTime
	tot.respLate += l.respLate
	tot.respNone += l.respNone
}

// faultTotal writes the total row of the faults sheet, the data rows
// ending at last.
func (w *opsWriter) faultTotal(t *table, tot levelRow, last int, rate formula) error {
	st := w.wb.st
	out := []any{styled{value: w.lbl.total, style: st.totalText}, styled{value: nil, style: st.totalText}, styled{value: nil, style: st.totalText}}
	for i, v := range []int{tot.faults, tot.resolved, tot.inTime, tot.late, tot.openOverdue, tot.openNotDue} {
		c := colName(3 + i)
		out = append(out, styled{value: columnSum(c, last, v), style: st.totalInt})
	}
	out = append(out,
		styled{value: rate, style: st.totalPct})
	for i, v := range []int{tot.respInTime, tot.respLate, tot.respNone} {
		c := colName(10 + i)
		out = append(out, styled{value: columnSum(c, last, v), style: st.totalInt})
	}
	return t.add(out...)
}

// faultCharts places, below the faults table (data rows up to last), a
// stacked column chart of the faults by level and a pie of the levels.
func (w *opsWriter) faultCharts(t *table, name string, last int) {
	ol := w.ol
	chartRow := t.row + 2
	var series []excelize.ChartSeries
	for _, c := range []string{"F", "G", "H", "I"} {
		series = append(series, excelize.ChartSeries{Name: cellRef(name, c, headerRow), Categories: rng(name, "A", firstData, last), Values: rng(name, c, firstData, last)})
	}
	bars := &excelize.Chart{
		Type: excelize.ColStacked, Series: series, Title: chartTitle(ol.chartLevels),
		Dimension: excelize.ChartDimension{Width: 520, Height: 320},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0"}},
	}
	pie := &excelize.Chart{
		Type: excelize.Pie, Title: chartTitle(ol.chartPie),
		Series: []excelize.ChartSeries{{
			Name: cellRef(name, "D", headerRow), Categories: rng(name, "A", firstData, last), Values: rng(name, "D", firstData, last),
		}},
		Dimension: excelize.ChartDimension{Width: 420, Height: 320},
		Legend:    excelize.ChartLegend{Position: "right"},
		PlotArea:  excelize.ChartPlotArea{ShowPercent: true, ShowVal: true},
	}
	t.before = append(t.before,
		func() error { return w.addChart(name, "A"+strconv.Itoa(chartRow), bars) },
		func() error { return w.addChart(name, "G"+strconv.Itoa(chartRow), pie) })
}
