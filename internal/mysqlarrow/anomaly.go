package mysqlarrow

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Anomaly kinds: values that load, but not as they were.
const (
	AnomalyZeroDate    = "zero_date"    // 0000-00-00: loaded as NULL
	AnomalyPartialDate = "partial_date" // month or day 0, e.g. 2021-00-10: NULL
	AnomalyInvalidDate = "invalid_date" // e.g. 2021-02-30 (ALLOW_INVALID_DATES): NULL
	AnomalyInvalidUTF8 = "invalid_utf8" // invalid bytes replaced with U+FFFD
)

// errBadValue marks a value that cannot be loaded at all; the table fails.
var errBadValue = errors.New("unreadable value")

// Anomaly counts values of one column that could not be carried as they
// were.
type Anomaly struct {
	Column  string
	Kind    string // AnomalyZeroDate, …
	Count   int64
	Example string // the first one: key (or row number) and value
}

// Anomalies counts the anomalies of a table per column and kind.
type Anomalies struct {
	t      *Table
	counts map[anomalyKey]*Anomaly
}

type anomalyKey struct {
	col  int
	kind string
}

// NewAnomalies returns an empty count for t.
func NewAnomalies(t *Table) *Anomalies {
	return &Anomalies{t: t, counts: map[anomalyKey]*Anomaly{}}
}

// add counts an anomaly of kind in column col of a row (vals, the rowNum-th
// of the read).
func (a *Anomalies) add(col int, kind string, vals []driver.Value, rowNum int64) {
	k := anomalyKey{col, kind}
	an := a.counts[k]
	if an == nil {
		an = &Anomaly{Column: a.t.Columns[col].Name, Kind: kind,
			Example: rowName(a.t, vals, rowNum) + ": " + valueText(vals[col])}
		a.counts[k] = an
	}
	an.Count++
}

// List returns the anomalies counted, by column and kind.
func (a *Anomalies) List() []Anomaly {
	keys := make([]anomalyKey, 0, len(a.counts))
	for k := range a.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].col != keys[j].col {
			return keys[i].col < keys[j].col
		}
		return keys[i].kind < keys[j].kind
	})
	out := make([]Anomaly, len(keys))
	for i, k := range keys {
		out[i] = *a.counts[k]
	}
	return out
}

// rowName names a row by its primary key ("id=7", "a=1,b=x"), or by its
// position in the read when the table has none ("row 12").
func rowName(t *Table, vals []driver.Value, rowNum int64) string {
	var parts []string
	for i := range t.Columns {
		if t.Columns[i].Key && i < len(vals) {
			parts = append(parts, t.Columns[i].Name+"="+valueText(vals[i]))
		}
	}
	if len(parts) == 0 {
		return "row " + strconv.FormatInt(rowNum, 10)
	}
	return strings.Join(parts, ",")
}

// valueText shows a driver value in a message: text quoted, invalid
// UTF-8 replaced, long values cut.
func valueText(v driver.Value) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		const maxRunes = 64
		s := strings.ToValidUTF8(string(x), "\uFFFD")
		if utf8.RuneCountInString(s) > maxRunes {
			s = string([]rune(s)[:maxRunes]) + "…"
		}
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}
