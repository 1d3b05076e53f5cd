package reports

// The case-flow sheets of the operations report: 案件流转 by district and
// month, and 区县汇总 by district with its chart.

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// cases: A district, B month, C reported, D filed, E dispatched, F
// handled, G closed, H to close, I closed on time, J close rate, K on-time
// close rate.
func (w *opsWriter) cases() (err error) {
	ol, lbl, st := w.ol, w.lbl, w.wb.st
	cols := append([]colSpec{
		{label: ol.colDistrict, kind: colText, max: 16},
		{label: ol.colMonth, kind: colMonth, max: 10},
	}, ol.caseFlowCols()...)
	var t *table
	row := func(c caseRow, n int) []any {
		cells := append([]any{c.district, c.month}, c.flowCells(n, 2)...)
		if t != nil {
			cells = w.markFlow(t, cells, c, n, 2, true) // ops_statscheck.go
		}
		return cells
	}
	wd := newWidths(len(cols))
	wd.fit(1, 7)
	measureRows(wd, w.data.cases, row)
	wd.measure(0, lbl.total)
	name := sheetName(ol.sheetCases, w.used)
	t, err = w.wb.newTable(name, fmt.Sprintf(ol.titleCases, w.p), cols, wd)
	if err != nil {
		return err
	}
	t.before = append(t.before, func() error { return w.rateComments(name, "J", "K") })
	if len(w.data.cases) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: ol.noCases}); err != nil {
			return err
		}
		t.row++
		if err := t.note(w.casesNote()); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	last, err := w.caseRows(t, w.data.cases, row, 2)
	if err != nil {
		return err
	}
	return t.finish(last)
}

// caseRows writes the rows of a case-flow table, its total row (the
// counts starting at column first, 0-based) and its note; it returns the
// last data row.
func (w *opsWriter) caseRows(t *table, cs []caseRow, row func(caseRow, int) []any, first int) (int, error) {
	if err := addRows(t, cs, row); err != nil {
		return 0, err
	}
	var tot caseRow
	for _, c := range cs {
		tot.addCounts(c)
	}
	last := t.row
	if err := w.caseTotal(t, tot, first, last); err != nil {
		return 0, err
	}
	t.row++
	return last, t.note(w.casesNote())
}

// caseFlowCols are the columns of a case-flow table after its keys: seven
// counts, then the close rate and the on-time close rate.
func (ol *opsLabels) caseFlowCols() []colSpec {
	return []colSpec{
		{label: ol.colReport, kind: colInt, max: 12},
		{label: ol.colFile, kind: colInt, max: 12},
		{label: ol.colDispatch, kind: colInt, max: 12},
		{label: ol.colHandle, kind: colInt, max: 12},
		{label: ol.colClose, kind: colInt, max: 12},
		{label: ol.colNeedClose, kind: colInt, max: 12},
		{label: ol.colOnTimeClose, kind: colInt, max: 12},
		{label: ol.colCloseRate, kind: colPct, max: 10},
		{label: ol.colOnTimeCloseR, kind: colPct, max: 12},
	}
}

// flowCells are the caseFlowCols cells of c on sheet row n, the counts
// starting at column first (0-based); the rates are live formulas.
func (c caseRow) flowCells(n, first int) []any {
	closeC, needC, ontimeC := colName(first+4), colName(first+5), colName(first+6)
	return []any{c.report, c.file, c.dispatch, c.handle, c.close, c.need, c.ontimeClose,
		rateFormula(n, closeC, needC, c.close, c.need), rateFormula(n, ontimeC, needC, c.ontimeClose, c.need)}
}

// casesNote says where the case flow comes from and how the rates are
// computed.
func (w *opsWriter) casesNote() string {
	src := w.ol.casesSource[w.data.caseSrc]
	if src == "" {
		src = "—"
	}
	return fmt.Sprintf(w.ol.casesNote, src)
}

