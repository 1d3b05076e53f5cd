package reports

// The streamed table every sheet is written as: its title and header rows,
// its columns sized from the measured values, its rows, notes, verdict
// colours and page set-up.

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/xuri/excelize/v2"
)

// workbook is the file being written and what every sheet needs.
type workbook struct {
	f      *excelize.File
	st     *styles
	lbl    *labelSet
	header string // page header and footer, already escaped
	footer string
	sheets int
}

// table is one sheet being streamed.
type table struct {
	wb   *workbook
	name string
	sw   *excelize.StreamWriter
	cols []colSpec
	colW []int // column widths as set
	row  int   // last row written
	// before runs just before the stream ends: charts and notes must be
	// added then, or the streamed sheet does not refer to them.
	before []func() error
}

// colName is the column letter of the 0-based column i.
func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i + 1)
	return n
}

// newTable adds a sheet, sets its columns from the measured widths of its
// values, and writes the title and header rows.
func (wb *workbook) newTable(name, title string, cols []colSpec, w widths) (*table, error) {
	f := wb.f
	if wb.sheets == 0 {
		if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	wb.sheets++
	fit := true
	// sheetPr (fit to page) is written when the stream starts.
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	t := &table{wb: wb, name: name, sw: sw, cols: cols, colW: make([]int, len(cols))}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: headerRow, TopLeftCell: "A" + strconv.Itoa(firstData), ActivePane: "bottomLeft",
	}); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	// Set from the last column to the first: the stream writer prepends
	// each <col>, and Excel wants them in ascending order.
	for i := len(cols) - 1; i >= 0; i-- {
		c := cols[i]
		cap := c.max
		if cap == 0 {
			cap = defaultMaxWidth
		}
		n := w[i]
		if h := displayWidth(c.label); h > n {
			n = h
		}
		n += 2
		if n > cap {
			n = cap
		}
		if n < minWidth {
			n = minWidth
		}
		t.colW[i] = n
		if err := sw.SetColWidth(i+1, i+1, float64(n)); err != nil {
			return nil, fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: wb.st.title, Value: title}},
		excelize.RowOpts{Height: 24}); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	hdr := make([]any, len(cols))
	for i, c := range cols {
		hdr[i] = excelize.Cell{StyleID: wb.st.header, Value: c.label}
	}
	// Two lines at least; more when a label wraps to more in its column.
	lines := 2
	for i, c := range cols {
		lines = max(lines, wrappedLines(c.label, t.colW[i]))
	}
	if err := sw.SetRow("A2", hdr, excelize.RowOpts{Height: float64(15*lines) + 2}); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", name, err)
	}
	t.row = headerRow
	return t, nil
}

// cell turns a value into a styled cell of column i.
func (t *table) cell(i int, v any) excelize.Cell {
	st := t.wb.st
	style := st.text
	if i < len(t.cols) {
		style = st.ofKind(t.cols[i].kind)
	}
	switch v := v.(type) {
	case nil:
		return excelize.Cell{StyleID: style}
	case styled:
		c := t.cell(i, v.value)
		c.StyleID = v.style
		return c
	case formula:
		c := t.cell(i, v.value)
		c.Formula = v.expr
		return c
	case sql.NullInt64:
		if !v.Valid {
			return excelize.Cell{StyleID: style}
		}
		return excelize.Cell{StyleID: style, Value: v.Int64}
	case sql.NullTime:
		if !v.Valid {
			return excelize.Cell{StyleID: style}
		}
		return excelize.Cell{StyleID: st.datetime, Value: warehouse.FromWall(v.Time)}
	case time.Time:
		if v.IsZero() {
			return excelize.Cell{StyleID: style}
		}
		if style != st.date && style != st.month {
			style = st.datetime
		}
		return excelize.Cell{StyleID: style, Value: v}
	}
	return excelize.Cell{StyleID: style, Value: v}
}

// add writes the next row; values line up with the columns.
func (t *table) add(values ...any) error {
	t.row++
	cells := make([]any, len(values))
	lines := 1
	for i, v := range values {
		cells[i] = t.cell(i, v)
		if i < len(t.cols) && t.cols[i].kind == colWrap {
			if s, ok := v.(string); ok {
				lines = max(lines, wrappedLines(s, t.colW[i]))
			}
		}
	}
	var opts []excelize.RowOpts
	if lines > 1 {
		// Readers do not fit the height of a streamed row to wrapped text.
		opts = append(opts, excelize.RowOpts{Height: float64(15*lines + 2)})
	}
	if err := t.sw.SetRow("A"+strconv.Itoa(t.row), cells, opts...); err != nil {
		return fmt.Errorf("sheet %s row %d: %w", t.name, t.row, err)
	}
	return nil
}

// addRows writes the row row gives each item, n its sheet row.
func addRows[T any](t *table, items []T, row func(T, int) []any) error {
	for _, it := range items {
		if err := t.add(row(it, t.row+1)...); err != nil {
			return err
		}
	}
	return nil
}

