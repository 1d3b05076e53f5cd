package reports

// 运行与保障（人工填写）: the sections of the contract's report that the
// warehouse cannot fill (system status, on-site staffing, backups), as
// marked blanks for the operations staff, so the workbook is the whole
// report.

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

func (w *opsWriter) manual() error {
	ml := moreLabels(w.opts.Lang)
	cols := []colSpec{
		{label: ml.colSection, kind: colText, max: 16},
		{label: ml.colItem, kind: colText, max: 26},
		{label: ml.colFill, kind: colWrap, max: 50},
		{label: ml.colHint, kind: colWrap, max: 34},
		{label: ml.colBy, kind: colText, max: 12},
		{label: ml.colDate, kind: colDate, max: 12},
	}
	fill, err := w.fillInStyle()
	if err != nil {
		return err
	}
	wd := newWidths(len(cols))
	for _, r := range ml.manual {
		wd.measure(0, r[0])
		wd.measure(1, r[1])
		wd.measure(3, r[2])
	}
	wd.fit(2, 50)
	wd.fit(4, 10)
	wd.fit(5, 10)
	t, err := w.wb.newTable(sheetName(ml.sheetManual, w.used), fmt.Sprintf(ml.titleManual, w.p), cols, wd)
	if err != nil {
		return err
	}
	for _, r := range ml.manual {
		// The blanks to fill in are shaded; a row is tall enough to write in.
		cells := []any{t.cell(0, r[0]), t.cell(1, r[1]), excelize.Cell{StyleID: fill}, t.cell(3, r[2]),
			excelize.Cell{StyleID: fill}, excelize.Cell{StyleID: fill}}
		t.row++
		if err := t.setRow(cells, excelize.RowOpts{Height: 36}); err != nil {
			return err
		}
	}
	last := t.row
	t.row++
	if err := t.note(ml.manualNote); err != nil {
		return err
	}
	return t.finish(last)
}

// fillInStyle is the style of a blank for people to fill in: pale
// yellow, bordered, wrapped.
func (w *opsWriter) fillInStyle() (int, error) {
	family, err := w.wb.f.GetDefaultFont()
	if err != nil {
		return 0, fmt.Errorf("style: %w", err)
	}
	id, err := w.wb.f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Family: family},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}},
		Border:    thinBorder,
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return 0, fmt.Errorf("style: %w", err)
	}
	return id, nil
}