// caseTotal writes the total row of a case table whose counts start at
// column first (0-based): seven counts, then the two rates.
func (w *opsWriter) caseTotal(t *table, tot caseRow, first, last int) error {
	st := w.wb.st
	out := []any{styled{value: w.lbl.total, style: st.totalText}}
	for len(out) < first {
		out = append(out, styled{value: nil, style: st.totalText})
	}
	n := t.row + 1
	for i, v := range []int64{tot.report, tot.file, tot.dispatch, tot.handle, tot.close, tot.need, tot.ontimeClose} {
		c := colName(first + i)
		out = append(out, styled{value: columnSum(c, last, v), style: st.totalInt})
	}
	closeC, needC, ontimeC := colName(first+4), colName(first+5), colName(first+6)
	out = append(out,
		styled{value: rateFormula(n, closeC, needC, tot.close, tot.need), style: st.totalPct},
		styled{value: rateFormula(n, ontimeC, needC, tot.ontimeClose, tot.need), style: st.totalPct})
	return t.add(out...)
}

// rateComments put the formulas of the two rates in notes on their
// headers.
func (w *opsWriter) rateComments(sheet, closeCol, onTimeCol string) error {
	for _, c := range []struct{ col, text string }{{closeCol, w.ol.noteCloseRate}, {onTimeCol, w.ol.noteOnTimeCloseRate}} {
		if err := w.wb.f.AddComment(sheet, excelize.Comment{
			Author: "pushaudit", Cell: c.col + strconv.Itoa(headerRow), Text: c.text, Width: 260, Height: 60,
		}); err != nil {
			return fmt.Errorf("sheet %s: note: %w", sheet, err)
		}
	}
	return nil
}

// districts: the period's case flow per district (A district, B–H
// counts, I–J rates) and a bar chart of reported, filed and closed.
func (w *opsWriter) districts() (err error) {
	ol, lbl, st := w.ol, w.lbl, w.wb.st
	cols := append([]colSpec{{label: ol.colDistrict, kind: colText, max: 16}}, ol.caseFlowCols()...)
	var ds []caseRow
	idx := map[int64]int{}
	for _, c := range w.data.cases {
		i, ok := idx[c.districtID]
		if !ok {
			i = len(ds)
			idx[c.districtID] = i
			ds = append(ds, caseRow{districtID: c.districtID, district: c.district})
		}
		ds[i].addCounts(c)
	}
	var t *table
	row := func(c caseRow, n int) []any {
		cells := append([]any{c.district}, c.flowCells(n, 1)...)
		if t != nil {
			cells = w.markFlow(t, cells, c, n, 1, false) // ops_statscheck.go
		}
		return cells
	}
	wd := newWidths(len(cols))
	measureRows(wd, ds, row)
	wd.measure(0, lbl.total)
	name := sheetName(ol.sheetDistricts, w.used)
	t, err = w.wb.newTable(name, fmt.Sprintf(ol.titleDistricts, w.p), cols, wd)
	if err != nil {
		return err
	}
	t.before = append(t.before, func() error { return w.rateComments(name, "I", "J") })
	if len(ds) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: ol.noCases}); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	last, err := w.caseRows(t, ds, row, 1)
	if err != nil {
		return err
	}
	var series []excelize.ChartSeries
	for _, c := range []string{"B", "C", "F"} {
		series = append(series, excelize.ChartSeries{Name: cellRef(name, c, headerRow), Categories: rng(name, "A", firstData, last), Values: rng(name, c, firstData, last)})
	}
	h := uint(120 + 26*len(ds))
	chart := &excelize.Chart{
		Type: excelize.Bar, Series: series, Title: chartTitle(ol.chartDistricts),
		Dimension: excelize.ChartDimension{Width: 640, Height: max(h, 320)},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		XAxis:     excelize.ChartAxis{ReverseOrder: true},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}},
	}
	t.before = append(t.before, func() error { return w.addChart(name, colName(len(cols)+1)+"3", chart) })
	return t.finish(last)
}
