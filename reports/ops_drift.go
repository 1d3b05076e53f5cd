package reports

// 表结构变更: each change of a source table's structure the snapshots of
// the period detected (audit.schema_drift).

import (
	"fmt"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/xuri/excelize/v2"
)

func (w *opsWriter) drift() error {
	ml, st := moreLabels(w.opts.Lang), w.wb.st
	cols := []colSpec{
		{label: ml.colDetected, kind: colTime},
		{label: ml.colSource, kind: colText, max: 18},
		{label: ml.colTable, kind: colText, max: 30},
		{label: ml.colChange, kind: colWrap, max: 60},
		{label: ml.colSnapRun, kind: colText, max: 32},
	}
	list := w.data.drift.list
	row := func(c warehouse.DriftChange, _ int) []any {
		return []any{c.DetectedAt, c.Source, c.Table, c.Change, c.RunID}
	}
	wd := newWidths(len(cols))
	measureRows(wd, list, row)
	t, err := w.wb.newTable(sheetName(ml.sheetDrift, w.used), fmt.Sprintf(ml.titleDrift, w.p), cols, wd)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		msg := ml.noDrift
		if !w.data.drift.checked {
			msg = ml.driftUnknown
		}
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: msg}); err != nil {
			return err
		}
	}
	if err := addRows(t, list, row); err != nil {
		return err
	}
	last := max(t.row, headerRow)
	if len(list) == 0 {
		last = headerRow
	}
	t.row++
	if err := t.note(ml.driftNote); err != nil {
		return err
	}
	return t.finish(last)
}
