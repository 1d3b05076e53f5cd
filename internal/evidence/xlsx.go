package evidence

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// parseXLSX reads the first sheet of an XLSX receipt with a header row.
// Cell values are read raw (numbers unformatted, dates as serial numbers,
// which DATE and DATETIME columns accept).
func parseXLSX(file string, data []byte, s *schema, emit func(record) error) (p *parsed) {
	p = &parsed{emit: emit}
	defer func() {
		if r := recover(); r != nil { // excelize on a hostile file
			p.fileErr(file, 0, "", fmt.Sprintf("unreadable XLSX: %v", r))
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		p.fileErr(file, 0, "", "unreadable XLSX: "+err.Error())
		return p
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		p.fileErr(file, 0, "", "XLSX without a sheet")
		return p
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		p.fileErr(file, 0, "", fmt.Sprintf("sheet %q: %v", sheets[0], err))
		return p
	}
	var b *binding
	for i, row := range rows {
		line := i + 1
		if blank(row) {
			continue
		}
		if b == nil {
			var unknown []string
			var he *headerErr
			if b, unknown, he = s.bind(row); he != nil {
				p.fileErr(file, line, he.column, fmt.Sprintf("sheet %q: %s", sheets[0], he.msg))
				return p
			}
			p.warnUnknown(file, unknown)
			continue
		}
		cells := make(map[int]cell, len(row))
		extra := false
		for j, v := range row {
			if j >= len(b.pos) {
				if v != "" {
					extra = true
				}
				continue
			}
			if b.pos[j] == ignored {
				continue
			}
			if k := b.pos[j]; k >= 0 && s.cols[k].Kind == kindText {
				v = plainNumber(v)
			}
			cells[b.pos[j]] = cell{v: v, null: v == ""}
		}
		if extra {
			p.errs = append(p.errs, rowErr(file, line, fmt.Sprintf("has values beyond the %d header columns", len(b.pos))))
			p.rejected++
			continue
		}
		p.add(s, file, line, cells, true)
		if p.err != nil {
			return p
		}
	}
	if b == nil {
		p.fileErr(file, 0, "", fmt.Sprintf("sheet %q is empty: no header row", sheets[0]))
	}
	return p
}

func blank(row []string) bool {
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// plainNumber writes a number that a spreadsheet stored in exponent form
// (a component code typed as a number: 5.1013102000002E+13) as the
// integer it is, for text columns; anything else is returned as it is.
func plainNumber(v string) string {
	if !strings.ContainsAny(v, "eE") || !numberRE.MatchString(v) {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1e21 {
		return v
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
