package evidence

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// arrivedCol is the position of a file's own arrival time column, which
// the resource does not define: arrived_at or 到达时间.
const arrivedCol = -1

// record is one accepted row: the canonical values of the resource's
// columns (nil is NULL) and, when the file carries one, its arrival time.
type record struct {
	vals    []*string
	arrived *string
}

// parsed is what one receipt file yields. Accepted records go to emit as
// they are read, or, when emit is nil, into recs.
type parsed struct {
	emit     func(record) error
	recs     []record
	rows     int64 // records accepted
	err      error // emit failed: the parse stopped
	errs     []pipelines.RowError
	warnings []string
	rejected int64
	failed   bool // the file could not be read as a whole
}

// fileErr records a problem that fails the whole file.
func (p *parsed) fileErr(file string, line int, column, msg string) {
	p.failed = true
	p.errs = append(p.errs, pipelines.RowError{File: file, Line: line, Column: column, Msg: msg})
}

// schema resolves the columns of a receipt (English names, any case, or
// the Chinese names of the resource's columns) to resource columns.
type schema struct {
	cols   []column
	byName map[string]int
}

func newSchema(res *pipelines.Resource) *schema {
	s := &schema{cols: columnsOf(res), byName: map[string]int{}}
	zh := map[string]int{}
	for _, c := range s.cols {
		if c.ZH != "" {
			zh[c.ZH]++
		}
	}
	for i, c := range s.cols {
		s.byName[strings.ToLower(c.Name)] = i
		if c.ZH != "" && zh[c.ZH] == 1 {
			if _, taken := s.byName[c.ZH]; !taken {
				s.byName[c.ZH] = i
			}
		}
	}
	for _, n := range []string{pipelines.EvidenceArrivedAt, "到达时间"} {
		if _, taken := s.byName[n]; !taken {
			s.byName[n] = arrivedCol
		}
	}
	return s
}

// lookup returns the column position of a header name, or false.
func (s *schema) lookup(name string) (int, bool) {
	name = strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF"))
	if i, ok := s.byName[name]; ok {
		return i, true
	}
	i, ok := s.byName[strings.ToLower(name)]
	return i, ok
}

// colName is the name of column position j (arrivedCol: the arrival
// time).
func (s *schema) colName(j int) string {
	if j >= 0 {
		return s.cols[j].Name
	}
	return pipelines.EvidenceArrivedAt
}

// binding maps the cells of a header row to columns.
type binding struct {
	pos     []int // per cell: column position, arrivedCol, or -2 (ignored)
	present []bool
}

const ignored = -2

// headerErr is a header that fails its file: the column and why.
type headerErr struct{ column, msg string }

// bind resolves a header row. It returns the unknown names, or the
// problem that fails the file (a column named twice, a key column
// missing).
func (s *schema) bind(header []string) (*binding, []string, *headerErr) {
	b := &binding{pos: make([]int, len(header)), present: make([]bool, len(s.cols))}
	seen := map[int]string{}
	var unknown []string
	for i, h := range header {
		j, ok := s.lookup(h)
		if !ok {
			b.pos[i] = ignored
			if strings.TrimSpace(h) != "" {
				unknown = append(unknown, strings.TrimSpace(h))
			} else {
				unknown = append(unknown, fmt.Sprintf("(empty header in column %d)", i+1))
			}
			continue
		}
		if prev, dup := seen[j]; dup {
			name := s.colName(j)
			return nil, nil, &headerErr{name, fmt.Sprintf("column %s appears twice in the header (as %q and %q)", name, prev, strings.TrimSpace(h))}
		}
		seen[j] = strings.TrimSpace(h)
		b.pos[i] = j
		if j >= 0 {
			b.present[j] = true
		}
	}
	for j, c := range s.cols {
		if c.Key && !b.present[j] {
			return nil, nil, &headerErr{c.Name, fmt.Sprintf("key column %s (%s) missing from the header", c.Name, c.ZH)}
		}
	}
	return b, unknown, nil
}

// cell is one value of a row; null is a NULL (an empty CSV field, an
// empty XLSX cell, a JSON null or a missing JSON key).
type cell struct {
	v    string
	null bool
}

// row converts the cells of one row (by column position, arrivedCol for
// the arrival time) into a record, or returns the errors that reject it.
func (s *schema) row(file string, line int, cells map[int]cell, serial bool) (record, []pipelines.RowError) {
	rec := record{vals: make([]*string, len(s.cols))}
	var errs []pipelines.RowError
	for j := range s.cols {
		c := &s.cols[j]
		v, ok := cells[j]
		if !ok || v.null || v.v == `\N` || ((c.Kind != kindText || c.Key) && strings.TrimSpace(v.v) == "") {
			if c.Key {
				errs = append(errs, pipelines.RowError{File: file, Line: line, Column: c.Name, Msg: "key column is empty"})
			}
			continue
		}
		out, msg := convert(c, v.v, serial)
		if msg != "" {
			errs = append(errs, pipelines.RowError{File: file, Line: line, Column: c.Name, Value: clip(v.v), Msg: msg})
			continue
		}
		rec.vals[j] = &out
	}
	if v, ok := cells[arrivedCol]; ok && !v.null && strings.TrimSpace(v.v) != "" {
		t, good := parseTime(strings.TrimSpace(v.v), timeLayouts, dateLayouts, serial)
		if !good {
			errs = append(errs, pipelines.RowError{File: file, Line: line, Column: pipelines.EvidenceArrivedAt, Value: clip(v.v), Msg: "not a date and time (want YYYY-MM-DD HH:MM:SS)"})
		} else {
			a := t.Format("2006-01-02 15:04:05.999999")
			rec.arrived = &a
		}
	}
	return rec, errs
}

// add converts and keeps one row, or records why it is rejected.
func (p *parsed) add(s *schema, file string, line int, cells map[int]cell, serial bool) {
	rec, errs := s.row(file, line, cells, serial)
	if len(errs) > 0 {
		p.errs = append(p.errs, errs...)
		p.rejected++
		return
	}
	p.rows++
	if p.emit == nil {
		p.recs = append(p.recs, rec)
		return
	}
	p.err = p.emit(rec)
}

// warnUnknown records the ignored columns of a file.
func (p *parsed) warnUnknown(file string, unknown []string) {
	if len(unknown) == 0 {
		return
	}
	sort.Strings(unknown)
	p.warnings = append(p.warnings, fmt.Sprintf("%s: unknown columns ignored: %s", file, strings.Join(unknown, ", ")))
}

func rowErr(file string, line int, msg string) pipelines.RowError {
	return pipelines.RowError{File: file, Line: line, Msg: msg}
}
