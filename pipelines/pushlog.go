package pipelines

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// PushLogFields are the catalog's fields of a push-log entry, in the order
// the reconciler reads them; a site's push log names each by a column of
// its own (PushLogSpec.Columns).
var PushLogFields = []string{"target", "resource", "window_start", "window_end", "batch_id", "rows_sent", "status", "error", "started_at", "finished_at"}

// pushLogOptional are the fields a site's push log may lack (mapped to
// ""): error and window_end read as NULL, started_at as the finish time,
// rows_sent as 1 (a log of one row per record).
var pushLogOptional = map[string]bool{"window_end": true, "error": true, "started_at": true, "rows_sent": true}

// pushLogTimes are the fields that hold times.
var pushLogTimes = map[string]bool{"window_start": true, "window_end": true, "started_at": true, "finished_at": true}

// The time formats of a push log's time columns.
const (
	TimeDatetime  = "datetime"  // MySQL DATETIME, Asia/Shanghai wall-clock time (the default)
	TimeTimestamp = "timestamp" // MySQL TIMESTAMP, read in Asia/Shanghai as the snapshot does
	TimeEpochMS   = "epoch_ms"  // milliseconds since 1970-01-01 UTC
	TimeEpochS    = "epoch_s"   // seconds since 1970-01-01 UTC
)

// The granularities of a push log.
const (
	RowsPerPush   = "per_push"   // one row per push (batch), rows_sent says how many records
	RowsPerRecord = "per_record" // one row per pushed record; a batch is its batch_id
)

// The empty-push conventions of an exchange (evidence.empty_pushes).
const (
	EmptyPushesLogged    = "logged"     // a window with nothing to push gets a push-log entry of 0 rows
	EmptyPushesNotLogged = "not_logged" // it gets no entry: a quiet window is not a missing push
	EmptyPushesAuto      = "auto"       // decided per resource from its own push history (the default)
)

// PushLogSpec is where the exchange's push log is and how its columns and
// statuses map to the catalog's fields (evidence.push_log). In YAML it is
// either the plain "source.table" string or a mapping:
//
//	push_log:
//	  table: exchange.push_log
//	  columns: {rows_sent: record_count}   # catalog field → the site's column
//	  status_ok: [成功]
//	  status_failed: [失败]
//	  time_format: datetime                # datetime, timestamp, epoch_ms, epoch_s
//	  rows: per_push                       # per_push or per_record
type PushLogSpec struct {
	// TableName is source.table of the push log in the warehouse.
	TableName string `yaml:"table"`
	// Columns maps a catalog field (PushLogFields) to the site's column;
	// a field not named keeps its name. An optional field mapped to ""
	// is absent from the site's log.
	Columns map[string]string `yaml:"columns,omitempty"`
	// StatusOK and StatusFailed are the site's spellings of a successful
	// and a failed push (default: success and failed). A status spelled
	// neither way is not a success.
	StatusOK     []string `yaml:"status_ok,omitempty"`
	StatusFailed []string `yaml:"status_failed,omitempty"`
	// TimeFormat is how the time columns are stored (TimeDatetime…).
	TimeFormat string `yaml:"time_format,omitempty"`
	// Rows is RowsPerPush (default) or RowsPerRecord.
	Rows string `yaml:"rows,omitempty"`
	// ClockOffset is how far the exchange's clock is ahead of the true
	// Asia/Shanghai time; its times are read less this (evidence.
	// clock_offsets of the push log's source).
	ClockOffset time.Duration `yaml:"-"`

	// plain: written as the plain "source.table" string.
	plain bool
}

// DefaultPushLogSpec is the simulator's push log: DefaultPushLog with the
// catalog's own column names and statuses.
func DefaultPushLogSpec() PushLogSpec { return PushLogSpec{TableName: DefaultPushLog, plain: true} }

// PlainPushLog is the spec of the plain "source.table" form.
func PlainPushLog(table string) PushLogSpec { return PushLogSpec{TableName: table, plain: true} }

// UnmarshalYAML accepts the plain "source.table" string and the mapping.
func (s *PushLogSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var t string
		if err := n.Decode(&t); err != nil {
			return err
		}
		*s = PlainPushLog(t)
		return nil
	}
	if n.Kind == yaml.MappingNode {
		// n.Decode does not inherit the file's KnownFields: check the keys.
		known := map[string]bool{"table": true, "columns": true, "status_ok": true, "status_failed": true, "time_format": true, "rows": true}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !known[k.Value] {
				return fmt.Errorf("line %d: field %s not found in evidence.push_log (table, columns, status_ok, status_failed, time_format, rows)", k.Line, k.Value)
			}
		}
	}
	type raw PushLogSpec
	var r raw
	if err := n.Decode(&r); err != nil {
		return err
	}
	*s = PushLogSpec(r)
	return nil
}

