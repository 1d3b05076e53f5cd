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

// table is one sheet being streamed. Its rows are held until finish,
// which declares the sheet's used range (<dimension>: readers such as
// openpyxl in read-only mode trust it) and streams them; a table too
// large to hold declares its last row up front (streamTo) and streams
// each row as it comes.
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

	pending  []heldRow   // rows not yet streamed (sw == nil)
	merges   [][2]string // merged ranges not yet streamed
	maxCol   int         // the widest row's cells
	declared int         // the last row declared by streamTo; 0 = none
}

// heldRow is a row waiting for the stream.
type heldRow struct {
	ref   string
	cells []any
	opts  []excelize.RowOpts
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
	t := &table{wb: wb, name: name, cols: cols, colW: make([]int, len(cols))}
	for i, c := range cols {
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
	}
	t.row = titleRow
	if err := t.setRow([]any{excelize.Cell{StyleID: wb.st.title, Value: title}},
		excelize.RowOpts{Height: 24}); err != nil {
		return nil, err
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
	t.row = headerRow
	if err := t.setRow(hdr, excelize.RowOpts{Height: float64(15*lines) + 2}); err != nil {
		return nil, err
	}
	return t, nil
}

// streamTo declares the table's last row, lastRow (its used range is
// then A1 to its last column and lastRow), and streams the rows from
// now on instead of holding them; finish fails when another number of
// rows was written.
func (t *table) streamTo(lastRow int) error {
	if t.sw != nil {
		return fmt.Errorf("sheet %s: already streaming", t.name)
	}
	t.declared = max(lastRow, t.row)
	return t.start(t.declared, len(t.cols))
}

// start declares the used range A1:(lastCol)(lastRow), opens the stream,
// and writes the rows held so far.
func (t *table) start(lastRow, lastCol int) error {
	f := t.wb.f
	if err := f.SetSheetDimension(t.name, "A1:"+colName(max(lastCol, 1)-1)+strconv.Itoa(max(lastRow, 1))); err != nil {
		return fmt.Errorf("sheet %s: dimension: %w", t.name, err)
	}
	sw, err := f.NewStreamWriter(t.name)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", t.name, err)
	}
	t.sw = sw
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: headerRow, TopLeftCell: "A" + strconv.Itoa(firstData), ActivePane: "bottomLeft",
	}); err != nil {
		return fmt.Errorf("sheet %s: %w", t.name, err)
	}
	// Set from the last column to the first: the stream writer prepends
	// each <col>, and Excel wants them in ascending order.
	for i := len(t.colW) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, float64(t.colW[i])); err != nil {
			return fmt.Errorf("sheet %s: %w", t.name, err)
		}
	}
	for _, r := range t.pending {
		if err := sw.SetRow(r.ref, r.cells, r.opts...); err != nil {
			return fmt.Errorf("sheet %s row %s: %w", t.name, r.ref, err)
		}
	}
	t.pending = nil
	for _, m := range t.merges {
		if err := sw.MergeCell(m[0], m[1]); err != nil {
			return fmt.Errorf("sheet %s: %w", t.name, err)
		}
	}
	t.merges = nil
	return nil
}

// setRow writes (or holds) the cells of row t.row.
func (t *table) setRow(cells []any, opts ...excelize.RowOpts) error {
	t.maxCol = max(t.maxCol, len(cells))
	ref := "A" + strconv.Itoa(t.row)
	if t.sw == nil {
		t.pending = append(t.pending, heldRow{ref: ref, cells: cells, opts: opts})
		return nil
	}
	if t.declared > 0 && (t.row > t.declared || len(cells) > len(t.cols)) {
		return fmt.Errorf("sheet %s row %d: outside the declared range (last row %d, %d columns)", t.name, t.row, t.declared, len(t.cols))
	}
	if err := t.sw.SetRow(ref, cells, opts...); err != nil {
		return fmt.Errorf("sheet %s row %d: %w", t.name, t.row, err)
	}
	return nil
}

// mergeCell merges the range from a to b (or holds it).
func (t *table) mergeCell(a, b string) error {
	if t.sw == nil {
		t.merges = append(t.merges, [2]string{a, b})
		return nil
	}
	if err := t.sw.MergeCell(a, b); err != nil {
		return fmt.Errorf("sheet %s: %w", t.name, err)
	}
	return nil
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
	return t.setRow(cells, opts...)
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
	return t.setRow(cells)
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
	if err := t.setRow([]any{excelize.Cell{StyleID: t.wb.st.noteWrap, Value: text}},
		excelize.RowOpts{Height: float64(16*lines + 4)}); err != nil {
		return err
	}
	if len(t.cols) > 1 {
		t.maxCol = max(t.maxCol, len(t.cols))
		return t.mergeCell(ref, colName(len(t.cols)-1)+strconv.Itoa(t.row))
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
	// Start the stream first: it writes <sheetPr> (fit to page) as it
	// starts, and the autofilter below would otherwise mark the sheet as
	// filtered there.
	if t.sw == nil {
		// The used range: the last row written (a blank row skipped after
		// the last one does not count) and the widest row.
		if err := t.start(t.row, max(t.maxCol, len(t.cols))); err != nil {
			return err
		}
	} else if t.row != t.declared {
		return fmt.Errorf("sheet %s: %d rows written, %d declared", t.name, t.row, t.declared)
	}
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