// wrappedLines is the number of lines s takes wrapped in a column of
// width w (display columns, less a margin). Narrow characters count a
// little less than the column unit (the width of "0"), as they do in a
// proportional font.
func wrappedLines(s string, w int) int {
	unit := float64(max(w-1, 1))
	n := 0
	for _, line := range strings.Split(s, "\n") {
		width := 0.0
		for _, r := range line {
			if isWide(r) {
				width += 2
			} else {
				width += 0.9
			}
		}
		n += max(1, int(math.Ceil(width/unit)))
	}
	return n
}

// addRaw writes the next row without column styles (notes, run info).
func (t *table) addRaw(cells ...any) error {
	t.row++
	if err := t.sw.SetRow("A"+strconv.Itoa(t.row), cells); err != nil {
		return fmt.Errorf("sheet %s row %d: %w", t.name, t.row, err)
	}
	return nil
}

// note writes text in a cell merged across the table's columns, wrapped,
// with a row tall enough for it.
func (t *table) note(text string) error {
	t.row++
	total := 0
	for _, w := range t.colW {
		total += w
	}
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		lines += (displayWidth(l)*11/10)/max(total, 1) + 1
	}
	ref := "A" + strconv.Itoa(t.row)
	if err := t.sw.SetRow(ref, []any{excelize.Cell{StyleID: t.wb.st.noteWrap, Value: text}},
		excelize.RowOpts{Height: float64(16*lines + 4)}); err != nil {
		return fmt.Errorf("sheet %s row %d: %w", t.name, t.row, err)
	}
	if len(t.cols) > 1 {
		if err := t.sw.MergeCell(ref, colName(len(t.cols)-1)+strconv.Itoa(t.row)); err != nil {
			return fmt.Errorf("sheet %s row %d: %w", t.name, t.row, err)
		}
	}
	return nil
}

// verdictRules colour the verdict cells by conditional formatting, so a
// steward who edits a verdict sees the colour follow.
func (t *table) verdictRules(col, lastRow int) error {
	if lastRow < firstData {
		return nil
	}
	st, lbl := t.wb.st, t.wb.lbl
	var opts []excelize.ConditionalFormatOptions
	for _, g := range verdictColours {
		format := map[RAG]int{RAGRed: st.cfRed, RAGAmber: st.cfAmber, RAGGreen: st.cfGreen, RAGNone: st.cfGrey}[g.rag]
		for _, s := range g.statuses {
			format := format
			opts = append(opts, excelize.ConditionalFormatOptions{
				Type: "cell", Criteria: "==", Value: strconv.Quote(lbl.verdict(s)), Format: &format,
			})
		}
	}
	ref := fmt.Sprintf("%[1]s%[2]d:%[1]s%[3]d", colName(col), firstData, lastRow)
	if err := t.wb.f.SetConditionalFormat(t.name, ref, opts); err != nil {
		return fmt.Errorf("sheet %s: conditional format: %w", t.name, err)
	}
	return nil
}

// finish sets the autofilter over the header and rows up to filterTo, the
// page set-up, and ends the stream.
func (t *table) finish(filterTo int) error {
	f := t.wb.f
	if filterTo < headerRow {
		filterTo = headerRow
	}
	last := colName(len(t.cols) - 1)
	if err := f.AutoFilter(t.name, fmt.Sprintf("A%d:%s%d", headerRow, last, filterTo), nil); err != nil {
		return fmt.Errorf("sheet %s: autofilter: %w", t.name, err)
	}
	size, landscape, one, zero := 9, "landscape", 1, 0 // 9 = A4
	if err := f.SetPageLayout(t.name, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &landscape, FitToWidth: &one, FitToHeight: &zero,
	}); err != nil {
		return fmt.Errorf("sheet %s: page layout: %w", t.name, err)
	}
	side, topBottom, hf := 0.4, 0.75, 0.3
	if err := f.SetPageMargins(t.name, &excelize.PageLayoutMarginsOptions{
		Left: &side, Right: &side, Top: &topBottom, Bottom: &topBottom, Header: &hf, Footer: &hf,
	}); err != nil {
		return fmt.Errorf("sheet %s: page margins: %w", t.name, err)
	}
	if err := f.SetHeaderFooter(t.name, &excelize.HeaderFooterOptions{
		OddHeader: t.wb.header, OddFooter: t.wb.footer,
	}); err != nil {
		return fmt.Errorf("sheet %s: header and footer: %w", t.name, err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", t.name, titleRow, headerRow),
		Scope:    t.name,
	}); err != nil {
		return fmt.Errorf("sheet %s: print titles: %w", t.name, err)
	}
	for _, fn := range t.before {
		if err := fn(); err != nil {
			return err
		}
	}
	if err := t.sw.Flush(); err != nil {
		return fmt.Errorf("sheet %s: %w", t.name, err)
	}
	return nil
}
