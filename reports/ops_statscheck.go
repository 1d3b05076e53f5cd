package reports

// 业务统计核对: the business-vs-statistics check of the period (days and
// counters checked, differences found), the case-flow figures it found
// inconsistent with the business database, and the marks on those
// figures in 案件流转 and 区县汇总.

import (
	"fmt"
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// statsCheckRow is one check of the period: days (windows) judged,
// consistent, inconsistent, unverifiable, pending.
type statsCheckRow struct {
	resource                           string
	checked, ok, diff, unver, counters int
}

func (w *opsWriter) statsRows() []statsCheckRow {
	idx := map[string]int{}
	var out []statsCheckRow
	for _, v := range w.data.more.volumes {
		if v.Target != pipelines.StatsTarget {
			continue
		}
		i, ok := idx[v.Resource]
		if !ok {
			i = len(out)
			idx[v.Resource] = i
			out = append(out, statsCheckRow{resource: v.Resource})
		}
		r := &out[i]
		r.checked += v.WindowsDue
		r.ok += v.WindowsComplete
		r.unver += v.WindowsUnverifiable
		r.diff += v.WindowsDue - v.WindowsComplete - v.WindowsUnverifiable
	}
	for i := range out {
		if out[i].resource == pipelines.StatsResource {
			out[i].counters = len(w.cat.StatsCounters)
		}
	}
	return out
}

// flowValue is the value of counter i (caseFlowCounters) of c.
func (c caseRow) flowValue(i int) int64 {
	return [...]int64{c.report, c.file, c.dispatch, c.handle, c.close, c.need, c.ontimeClose}[i]
}

// flowDelta is how far the statistics figure of counter i is from the
// business database's, for a district and month (monthly) or the whole
// period; ok is false when the check found no difference there.
func (w *opsWriter) flowDelta(district int64, month time.Time, i int, monthly bool) (int64, bool) {
	var sum int64
	found := false
	for _, d := range w.data.more.diffs {
		if d.districtID == district && d.counter == i && (!monthly || d.month.Equal(month)) {
			sum += d.delta
			found = true
		}
	}
	return sum, found && sum != 0
}

// markFlow marks in cells (a case-flow row of sheet, its counts from
// column first) the figures the check found inconsistent: red, with the
// business database's figure in a note.
func (w *opsWriter) markFlow(t *table, cells []any, c caseRow, n, first int, monthly bool) []any {
	if len(w.data.more.diffs) == 0 {
		return cells
	}
	ml := moreLabels(w.opts.Lang)
	for i := range caseFlowCounters {
		delta, ok := w.flowDelta(c.districtID, c.month, i, monthly)
		if !ok {
			continue
		}
		style, err := w.markStyle()
		if err != nil {
			continue // the figure stays, unmarked; the sheet 业务统计核对 lists it
		}
		cells[first+i] = styled{value: cells[first+i], style: style}
		if n > 0 {
			ref := colName(first+i) + strconv.Itoa(n)
			text := fmt.Sprintf(ml.markComment, groupDigits(c.flowValue(i)-delta))
			t.before = append(t.before, func() error {
				return w.wb.f.AddComment(t.name, excelize.Comment{Author: "pushaudit", Cell: ref, Text: text, Width: 220, Height: 50})
			})
		}
	}
	return cells
}

// markStyle is the style of a figure the check found inconsistent: an
// integer in red on pale red, bordered.
func (w *opsWriter) markStyle() (int, error) {
	if w.data.more.markStyle != 0 {
		return w.data.more.markStyle, nil
	}
	family, err := w.wb.f.GetDefaultFont()
	if err != nil {
		return 0, err
	}
	id, err := w.wb.f.NewStyle(&excelize.Style{
		Font:   &excelize.Font{Family: family, Color: "9C0006", Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Border: thinBorder, NumFmt: intFmt,
	})
	if err != nil {
		return 0, err
	}
	w.data.more.markStyle = id
	return id, nil
}

func (w *opsWriter) statsCheck() error {
	ml, st := moreLabels(w.opts.Lang), w.wb.st
	cols := []colSpec{
		{label: ml.colCheck, kind: colWrap, max: 34},
		{label: ml.colDaysChecked, kind: colInt, max: 12},
		{label: ml.colDaysOK, kind: colInt, max: 10},
		{label: ml.colDaysDiff, kind: colInt, max: 12},
		{label: ml.colDaysUnver, kind: colInt, max: 12},
		{label: ml.colCounters, kind: colInt, max: 12},
	}
	rows := w.statsRows()
	name := func(r string) string {
		if s, ok := ml.checkNames[r]; ok {
			return s
		}
		return r
	}
	row := func(r statsCheckRow, _ int) []any {
		var counters any
		if r.counters > 0 {
			counters = r.counters
		}
		diff := any(r.diff)
		if r.diff > 0 {
			diff = styled{value: r.diff, style: st.rag[RAGRed]}
		}
		return []any{name(r.resource), r.checked, r.ok, diff, r.unver, counters}
	}
	diffs := w.statsDiffs()
	wd := newWidths(len(cols))
	measureRows(wd, rows, row)
	for _, d := range diffs {
		wd.measure(0, d.district)
		wd.measure(2, d.counter)
		wd.measure(3, d.stats)
		wd.measure(4, d.biz)
	}
	wd.measure(0, ml.diffHeader)
	t, err := w.wb.newTable(sheetName(ml.sheetStats, w.used), fmt.Sprintf(ml.titleStats, w.p), cols, wd)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		if err := t.addRaw(excelize.Cell{StyleID: st.note, Value: ml.noStatsCheck}); err != nil {
			return err
		}
	}
	if err := addRows(t, rows, row); err != nil {
		return err
	}
	last := max(t.row, headerRow)
	if len(rows) == 0 {
		last = headerRow
	}
	t.row += 2
	if err := t.addRaw(excelize.Cell{StyleID: st.label, Value: ml.diffHeader}); err != nil {
		return err
	}
	if err := w.addStatsDiffs(t, ml, diffs); err != nil {
		return err
	}
	t.row++
	if err := t.note(ml.statsNote); err != nil {
		return err
	}
	return t.finish(last)
}

// statsDiffRow is one difference the check found: the statistics figure
// of a counter for a district and month, and the business database's.
type statsDiffRow struct {
	district   string
	month      time.Time
	counter    string
	stats, biz int64
	delta      int64
}

// statsDiffs are the differences, by district, month and counter, named
// as the sheet shows them: a district without a case-flow row by its ID.
func (w *opsWriter) statsDiffs() []statsDiffRow {
	names := map[int64]caseRow{}
	for _, c := range w.data.cases {
		names[c.districtID] = c
	}
	counterLabels := []string{w.ol.colReport, w.ol.colFile, w.ol.colDispatch, w.ol.colHandle, w.ol.colClose, w.ol.colNeedClose, w.ol.colOnTimeClose}
	var diffs []statsDiffRow
	for _, d := range w.data.more.diffs {
		var c caseRow
		for _, x := range w.data.cases {
			if x.districtID == d.districtID && x.month.Equal(d.month) {
				c = x
			}
		}
		district := names[d.districtID].district
		if district == "" {
			district = strconv.FormatInt(d.districtID, 10)
		}
		s := c.flowValue(d.counter)
		diffs = append(diffs, statsDiffRow{district, d.month, counterLabels[d.counter], s, s - d.delta, d.delta})
	}
	return diffs
}

// addStatsDiffs adds the differences to t under their header: a note
// when there are none, else a row each, the statistics figure marked as
// on the case-flow sheets.
func (w *opsWriter) addStatsDiffs(t *table, ml *opsMoreLabels, diffs []statsDiffRow) error {
	st := w.wb.st
	if len(diffs) == 0 {
		return t.addRaw(excelize.Cell{StyleID: st.note, Value: ml.noDiffs})
	}
	hdr := []any{}
	for _, l := range []string{ml.colDistrict, w.ol.colMonth, ml.colCounter, ml.colStatsFig, ml.colBizFig, ml.colDiff} {
		hdr = append(hdr, excelize.Cell{StyleID: st.header, Value: l})
	}
	if err := t.addRaw(hdr...); err != nil {
		return err
	}
	mark, err := w.markStyle()
	if err != nil {
		return fmt.Errorf("style: %w", err)
	}
	for _, d := range diffs {
		if err := t.addRaw(t.cell(0, d.district), excelize.Cell{StyleID: st.month, Value: d.month}, t.cell(0, d.counter),
			excelize.Cell{StyleID: mark, Value: d.stats}, excelize.Cell{StyleID: st.integer, Value: d.biz},
			excelize.Cell{StyleID: st.integer, Value: d.delta}); err != nil {
			return err
		}
	}
	return nil
}
