package reports

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

// This file holds the workbook plumbing shared by every sheet: styles,
// column widths, the streamed table with its title and header rows, and
// the page set-up. Every sheet has a title in row 1 and the header in
// row 2; both are frozen, repeated on every printed page, and the header
// carries the autofilter.

const (
	titleRow  = 1
	headerRow = 2
	firstData = 3

	dateTimeFmt = "yyyy-mm-dd hh:mm"
	intFmt      = 3 // built-in "#,##0"

	hm = "2006-01-02 15:04" // a time written as text, as dateTimeFmt shows it
)

// colKind says how a column's values are shown.
type colKind int

const (
	colText  colKind = iota
	colWrap          // text that wraps once the column reaches its cap
	colInt           // #,##0
	colTime          // yyyy-mm-dd hh:mm
	colPct           // 0.0%
	colDate          // yyyy-mm-dd
	colDec           // #,##0.0
	colMonth         // yyyy-mm
)

// colSpec is one column of a table.
type colSpec struct {
	label string
	kind  colKind
	max   int // width cap in display columns; 0 = defaultMaxWidth
}

const (
	defaultMaxWidth = 40
	minWidth        = 6
	timeWidth       = 16 // len("2026-11-21 23:50")
)

// displayWidth is the width of s in a fixed-pitch sense: East Asian wide
// and fullwidth characters count 2, the rest 1.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if isWide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r),
		unicode.Is(unicode.Katakana, r), unicode.Is(unicode.Hangul, r):
		return true
	case r >= 0x3000 && r <= 0x303F, // CJK symbols and punctuation
		r >= 0xFF00 && r <= 0xFF60, // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x2E80 && r <= 0x2FDF: // radicals
		return true
	}
	return false
}

// widths measures the longest value of each column, in display columns.
type widths []int

func newWidths(n int) widths { return make(widths, n) }

func (w widths) fit(i, n int) {
	if n > w[i] {
		w[i] = n
	}
}

// measure records the display width of v in column i.
func (w widths) measure(i int, v any) {
	switch v := v.(type) {
	case nil:
	case string:
		// A wrapped text is as wide as its longest line.
		for _, line := range strings.Split(v, "\n") {
			w.fit(i, displayWidth(line))
		}
	case int:
		w.fit(i, len(groupDigits(int64(v))))
	case int64:
		w.fit(i, len(groupDigits(v)))
	case sql.NullInt64:
		if v.Valid {
			w.fit(i, len(groupDigits(v.Int64)))
		}
	case time.Time:
		w.fit(i, timeWidth)
	case sql.NullTime:
		if v.Valid {
			w.fit(i, timeWidth)
		}
	case formula:
		w.measure(i, v.value)
	case styled:
		w.measure(i, v.value)
	default:
		w.fit(i, displayWidth(fmt.Sprint(v)))
	}
}

// groupDigits formats n as #,##0 does.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formula is a cell holding a formula (without "=") and its cached value.
type formula struct {
	expr  string
	value any
}

// columnSum is the SUM of column col over the data rows up to last (a
// total row's cell), with its cached value.
func columnSum(col string, last int, value any) formula {
	return formula{expr: fmt.Sprintf("SUM(%[1]s%[2]d:%[1]s%[3]d)", col, firstData, max(last, firstData)), value: value}
}

// styled overrides the column style of one cell.
type styled struct {
	value any
	style int
}

// styles are the cell styles of a workbook, created once.
type styles struct {
	title, header, note, noteBorder int
	noteWrap                        int // a merged, wrapped note below a table
	label                           int // bold, no border
	text, wrap, integer, datetime   int
	pct, date, dec, month           int
	totalText, totalInt, totalPct   int
	rag                             map[RAG]int
	cfRed, cfAmber, cfGreen, cfGrey int // conditional (dxf) formats
}

var thinBorder = []excelize.Border{
	{Type: "left", Color: "A6A6A6", Style: 1},
	{Type: "right", Color: "A6A6A6", Style: 1},
	{Type: "top", Color: "A6A6A6", Style: 1},
	{Type: "bottom", Color: "A6A6A6", Style: 1},
}