// MarshalYAML writes the plain form back as the string.
func (s PushLogSpec) MarshalYAML() (any, error) {
	if s.Plain() {
		return s.TableName, nil
	}
	type raw PushLogSpec
	return raw(s), nil
}

// Table is source.table of the push log (the name every reader of the
// config uses; "" when none is configured).
func (s PushLogSpec) Table() string { return s.TableName }

// Source is the warehouse schema (the snapshot's source) of the push log.
func (s PushLogSpec) Source() string {
	src, _, _ := strings.Cut(s.TableName, ".")
	return src
}

// Plain reports whether the push log has the catalog's own shape: every
// field under its own name, statuses success and failed, DATETIME times,
// one row per push, and the exchange's clock right.
func (s PushLogSpec) Plain() bool {
	return len(s.Columns) == 0 && len(s.StatusOK) == 0 && len(s.StatusFailed) == 0 &&
		(s.TimeFormat == "" || s.TimeFormat == TimeDatetime || s.TimeFormat == TimeTimestamp) &&
		(s.Rows == "" || s.Rows == RowsPerPush) && s.ClockOffset == 0
}

// Column is the site's column of catalog field f ("" when absent).
func (s PushLogSpec) Column(f string) string {
	if c, ok := s.Columns[f]; ok {
		return c
	}
	if f == "rows_sent" && s.Rows == RowsPerRecord {
		return ""
	}
	return f
}

var sqlIdentRE = regexp.MustCompile(`^[A-Za-z_\p{Han}][A-Za-z0-9_\p{Han}]*$`)

// Validate checks the spec; each error names the field under prefix
// (evidence.push_log).
func (s PushLogSpec) Validate(prefix string) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if src, tbl, ok := strings.Cut(s.TableName, "."); !ok || src == "" || tbl == "" {
		if s.plain {
			bad("%s: %q is not source.table", prefix, s.TableName)
		} else {
			bad("%s.table: %q is not source.table", prefix, s.TableName)
		}
	}
	known := map[string]bool{}
	for _, f := range PushLogFields {
		known[f] = true
	}
	keys := make([]string, 0, len(s.Columns))
	for k := range s.Columns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, f := range keys {
		col := s.Columns[f]
		switch {
		case !known[f]:
			bad("%s.columns.%s: not a push-log field (%s)", prefix, f, strings.Join(PushLogFields, ", "))
		case col == "" && !pushLogOptional[f]:
			bad("%s.columns.%s: empty (the push log must have a %s column)", prefix, f, f)
		case col != "" && !sqlIdentRE.MatchString(col):
			bad("%s.columns.%s: %q is not a column name", prefix, f, col)
		}
	}
	if s.Rows != RowsPerRecord && s.Column("rows_sent") == "" {
		bad("%s.columns.rows_sent: empty (a push log of one row per push must say how many rows it sent; rows: per_record counts them)", prefix)
	}
	seen := map[string]string{}
	for _, l := range []struct {
		name string
		vs   []string
	}{{"status_ok", s.StatusOK}, {"status_failed", s.StatusFailed}} {
		for i, v := range l.vs {
			if strings.TrimSpace(v) == "" {
				bad("%s.%s[%d]: empty", prefix, l.name, i)
			}
			if other, dup := seen[v]; dup && other != l.name {
				bad("%s.%s[%d]: %q is also in %s", prefix, l.name, i, v, other)
			}
			seen[v] = l.name
		}
	}
	switch s.TimeFormat {
	case "", TimeDatetime, TimeTimestamp, TimeEpochMS, TimeEpochS:
	default:
		bad("%s.time_format: %q is not datetime, timestamp, epoch_ms or epoch_s", prefix, s.TimeFormat)
	}
	switch s.Rows {
	case "", RowsPerPush, RowsPerRecord:
	default:
		bad("%s.rows: %q is not per_push or per_record", prefix, s.Rows)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "\n"))
}

