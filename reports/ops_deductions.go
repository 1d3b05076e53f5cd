package reports

// The assessment sheet of the operations report (考核扣分): the rules of
// pipelines.Deductions applied to the period, the total and the score.

import (
	"fmt"
)

// deductions: A rule, B basis, C count, D points each, E deduction
// (C×D); the total and the estimated score.
func (w *opsWriter) deductions() error {
	ol, st := w.ol, w.wb.st
	cols := []colSpec{
		{label: ol.colRule, kind: colWrap, max: 34},
		{label: ol.colBasis, kind: colWrap, max: 56},
		{label: ol.colCount, kind: colInt, max: 8},
		{label: ol.colEach, kind: colDec, max: 10},
		{label: ol.colDeduct, kind: colDec, max: 10},
	}
	row := func(d deduction, n int) []any {
		var each, pts any
		if d.count != nil {
			each = d.each
			pts = formula{expr: fmt.Sprintf("C%[1]d*D%[1]d", n), value: d.points}
		}
		return []any{d.rule, d.basis, d.count, each, pts}
	}
	wd := newWidths(len(cols))
	measureRows(wd, w.deducts, row)
	wd.measure(1, ol.deductScore)
	t, err := w.wb.newTable(sheetName(ol.sheetDeduct, w.used), fmt.Sprintf(moreLabels(w.opts.Lang).titleDeduct[w.p.Kind], w.p), cols, wd)
	if err != nil {
		return err
	}
	if err := addRows(t, w.deducts, row); err != nil {
		return err
	}
	last := t.row
	blank := styled{value: nil, style: st.totalText}
	sumRow := t.row + 1
	if err := t.add(blank, styled{value: ol.deductTotal, style: st.totalText}, blank, blank,
		styled{value: columnSum("E", last, w.deductSum), style: st.dec}); err != nil {
		return err
	}
	if err := t.add(blank, styled{value: ol.deductScore, style: st.totalText}, blank, blank,
		styled{value: formula{expr: fmt.Sprintf("100-E%d", sumRow), value: 100 - w.deductSum}, style: st.dec}); err != nil {
		return err
	}
	t.row++
	if err := t.note(ol.deductNote); err != nil {
		return err
	}
	return t.finish(last)
}