func newStyles(f *excelize.File) (*styles, error) {
	s := &styles{rag: map[RAG]int{}}
	// Name the font in every style: a font without a name renders in the
	// reader's default (a serif face in LibreOffice).
	family, err := f.GetDefaultFont()
	if err != nil {
		return nil, fmt.Errorf("style: %w", err)
	}
	font := func(ft excelize.Font) *excelize.Font {
		ft.Family = family
		return &ft
	}
	dt, dd, mm, pc, d1 := dateTimeFmt, "yyyy-mm-dd", "yyyy-mm", "0.0%", "#,##0.0"
	center := &excelize.Alignment{Vertical: "center"}
	defs := []struct {
		dst *int
		st  *excelize.Style
	}{
		{&s.title, &excelize.Style{Font: font(excelize.Font{Bold: true, Size: 14}), Alignment: center}},
		{&s.header, &excelize.Style{
			Font:      font(excelize.Font{Bold: true}),
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Border:    thinBorder,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		}},
		{&s.note, &excelize.Style{Font: font(excelize.Font{Italic: true, Color: "595959"}), Alignment: center}},
		{&s.noteBorder, &excelize.Style{Font: font(excelize.Font{Italic: true, Color: "595959"}), Border: thinBorder, Alignment: center}},
		{&s.noteWrap, &excelize.Style{Font: font(excelize.Font{Italic: true, Color: "595959"}),
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.label, &excelize.Style{Font: font(excelize.Font{Bold: true}), Alignment: center}},
		{&s.text, &excelize.Style{Border: thinBorder, Alignment: center}},
		{&s.wrap, &excelize.Style{Border: thinBorder, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}},
		{&s.integer, &excelize.Style{Border: thinBorder, NumFmt: intFmt, Alignment: center}},
		{&s.datetime, &excelize.Style{Border: thinBorder, CustomNumFmt: &dt, Alignment: center}},
		{&s.pct, &excelize.Style{Border: thinBorder, CustomNumFmt: &pc, Alignment: center}},
		{&s.date, &excelize.Style{Border: thinBorder, CustomNumFmt: &dd, Alignment: center}},
		{&s.month, &excelize.Style{Border: thinBorder, CustomNumFmt: &mm, Alignment: center}},
		{&s.dec, &excelize.Style{Border: thinBorder, CustomNumFmt: &d1, Alignment: center}},
		{&s.totalPct, &excelize.Style{Font: font(excelize.Font{Bold: true}), Border: thinBorder, CustomNumFmt: &pc, Alignment: center}},
		{&s.totalText, &excelize.Style{Font: font(excelize.Font{Bold: true}), Border: thinBorder, Alignment: center}},
		{&s.totalInt, &excelize.Style{Font: font(excelize.Font{Bold: true}), Border: thinBorder, NumFmt: intFmt, Alignment: center}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(d.st)
		if err != nil {
			return nil, fmt.Errorf("style: %w", err)
		}
		*d.dst = id
	}
	for rag, c := range ragColours {
		id, err := f.NewStyle(&excelize.Style{
			Font:      font(excelize.Font{Bold: true, Color: c.font}),
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c.fill}},
			Border:    thinBorder,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
		})
		if err != nil {
			return nil, fmt.Errorf("style: %w", err)
		}
		s.rag[rag] = id
	}
	for dst, rag := range map[*int]RAG{&s.cfRed: RAGRed, &s.cfAmber: RAGAmber, &s.cfGreen: RAGGreen, &s.cfGrey: RAGNone} {
		c := ragColours[rag]
		id, err := f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: c.font},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c.fill}},
		})
		if err != nil {
			return nil, fmt.Errorf("conditional style: %w", err)
		}
		*dst = id
	}
	return s, nil
}

// ragColours are Excel's "good", "neutral" and "bad" colours, and grey.
var ragColours = map[RAG]struct{ font, fill string }{
	RAGGreen: {"006100", "C6EFCE"},
	RAGAmber: {"9C5700", "FFEB9C"},
	RAGRed:   {"9C0006", "FFC7CE"},
	RAGNone:  {"404040", "E7E6E6"},
}

// verdictColours group the verdicts by the colour of their cells: red for
// nothing or a failure arrived, amber for wrong counts, values or timing,
// grey for what cannot be judged yet, green for ok.
var verdictColours = []struct {
	rag      RAG
	statuses []pipelines.Status
}{
	{RAGRed, []pipelines.Status{pipelines.StatusMissed, pipelines.StatusFailed, pipelines.StatusStale}},
	{RAGAmber, []pipelines.Status{pipelines.StatusShort, pipelines.StatusExcess, pipelines.StatusDuplicate,
		pipelines.StatusLate, pipelines.StatusMismatch}},
	{RAGNone, []pipelines.Status{pipelines.StatusPending, pipelines.StatusUnverifiable}},
	{RAGGreen, []pipelines.Status{pipelines.StatusOK}},
}

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
		switch t.cols[i].kind {
		case colWrap:
			style = st.wrap
		case colInt:
			style = st.integer
		case colTime:
			style = st.datetime
		case colPct:
			style = st.pct
		case colDate:
			style = st.date
		case colMonth:
			style = st.month
		case colDec:
			style = st.dec
		}
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

// escapeHF escapes text for a page header or footer, where & starts a
// code.
func escapeHF(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// sheetName makes a valid, unique sheet name of at most 31 characters.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, "'")
	if name == "" {
		name = "_"
	}
	base := truncRunes(name, 31)
	out := base
	for i := 2; used[strings.ToLower(out)]; i++ {
		suffix := fmt.Sprintf("(%d)", i)
		out = truncRunes(base, 31-len(suffix)) + suffix
	}
	used[strings.ToLower(out)] = true
	return out
}

func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
