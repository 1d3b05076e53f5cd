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
	note := ol.deductNote
	if w.p.Kind == PeriodYear {
		if err := w.quarterRows(t); err != nil {
			return err
		}
		note = yearLabelsFor(w.opts.Lang).note + "\n" + note
	} else if err := t.add(blank, styled{value: ol.deductScore, style: st.totalText}, blank, blank,
		styled{value: formula{expr: fmt.Sprintf("100-E%d", sumRow), value: 100 - w.deductSum}, style: st.dec}); err != nil {
		return err
	}
	t.row++
	if err := t.note(note); err != nil {
		return err
	}
	return t.finish(last)
}

// quarterRows: a year's quarters, each with its deductions (D) and score
// (E, 100−D), then the yearly score, the average of the assessed
// quarters' scores (pipelines.YearAssessment).
func (w *opsWriter) quarterRows(t *table) error {
	yl, st := yearLabelsFor(w.opts.Lang), w.wb.st
	blank := styled{value: nil, style: st.totalText}
	first := t.row + 1
	for _, q := range w.quarters {
		if !q.Assessed {
			if err := t.add(styled{value: fmt.Sprintf(yl.notAssessed, q.Name), style: st.totalText}, blank, blank, blank, blank); err != nil {
				return err
			}
			continue
		}
		n := t.row + 1
		if err := t.add(styled{value: fmt.Sprintf(yl.quarter, q.Name), style: st.totalText}, blank, blank,
			styled{value: q.Deducted, style: st.dec},
			styled{value: formula{expr: fmt.Sprintf("100-D%d", n), value: q.Score}, style: st.dec}); err != nil {
			return err
		}
	}
	lastQ := t.row
	var year any = ""
	for _, q := range w.quarters {
		if q.Assessed {
			year = w.score
		}
	}
	return t.add(styled{value: yl.year, style: st.totalText}, blank, blank, blank,
		styled{value: formula{expr: fmt.Sprintf(`IF(COUNT(E%[1]d:E%[2]d)=0,"",AVERAGE(E%[1]d:E%[2]d))`, first, lastQ), value: year}, style: st.dec})
}
