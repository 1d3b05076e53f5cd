package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// parseJSON reads a JSON receipt: an array of objects keyed by column
// names (English or Chinese), or an object whose "records" member is
// such an array. A record that cannot be converted is rejected; a syntax
// error ends the file (records before it are kept) and fails it.
func parseJSON(file string, data []byte, s *schema, emit func(record) error) *parsed {
	p := &parsed{emit: emit}
	text, line, err := decodeText(data)
	if err != nil {
		p.fileErr(file, line, "", err.Error())
		return p
	}
	r := newJSONReader(file, text, p)
	if !r.openRecords() {
		return p
	}
	unknown := map[string]bool{}
	n := 0
	for r.dec.More() {
		n++
		line := r.lineAt(r.valueStart(r.dec.InputOffset()))
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			r.syntax(err)
			return p
		}
		cells, bad := jsonRecord(s, file, line, n, raw, unknown)
		if len(bad) > 0 {
			p.errs = append(p.errs, bad...)
			p.rejected++
			continue
		}
		p.add(s, file, line, cells, false)
		if p.err != nil {
			return p
		}
	}
	if _, err := r.dec.Token(); err != nil { // the closing ]
		r.syntax(err)
		return p
	}
	p.warnUnknown(file, slices.Collect(maps.Keys(unknown)))
	return p
}

// jsonReader is the decoder of one JSON receipt with what its file errors
// need: the file name, and the text to turn decoder offsets into lines.
type jsonReader struct {
	file string
	text string
	dec  *json.Decoder
	p    *parsed
	// lastOff and lastLine are where lineAt last counted to.
	lastOff  int64
	lastLine int
}

// newJSONReader decodes text, keeping numbers as written.
func newJSONReader(file, text string, p *parsed) *jsonReader {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	return &jsonReader{file: file, text: text, dec: dec, p: p, lastLine: 1}
}

// lineAt is the line of offset off. It counts lines from the last offset
// asked for: offsets only grow, so a long file is not counted over and
// over.
func (r *jsonReader) lineAt(off int64) int {
	off = min(max(off, 0), int64(len(r.text)))
	if off < r.lastOff {
		r.lastOff, r.lastLine = 0, 1
	}
	r.lastLine += strings.Count(r.text[r.lastOff:off], "\n")
	r.lastOff = off
	return r.lastLine
}

// valueStart is the start of the next value, past white space and a
// comma.
func (r *jsonReader) valueStart(off int64) int64 {
	for off < int64(len(r.text)) && strings.IndexByte(" \t\r\n,", r.text[off]) >= 0 {
		off++
	}
	return off
}

// syntax fails the file with the decoder error err, at the line of the
// syntax error when it names one, else where the decoder stopped.
func (r *jsonReader) syntax(err error) {
	line := r.lineAt(r.dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line = r.lineAt(se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of file")
	}
	r.p.fileErr(r.file, line, "", "bad JSON: "+err.Error())
}

// openRecords reads up to the opening [ of the records: the top-level
// array, or the "records" member of a top-level object. It reports false
// when the file failed; the error is recorded.
func (r *jsonReader) openRecords() bool {
	tok, err := r.dec.Token()
	if err != nil {
		r.syntax(err)
		return false
	}
	switch tok {
	case json.Delim('['):
		return true
	case json.Delim('{'):
		return r.recordsMember()
	}
	r.p.fileErr(r.file, 1, "", wantRecords)
	return false
}

// wantRecords is the error of a file that holds no records at all.
const wantRecords = `want an array of records or an object with "records"`

// recordsMember reads the members of the top-level object up to the
// opening [ of "records", skipping the members before it.
func (r *jsonReader) recordsMember() bool {
	for r.dec.More() {
		k, err := r.dec.Token()
		if err != nil {
			r.syntax(err)
			return false
		}
		if k != "records" {
			var skip json.RawMessage
			if err := r.dec.Decode(&skip); err != nil {
				r.syntax(err)
				return false
			}
			continue
		}
		t, err := r.dec.Token()
		if err != nil {
			r.syntax(err)
			return false
		}
		if t != json.Delim('[') {
			r.p.fileErr(r.file, r.lineAt(r.dec.InputOffset()), "", `"records" is not an array`)
			return false
		}
		return true
	}
	r.p.fileErr(r.file, 1, "", wantRecords)
	return false
}

// jsonRecord converts record n, which starts at line, to cells by column
// index, its keys in sorted order. Keys that name no column are added to
// unknown. The errors reject the record: it is not an object, names a
// column twice, or holds a value that is not a cell.
func jsonRecord(s *schema, file string, line, n int, raw json.RawMessage, unknown map[string]bool) (map[int]cell, []pipelines.RowError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, []pipelines.RowError{rowErr(file, line, fmt.Sprintf("record %d is not an object", n))}
	}
	keys := slices.Sorted(maps.Keys(obj))
	cells := make(map[int]cell, len(obj))
	seen := map[int]string{}
	var bad []pipelines.RowError
	for _, k := range keys {
		j, ok := s.lookup(k)
		if !ok {
			unknown[k] = true
			continue
		}
		col := s.colName(j)
		if prev, dup := seen[j]; dup {
			bad = append(bad, pipelines.RowError{File: file, Line: line, Column: col,
				Msg: fmt.Sprintf("record %d names the column twice (%q and %q)", n, prev, k)})
			continue
		}
		seen[j] = k
		c, msg := jsonCell(obj[k])
		if msg != "" {
			bad = append(bad, pipelines.RowError{File: file, Line: line, Column: col, Value: clip(string(obj[k])),
				Msg: fmt.Sprintf("record %d: %s", n, msg)})
			continue
		}
		cells[j] = c
	}
	return cells, bad
}

// jsonCell turns a JSON value into a cell: strings as they are, numbers
// as written, booleans as 1 and 0, null as NULL.
func jsonCell(v json.RawMessage) (cell, string) {
	var x any
	d := json.NewDecoder(strings.NewReader(string(v)))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return cell{}, err.Error()
	}
	switch x := x.(type) {
	case nil:
		return cell{null: true}, ""
	case string:
		return cell{v: x}, ""
	case json.Number:
		return cell{v: x.String()}, ""
	case bool:
		if x {
			return cell{v: "1"}, ""
		}
		return cell{v: "0"}, ""
	}
	return cell{}, "not a string, number, boolean or null"
}
