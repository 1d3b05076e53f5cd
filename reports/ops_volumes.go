package reports

// 推送量: rows expected, claimed and received per target, resource and
// month, with the completeness in rows and in windows.

import (
	"fmt"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// volumes: A target, B resource key, C name, D month, E windows due, F
// complete, G unverifiable, H completeness (windows), I rows expected, J
// claimed, K received, L delivered, M completeness (rows).
func (w *opsWriter) volumes() error {
	ml, lbl, st := moreLabels(w.opts.Lang), w.lbl, w.wb.st
	cols := []colSpec{
		{label: lbl.colTarget, kind: colWrap, max: 24},
		{label: lbl.colResKey, kind: colText, max: 24},
		{label: lbl.colResName, kind: colWrap, max: 28},
		{label: ml.colMonth, kind: colMonth, max: 10},
		{label: ml.colDue, kind: colInt, max: 10},
		{label: ml.colComplete, kind: colInt, max: 10},
		{label: ml.colUnver, kind: colInt, max: 10},
		{label: ml.colRateWindows, kind: colPct, max: 12},
		{label: ml.colExpected, kind: colInt, max: 14},
		{label: ml.colClaimed, kind: colInt, max: 14},
		{label: ml.colReceived, kind: colInt, max: 14},
		{label: ml.colDelivered, kind: colInt, max: 14},
		{label: ml.colRateRows, kind: colPct, max: 12},
	}
	// Catalog order, then others by key (ledger order); stats has its own
	// sheet, and the anomaly check's counts are no pushed volume.
	order := map[[2]string]int{}
	for _, e := range w.exchRows {
		order[[2]string{e.target, e.resource}] = len(order)
	}
	var vs []ledger.Volume
	for _, v := range w.data.more.volumes {
		if v.Target != pipelines.StatsTarget && v.Target != pipelines.SourceTarget {
			vs = append(vs, v)
		}
	}
	pos := func(v ledger.Volume) int {
		if i, ok := order[[2]string{v.Target, v.Resource}]; ok {
			return i
		}
		return len(order)
	}
	sortStable(vs, func(a, b ledger.Volume) bool { return pos(a) < pos(b) })
	rates := func(n int, v ledger.Volume) (any, any) {
		win := formula{expr: fmt.Sprintf(`IF(E%[1]d-G%[1]d=0,"",F%[1]d/(E%[1]d-G%[1]d))`, n),
			value: orEmpty(rate(pipelines.Completeness(v.WindowsComplete, 0, v.WindowsDue, v.WindowsUnverifiable)))}
		rows := formula{expr: fmt.Sprintf(`IF(I%[1]d=0,"",L%[1]d/I%[1]d)`, n),
			value: orEmpty(rate(pipelines.RowCompleteness(v.RowsDelivered, v.RowsExpected)))}
		return win, rows
	}
	row := func(v ledger.Volume, n int) []any {
		wr, rr := rates(n, v)
		return []any{w.dw.targetName(v.Target), v.Resource, w.dw.resourceName(v.Target, v.Resource), v.Month,
			v.WindowsDue, v.WindowsComplete, v.WindowsUnverifiable, wr,
			v.RowsExpected, v.RowsClaimed, v.RowsReceived, v.RowsDelivered, rr}
	}
	wd := newWidths(len(cols))
	wd.fit(3, 7)
	measureRows(wd, vs, row)
	wd.measure(0, lbl.total)
	t, err := w.wb.newTable(sheetName(ml.sheetVolumes, w.used), fmt.Sprintf(ml.titleVolumes, w.p), cols, wd)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: ml.noVolumes}); err != nil {
			return err
		}
		t.row++
		if err := t.note(ml.volumesNote); err != nil {
			return err
		}
		return t.finish(headerRow)
	}
	if err := addRows(t, vs, row); err != nil {
		return err
	}
	last := t.row
	var tot ledger.Volume
	for _, v := range vs {
		tot.WindowsDue += v.WindowsDue
		tot.WindowsComplete += v.WindowsComplete
		tot.WindowsUnverifiable += v.WindowsUnverifiable
		tot.RowsExpected += v.RowsExpected
		tot.RowsClaimed += v.RowsClaimed
		tot.RowsReceived += v.RowsReceived
		tot.RowsDelivered += v.RowsDelivered
	}
	n := t.row + 1
	vals := row(tot, n)
	out := []any{styled{value: lbl.total, style: st.totalText}, styled{value: nil, style: st.totalText},
		styled{value: nil, style: st.totalText}, styled{value: nil, style: st.totalText}}
	for i := 4; i < len(cols); i++ {
		if cols[i].kind == colPct {
			out = append(out, styled{value: vals[i], style: st.totalPct})
			continue
		}
		out = append(out, styled{value: columnSum(colName(i), last, vals[i]), style: st.totalInt})
	}
	if err := t.add(out...); err != nil {
		return err
	}
	t.row++
	if err := t.note(ml.volumesNote); err != nil {
		return err
	}
	return t.finish(last)
}

// sortStable sorts s by less, keeping the order of equal items.
func sortStable[T any](s []T, less func(a, b T) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
