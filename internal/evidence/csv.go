package evidence

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// parseCSV reads a CSV receipt (UTF-8 with or without BOM, or GBK) with a
// header row. Rows that cannot be read or converted are rejected one by
// one; the others are kept.
func parseCSV(file string, data []byte, s *schema, emit func(record) error) *parsed {
	p := &parsed{emit: emit}
	text, line, err := decodeText(data)
	if err != nil {
		p.fileErr(file, line, "", err.Error())
		return p
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var b *binding
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var line int
		if err == nil {
			line, _ = r.FieldPos(0)
		} else {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
				msg := pe.Err.Error()
				if pe.Line != pe.StartLine {
					msg += fmt.Sprintf(" (from line %d to line %d, column %d)", pe.StartLine, pe.Line, pe.Column)
				} else {
					msg += fmt.Sprintf(" (column %d)", pe.Column)
				}
				if b == nil {
					p.fileErr(file, line, "", "header: "+msg)
					return p
				}
				p.errs = append(p.errs, pipelines.RowError{File: file, Line: line, Msg: "bad CSV: " + msg})
				p.rejected++
				// A quoted field that ran over lines swallowed the rows
				// that follow: what the file holds is unknown.
				if errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
					p.failed = true
				}
				continue
			}
			p.fileErr(file, line, "", err.Error())
			return p
		}
		if b == nil {
			var unknown []string
			var he *headerErr
			if b, unknown, he = s.bind(rec); he != nil {
				p.fileErr(file, line, he.column, he.msg)
				return p
			}
			p.warnUnknown(file, unknown)
			continue
		}
		if len(rec) != len(b.pos) {
			p.errs = append(p.errs, pipelines.RowError{File: file, Line: line, Value: clip(strings.Join(rec, ",")),
				Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(b.pos))})
			p.rejected++
			continue
		}
		cells := make(map[int]cell, len(rec))
		for i, v := range rec {
			if b.pos[i] == ignored {
				continue
			}
			cells[b.pos[i]] = cell{v: v, null: v == ""}
		}
		p.add(s, file, line, cells, false)
		if p.err != nil {
			return p
		}
	}
	if b == nil {
		p.fileErr(file, 0, "", "empty file: no header row")
	}
	return p
}
