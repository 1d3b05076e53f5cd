package repair

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Formats are the formats a plan is written in.
var Formats = []string{"sql", "csv", "json"}

// insertChunk is how many rows one INSERT statement carries.
const insertChunk = 200

// File is one written file of a plan.
type File struct {
	Path    string
	Windows []*Window
}

// Write writes the plan ws into dir in format (sql, csv or json): one
// file per target × resource × day, named target.resource.YYYY-MM-DD.ext,
// windows in order. It returns the files written.
func Write(dir, format string, ws []*Window, generated time.Time) ([]File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("repair: %w", err)
	}
	var files []File
	idx := map[string]int{}
	for _, w := range ws {
		name := fmt.Sprintf("%s.%s.%s.%s", safeName(w.Target), safeName(w.Resource), w.Day.Format("2006-01-02"), format)
		i, ok := idx[name]
		if !ok {
			i = len(files)
			idx[name] = i
			files = append(files, File{Path: filepath.Join(dir, name)})
		}
		files[i].Windows = append(files[i].Windows, w)
	}
	for _, f := range files {
		if err := writeFile(f, format, generated); err != nil {
			return nil, fmt.Errorf("repair: %s: %w", f.Path, err)
		}
	}
	return files, nil
}

func writeFile(f File, format string, generated time.Time) error {
	out, err := os.Create(f.Path)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(out)
	switch format {
	case "sql":
		err = WriteSQL(b, f.Windows, generated)
	case "csv":
		err = WriteCSV(b, f.Windows)
	case "json":
		err = WriteJSON(b, f.Windows)
	default:
		err = fmt.Errorf("format %q is not sql, csv or json", format)
	}
	if err == nil {
		err = b.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// safeName keeps a name usable as part of a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
}

func ptr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

func ts(t time.Time) string { return t.In(pipelines.Shanghai).Format(time.RFC3339) }

// WriteSQL writes the SQL of windows ws (of one target's front-end
// database) to out. Tables are named without a database, so the text runs
// as it is inside the front-end database. It runs in one transaction; a
// window the plan does not cover has its statements commented out, with
// the reason.
func WriteSQL(out io.Writer, ws []*Window, generated time.Time) error {
	if len(ws) == 0 {
		return nil
	}
	p := func(format string, a ...any) { fmt.Fprintf(out, format, a...) }
	first := ws[0]
	p("-- pushaudit repair plan: %s / %s\n", first.Target, first.Resource)
	p("-- Generated %s from the warehouse snapshot; pushaudit never executes it.\n", ts(generated))
	if first.Database != "" {
		p("-- Run inside the target's front-end database:\n--   mysql --default-character-set=utf8mb4 -D %s < FILE\n", first.Database)
	}
	p("SET NAMES utf8mb4;\nSTART TRANSACTION;\n")
	for _, w := range ws {
		p("\n-- window [%s, %s) %s, findings %s, run %s\n", ts(w.Window.Start), ts(w.Window.End), w.Status,
			strings.Join(w.FindingIDs, ", "), w.RunID)
		p("-- %d rows to push, %d rows to delete; verdict after this plan: %s\n", len(w.Push), w.Deleted(), orNone(string(w.Predicted)))
		for _, n := range w.Notes {
			p("-- note: %s\n", oneLine(n))
		}
		for _, e := range w.PushLog {
			if e.BatchID == "" {
				p("-- push log: %s\n", oneLine(e.Problem))
			} else {
				p("-- push log: batch %s (%s, %d rows sent): %s\n", oneLine(e.BatchID), oneLine(e.Status), e.RowsSent, oneLine(e.Problem))
			}
		}
		prefix := ""
		if !w.Covered {
			p("-- NOT APPLIED: %s\n", oneLine(w.Reason))
			prefix = "-- "
		}
		if w.Table == "" || w.Mode == pipelines.ModeReceipt {
			continue
		}
		for _, st := range statements(w) {
			p("%s%s\n", prefix, st)
		}
	}
	p("\nCOMMIT;\n")
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a comment on its line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// statements are the SQL statements of w, one per line: deletes first,
// then inserts.
func statements(w *Window) []string {
	var out []string
	table := QuoteIdent(w.Table)
	for _, d := range w.Deletes {
		if len(d.RowIDs) > 0 {
			ids := make([]string, len(d.RowIDs))
			for i, id := range d.RowIDs {
				ids[i] = strconv.FormatInt(id, 10)
			}
			out = append(out, fmt.Sprintf("DELETE FROM %s WHERE %s IN (%s); -- %s %s", table, QuoteIdent(reconcile.RowIDColumn),
				strings.Join(ids, ", "), d.Kind, oneLine(d.Key)))
			continue
		}
		var conds []string
		for i, k := range w.KeyColumns {
			typ := typeOf(w, k)
			v := ptr(d.KeyValues[i])
			switch {
			case v == nil:
				conds = append(conds, QuoteIdent(k)+" IS NULL")
			case textual(typ):
				conds = append(conds, "BINARY "+QuoteIdent(k)+" = "+Literal(v, typ))
			default:
				conds = append(conds, QuoteIdent(k)+" = "+Literal(v, typ))
			}
		}
		var batches []string
		for _, r := range d.Rows {
			batches = append(batches, QuoteString(r.BatchID))
		}
		conds = append(conds, QuoteIdent(pipelines.EvidenceBatchID)+" IN ("+strings.Join(dedupe(batches), ", ")+")")
		st := fmt.Sprintf("DELETE FROM %s WHERE %s", table, strings.Join(conds, " AND "))
		if d.Limit > 0 {
			st += fmt.Sprintf(" LIMIT %d", d.Limit)
		}
		out = append(out, st+"; -- "+d.Kind+" "+oneLine(d.Key))
	}
	if len(w.Push) == 0 {
		return out
	}
	cols := make([]string, 0, len(w.Columns)+2)
	for _, c := range w.Columns {
		cols = append(cols, QuoteIdent(c))
	}
	cols = append(cols, QuoteIdent(pipelines.EvidenceBatchID), QuoteIdent(pipelines.EvidenceArrivedAt))
	batch := "NULL"
	if w.Batch != "" {
		batch = QuoteString(w.Batch)
	}
	for lo := 0; lo < len(w.Push); lo += insertChunk {
		hi := min(lo+insertChunk, len(w.Push))
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		for i, r := range w.Push[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j, v := range r.Values {
				b.WriteString(Literal(ptr(v), w.ColumnTypes[j]))
				b.WriteString(", ")
			}
			b.WriteString(batch + ", NOW())")
		}
		b.WriteString(";")
		out = append(out, b.String())
	}
	return out
}

func typeOf(w *Window, col string) string {
	for i, c := range w.Columns {
		if c == col {
			return w.ColumnTypes[i]
		}
	}
	return ""
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// WriteCSV writes the rows of windows ws for an exchange's re-push tool:
// a header, then one line per row to push ("push") or to delete
// ("delete"): the window, the batch, the front-end row id, the key, then
// the resource's columns in the target's layout. An empty field is NULL;
// the empty string is written "".
func WriteCSV(out io.Writer, ws []*Window) error {
	if len(ws) == 0 {
		return nil
	}
	line := func(fields []*string) {
		for i, f := range fields {
			if i > 0 {
				io.WriteString(out, ",")
			}
			io.WriteString(out, csvField(f))
		}
		io.WriteString(out, "\r\n")
	}
	str := func(s string) *string { return &s }
	head := []*string{str("action"), str("target"), str("resource"), str("window_start"), str("window_end"), str("batch_id"), str("row_id"), str("key")}
	for _, c := range ws[0].Columns {
		head = append(head, str(c))
	}
	line(head)
	for _, w := range ws {
		base := func(action, batch string, rowID sql.NullInt64, key string) []*string {
			var b, id *string
			if batch != "" {
				b = str(batch)
			}
			if rowID.Valid {
				id = str(strconv.FormatInt(rowID.Int64, 10))
			}
			return []*string{str(action), str(w.Target), str(w.Resource), str(ts(w.Window.Start)), str(ts(w.Window.End)), b, id, str(key)}
		}
		for _, d := range w.Deletes {
			for _, r := range d.Rows {
				f := base("delete", r.BatchID, r.RowID, r.Key)
				for _, v := range r.Values {
					f = append(f, ptr(v))
				}
				line(f)
			}
		}
		for _, r := range w.Push {
			f := base("push", w.Batch, sql.NullInt64{}, r.Key)
			for _, v := range r.Values {
				f = append(f, ptr(v))
			}
			line(f)
		}
	}
	return nil
}

// csvField quotes a field when it must be (RFC 4180), and always when it
// is the empty string, so that an empty field means NULL.
func csvField(v *string) string {
	if v == nil {
		return ""
	}
	s := *v
	if s == "" || strings.ContainsAny(s, ",\"\r\n") || s[0] == ' ' || s[len(s)-1] == ' ' {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// jsonWindow is the JSON form of one window's plan.
type jsonWindow struct {
	Target      string       `json:"target"`
	Resource    string       `json:"resource"`
	WindowStart string       `json:"window_start"`
	WindowEnd   string       `json:"window_end"`
	Findings    []string     `json:"findings"`
	Status      string       `json:"status"`
	RunID       string       `json:"run_id,omitempty"`
	Database    string       `json:"database,omitempty"`
	Table       string       `json:"table,omitempty"`
	Columns     []string     `json:"columns,omitempty"`
	Batch       string       `json:"batch_id,omitempty"`
	Push        []jsonRow    `json:"push"`
	Delete      []jsonDelete `json:"delete"`
	PushLog     []jsonLog    `json:"push_log"`
	Notes       []string     `json:"notes,omitempty"`
	Predicted   string       `json:"status_after"`
	Covered     bool         `json:"covered"`
	Reason      string       `json:"reason,omitempty"`
}

type jsonRow struct {
	Key    string    `json:"key"`
	Values []*string `json:"values"`
}

type jsonDelete struct {
	Key    string    `json:"key"`
	Kind   string    `json:"kind"`
	RowIDs []int64   `json:"row_ids,omitempty"`
	Rows   []jsonRow `json:"rows"`
}

type jsonLog struct {
	BatchID  string `json:"batch_id,omitempty"`
	Status   string `json:"status,omitempty"`
	RowsSent int64  `json:"rows_sent"`
	Received int64  `json:"received"`
	Problem  string `json:"problem"`
}

// WriteJSON writes windows ws as one JSON object per line.
func WriteJSON(out io.Writer, ws []*Window) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	vals := func(vs []sql.NullString) []*string {
		out := make([]*string, len(vs))
		for i, v := range vs {
			out[i] = ptr(v)
		}
		return out
	}
	for _, w := range ws {
		j := jsonWindow{Target: w.Target, Resource: w.Resource, WindowStart: ts(w.Window.Start), WindowEnd: ts(w.Window.End),
			Findings: w.FindingIDs, Status: string(w.Status), RunID: w.RunID, Database: w.Database, Table: w.Table,
			Columns: w.Columns, Batch: w.Batch, Notes: w.Notes, Predicted: string(w.Predicted), Covered: w.Covered, Reason: w.Reason,
			Push: []jsonRow{}, Delete: []jsonDelete{}, PushLog: []jsonLog{}}
		for _, r := range w.Push {
			j.Push = append(j.Push, jsonRow{Key: r.Key, Values: vals(r.Values)})
		}
		for _, d := range w.Deletes {
			jd := jsonDelete{Key: d.Key, Kind: d.Kind, RowIDs: d.RowIDs}
			for _, r := range d.Rows {
				jd.Rows = append(jd.Rows, jsonRow{Key: r.Key, Values: vals(r.Values)})
			}
			j.Delete = append(j.Delete, jd)
		}
		for _, e := range w.PushLog {
			j.PushLog = append(j.PushLog, jsonLog(e))
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return nil
}