// quoteID quotes a DuckDB identifier.
func quoteID(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteTable quotes source.table.
func quoteTable(t string) string {
	s, n, ok := strings.Cut(t, ".")
	if !ok {
		s, n = "main", t
	}
	return quoteID(s) + "." + quoteID(n)
}

// quoteString is a DuckDB string literal. The push-log SQL holds the
// config's status spellings as literals: they are names of the site's
// convention, like its column names, not values read from a source.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// timeSQL is the Asia/Shanghai wall-clock TIMESTAMP of column col.
func (s PushLogSpec) timeSQL(col string) string {
	c := "p." + quoteID(col)
	var e string
	switch s.TimeFormat {
	case TimeEpochMS:
		e = "make_timestamp(CAST(" + c + " AS BIGINT) * 1000) + INTERVAL 8 HOUR"
	case TimeEpochS:
		e = "make_timestamp(CAST(" + c + " AS BIGINT) * 1000000) + INTERVAL 8 HOUR"
	default:
		e = "CAST(" + c + " AS TIMESTAMP)"
	}
	if s.ClockOffset != 0 {
		e = fmt.Sprintf("(%s) - to_microseconds(%d)", e, s.ClockOffset.Microseconds())
	}
	return e
}

// statusSQL maps the site's status column to success / failed.
func (s PushLogSpec) statusSQL(col string) string {
	c := "CAST(p." + quoteID(col) + " AS VARCHAR)"
	if len(s.StatusOK) == 0 && len(s.StatusFailed) == 0 {
		return c
	}
	list := func(vs []string) string {
		q := make([]string, len(vs))
		for i, v := range vs {
			q[i] = quoteString(v)
		}
		return strings.Join(q, ", ")
	}
	var b strings.Builder
	b.WriteString("CASE")
	if len(s.StatusOK) > 0 {
		fmt.Fprintf(&b, " WHEN trim(%s) IN (%s) THEN 'success'", c, list(s.StatusOK))
	}
	if len(s.StatusFailed) > 0 {
		fmt.Fprintf(&b, " WHEN trim(%s) IN (%s) THEN 'failed'", c, list(s.StatusFailed))
	}
	// a status spelled neither way is kept, and is not a success: once
	// status_ok names the site's spellings, the catalog's own "success" is
	// not one of them.
	if len(s.StatusOK) > 0 {
		fmt.Fprintf(&b, " WHEN %s = 'success' THEN 'success (not in status_ok)'", c)
	}
	fmt.Fprintf(&b, " ELSE %s END", c)
	return b.String()
}

// Relation is the push log as the reconciler reads it: a DuckDB relation
// (a quoted table, or a parenthesised query with its alias) with the
// columns PushLogFields under their catalog names, statuses success and
// failed, Asia/Shanghai times corrected for the exchange's clock, and one
// row per push.
func (s PushLogSpec) Relation() string {
	if s.Plain() {
		return quoteTable(s.TableName)
	}
	return "(" + s.Query() + ") AS __push_log"
}

// Query is the SELECT of Relation.
func (s PushLogSpec) Query() string {
	sel := make([]string, 0, len(PushLogFields))
	for _, f := range PushLogFields {
		col := s.Column(f)
		var e string
		switch {
		case col == "" && f == "started_at":
			e = s.timeSQL(s.Column("finished_at"))
		case col == "" && f == "rows_sent":
			e = "CAST(1 AS BIGINT)" // one record per row
		case col == "" && pushLogTimes[f]:
			e = "CAST(NULL AS TIMESTAMP)"
		case col == "":
			e = "CAST(NULL AS VARCHAR)"
		case pushLogTimes[f]:
			e = s.timeSQL(col)
		case f == "status":
			e = s.statusSQL(col)
		case f == "rows_sent":
			e = "CAST(p." + quoteID(col) + " AS BIGINT)"
		default:
			e = "CAST(p." + quoteID(col) + " AS VARCHAR)"
		}
		sel = append(sel, e+" AS "+f)
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + quoteTable(s.TableName) + " p"
	if s.Rows != RowsPerRecord {
		return q
	}
	// one row per record: a batch is the records of one batch_id; it
	// claims the records logged as sent.
	return `SELECT target, resource, min(window_start) AS window_start, max(window_end) AS window_end, batch_id,
sum(CASE WHEN status = 'success' THEN rows_sent ELSE 0 END) AS rows_sent,
CASE WHEN bool_or(status = 'success') THEN 'success' ELSE max(status) END AS status,
max(error) AS error, min(started_at) AS started_at, max(finished_at) AS finished_at
FROM (` + q + `) r GROUP BY target, resource, batch_id`
}

// SiteColumns lists the site's columns the push log must have, by
// catalog field, in PushLogFields order (absent optional fields left
// out): what a check of the warehouse table looks for.
func (s PushLogSpec) SiteColumns() [][2]string {
	var out [][2]string
	for _, f := range PushLogFields {
		if c := s.Column(f); c != "" {
			out = append(out, [2]string{f, c})
		}
	}
	return out
}

// TimeColumnType is the DuckDB type family the time columns must have.
func (s PushLogSpec) TimeColumnType() string {
	switch s.TimeFormat {
	case TimeEpochMS, TimeEpochS:
		return "BIGINT"
	}
	return "TIMESTAMP"
}
