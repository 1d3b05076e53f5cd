package reports

// The cell styles of a workbook and the colours of the traffic lights and
// verdicts.

import (
	"fmt"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/xuri/excelize/v2"
)

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

// ofKind is the style of a cell of a column of kind k.
func (s *styles) ofKind(k colKind) int {
	return [...]int{colText: s.text, colWrap: s.wrap, colInt: s.integer, colTime: s.datetime,
		colPct: s.pct, colDate: s.date, colDec: s.dec, colMonth: s.month}[k]
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
	for _, rag := range []RAG{RAGGreen, RAGAmber, RAGRed, RAGNone} { // a fixed order
		c := ragColours[rag]
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
	// In a fixed order, so the same workbook is written the same way.
	for _, cf := range []struct {
		dst *int
		rag RAG
	}{{&s.cfRed, RAGRed}, {&s.cfAmber, RAGAmber}, {&s.cfGreen, RAGGreen}, {&s.cfGrey, RAGNone}} {
		dst, c := cf.dst, ragColours[cf.rag]
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
	{RAGRed, []pipelines.Status{pipelines.StatusMissed, pipelines.StatusFailed, pipelines.StatusStale, pipelines.StatusAnomaly}},
	{RAGAmber, []pipelines.Status{pipelines.StatusShort, pipelines.StatusExcess, pipelines.StatusDuplicate,
		pipelines.StatusLate, pipelines.StatusMismatch}},
	{RAGNone, []pipelines.Status{pipelines.StatusPending, pipelines.StatusUnverifiable}},
	{RAGGreen, []pipelines.Status{pipelines.StatusOK}},
}
