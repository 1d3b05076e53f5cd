package reports

// 日常巡检记录: one row per day of the period, when its check ran and
// whether in time (pipelines.InspectionLog), what it found, and a link to
// that day's workbook.

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// inspections: A day, B deadline, C checked at, D state, E run, F–L
// windows by verdict group, M found, N checks of the day, O workbook, P
// written at.
func (w *opsWriter) inspections() error {
	ml, st := moreLabels(w.opts.Lang), w.wb.st
	cols := []colSpec{
		{label: ml.colDay, kind: colDate, max: 12},
		{label: ml.colDeadline, kind: colTime},
		{label: ml.colCheckedAt, kind: colTime},
		{label: ml.colState, kind: colText, max: 22},
		{label: ml.colRun, kind: colText, max: 30},
		{label: ml.colWindows, kind: colInt, max: 10},
		{label: ml.colOK, kind: colInt, max: 8},
		{label: ml.colLate, kind: colInt, max: 8},
		{label: ml.colMissed, kind: colInt, max: 8},
		{label: ml.colOther, kind: colInt, max: 8},
		{label: ml.colUnver, kind: colInt, max: 10},
		{label: ml.colPending, kind: colInt, max: 8},
		{label: ml.colFound, kind: colWrap, max: 36},
		{label: ml.colRuns, kind: colInt, max: 10},
		{label: ml.colWorkbook, kind: colText, max: 40},
		{label: ml.colWritten, kind: colTime},
	}
	log := w.inspectionLog()
	rag := map[pipelines.InspectionState]int{
		pipelines.InspectedInTime: st.rag[RAGGreen], pipelines.InspectedLate: st.rag[RAGAmber], pipelines.NotInspected: st.rag[RAGRed],
	}
	row := func(in pipelines.Inspection, _ int) []any {
		day := in.Day.Format("2006-01-02")
		var state any = ml.states[int(in.State)]
		if s, ok := rag[in.State]; ok {
			state = styled{value: state, style: s}
		}
		r := []any{in.Day, in.Deadline, nil, state, nil, nil, nil, nil, nil, nil, nil, nil, nil, in.Runs, nil, nil}
		if c := in.Check; c != nil {
			r[2], r[4] = c.Finished, c.RunID
			r[5], r[6], r[7], r[8], r[9], r[10], r[11] = c.Windows, c.OK, c.Late, c.Missed, c.Other, c.Unverifiable, c.Pending
			if n := c.Problems(); n > 0 {
				r[12] = fmt.Sprintf(ml.found, c.Windows, n)
			} else {
				r[12] = fmt.Sprintf(ml.foundNone, c.Windows)
			}
		}
		if b, ok := w.data.more.workbooks[day]; ok {
			r[14], r[15] = w.workbookLink(b.Path), b.Written
		}
		return r
	}
	wd := newWidths(len(cols))
	wd.fit(0, 10)
	measureRows(wd, log, row)
	t, err := w.wb.newTable(sheetName(ml.sheetInspect, w.used), fmt.Sprintf(ml.titleInspect, w.p), cols, wd)
	if err != nil {
		return err
	}
	if err := addRows(t, log, row); err != nil {
		return err
	}
	last := t.row
	var late, missing int
	for _, in := range log {
		switch in.State {
		case pipelines.InspectedLate:
			late++
		case pipelines.NotInspected:
			missing++
		}
	}
	due, inTime := pipelines.InspectionCounts(log)
	dl := w.opts.InspectionDeadline
	if dl == 0 {
		dl = pipelines.DefaultInspectionDeadline
	}
	t.row++
	if err := t.note(fmt.Sprintf(ml.inspectNote, clock(dl), due, inTime, late, missing)); err != nil {
		return err
	}
	return t.finish(last)
}

// workbookLink is a link to a daily workbook: relative when it lies in
// the report's folder (the two travel together), else its path.
func (w *opsWriter) workbookLink(path string) any {
	name := filepath.Base(path)
	target := path
	if out, err := filepath.Abs(orDot(w.opts.OutDir)); err == nil {
		if abs, err := filepath.Abs(path); err == nil && filepath.Dir(abs) == out {
			target = name
		}
	}
	q := func(s string) string { return strings.ReplaceAll(s, `"`, `""`) }
	return formula{expr: fmt.Sprintf(`HYPERLINK("%s","%s")`, q(filepath.ToSlash(target)), q(name)), value: name}
}

func orDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}
