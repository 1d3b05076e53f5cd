package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
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
	// lineAt counts lines from the last offset asked for: offsets only
	// grow, so a long file is not counted over and over.
	var lastOff int64
	lastLine := 1
	lineAt := func(off int64) int {
		off = min(max(off, 0), int64(len(text)))
		if off < lastOff {
			lastOff, lastLine = 0, 1
		}
		lastLine += strings.Count(text[lastOff:off], "\n")
		lastOff = off
		return lastLine
	}
	// The start of the next value, past white space and a comma.
	valueStart := func(off int64) int64 {
		for off < int64(len(text)) && strings.IndexByte(" \t\r\n,", text[off]) >= 0 {
			off++
		}
		return off
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	syntax := func(err error) *parsed {
		line := lineAt(dec.InputOffset())
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = lineAt(se.Offset)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of file")
		}
		p.fileErr(file, line, "", "bad JSON: "+err.Error())
		return p
	}
	tok, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		found := false
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return syntax(err)
			}
			if k == "records" {
				t, err := dec.Token()
				if err != nil {
					return syntax(err)
				}
				if t != json.Delim('[') {
					p.fileErr(file, lineAt(dec.InputOffset()), "", `"records" is not an array`)
					return p
				}
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return syntax(err)
			}
		}
		if !found {
			p.fileErr(file, 1, "", `want an array of records or an object with "records"`)
			return p
		}
	default:
		p.fileErr(file, 1, "", `want an array of records or an object with "records"`)
		return p
	}
	unknown := map[string]bool{}
	n := 0
	for dec.More() {
		n++
		line := lineAt(valueStart(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return syntax(err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			p.errs = append(p.errs, rowErr(file, line, fmt.Sprintf("record %d is not an object", n)))
			p.rejected++
			continue
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		cells := make(map[int]cell, len(obj))
		seen := map[int]string{}
		var bad []pipelines.RowError
		for _, k := range keys {
			j, ok := s.lookup(k)
			if !ok {
				unknown[k] = true
				continue
			}
			col := pipelines.EvidenceArrivedAt
			if j >= 0 {
				col = s.cols[j].Name
			}
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
	if _, err := dec.Token(); err != nil { // the closing ]
		return syntax(err)
	}
	if len(unknown) > 0 {
		var names []string
		for k := range unknown {
			names = append(names, k)
		}
		p.warnUnknown(file, names)
	}
	return p
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
