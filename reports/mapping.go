package reports

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/chengdu-cgw/pushaudit/internal/siteinit"
)

// WriteMapping writes the mapping report of 'pushaudit init' as a
// workbook: one sheet per table of the report (Chinese labels), a title
// row, a bold frozen header and an autofilter.
func WriteMapping(path string, sheets []siteinit.Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}})
	if err != nil {
		return err
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), s.Name); err != nil {
				return fmt.Errorf("sheet %s: %w", s.Name, err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return fmt.Errorf("sheet %s: %w", s.Name, err)
		}
		if err := f.SetCellValue(s.Name, "A1", s.Title); err != nil {
			return err
		}
		if err := f.SetCellStyle(s.Name, "A1", "A1", title); err != nil {
			return err
		}
		header := make([]any, len(s.Header))
		widths := make([]int, len(s.Header))
		for j, h := range s.Header {
			header[j] = h
			widths[j] = displayWidth(h)
		}
		if err := f.SetSheetRow(s.Name, "A2", &header); err != nil {
			return err
		}
		last := colName(len(s.Header) - 1)
		if err := f.SetCellStyle(s.Name, "A2", last+"2", bold); err != nil {
			return err
		}
		for r, row := range s.Rows {
			cells := append([]any(nil), row...)
			if err := f.SetSheetRow(s.Name, fmt.Sprintf("A%d", r+3), &cells); err != nil {
				return err
			}
			for j, v := range row {
				if j < len(widths) {
					widths[j] = max(widths[j], displayWidth(fmt.Sprint(v)))
				}
			}
		}
		for j, w := range widths {
			if err := f.SetColWidth(s.Name, colName(j), colName(j), float64(min(max(w+2, 8), 80))); err != nil {
				return err
			}
		}
		if err := f.SetPanes(s.Name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		if err := f.AutoFilter(s.Name, fmt.Sprintf("A2:%s%d", last, len(s.Rows)+2), nil); err != nil {
			return err
		}
	}
	return f.SaveAs(path)
}
