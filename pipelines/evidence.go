package pipelines

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Evidence loads what a target holds for a resource into the warehouse:
// the received side of a reconciliation. Adapters live in
// internal/evidence (receipt files, front-end tables, the push log).
type Evidence interface {
	// Name is a short name of the adapter for logs and reports.
	Name() string
	// Load makes the warehouse table EvidenceTable(res, target) hold what
	// the target holds for res: the resource's columns (types from
	// DuckType) plus batch_id VARCHAR and arrived_at TIMESTAMP (Shanghai
	// wall clock), replacing atomically what a previous load put there.
	//
	// A rejected row or file is reported in EvidenceReport.Errors and the
	// rest still loads; Load returns an error only when it could not load
	// at all (the warehouse failed, the evidence table is missing or has
	// the wrong shape, ctx was cancelled). The report is valid, as far as
	// it got, even with an error.
	Load(ctx context.Context, wh EvidenceWarehouse, res *Resource, target *Target) (EvidenceReport, error)
}

// EvidenceWarehouse is what an evidence adapter needs of the warehouse:
// reads (the shape and row count of an evidence table) and one connection
// of its own to replace an evidence table in bulk (a DuckDB Appender and
// the transaction that swaps the table in run on the same connection).
// The warehouse's *sql.DB is one; it is not handed over whole.
type EvidenceWarehouse interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Conn(ctx context.Context) (*sql.Conn, error)
}

// ErrNoEvidence is wrapped by Load when the evidence it should check is not
// usable in the warehouse: a front-end table or the push log was never
// snapshotted, or lacks columns the resource needs.
var ErrNoEvidence = errors.New("no evidence")

// EvidenceReport tells what one Load did.
type EvidenceReport struct {
	Adapter string
	Table   string // warehouse table, e.g. "fe_city_gov.component_gis_layer"
	Rows    int64  // rows the table holds after the load (PushLog: batches logged for the resource)
	// Files are the receipt files read, in name order; empty for adapters
	// that read no files. Each file is one batch.
	Files []EvidenceFile
	// Errors lists every rejected row and every file that could not be
	// read (or read only in part): nothing is dropped silently.
	Errors []RowError
	// Warnings are notes that reject nothing, e.g. unknown columns that
	// were ignored.
	Warnings []string
}

// EvidenceFile is one receipt file read by a Load: a batch.
type EvidenceFile struct {
	Name      string    // the file name, also the batch_id of its rows
	ArrivedAt time.Time // modification time, Asia/Shanghai
	Rows      int64     // rows loaded from it
	Rejected  int64     // rows rejected (each in EvidenceReport.Errors)
	// Failed is set when the file could not be read as a whole (encoding,
	// syntax, a missing key column): what it holds is not known, and the
	// reconciliation should not trust it.
	Failed bool
}

// Failed reports whether any file failed as a whole.
func (r *EvidenceReport) Failed() bool {
	for _, f := range r.Files {
		if f.Failed {
			return true
		}
	}
	return false
}

// RowError is one rejected row (one error per bad value), or a problem of
// a whole file (its EvidenceFile is Failed).
type RowError struct {
	File   string // file name (base name)
	Line   int    // 1-based line, sheet row or JSON record line (the header is line 1); 0: none
	Column string // resource column (English name); empty when not one column
	Value  string // the offending value, clipped
	Msg    string
}

func (e RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %s", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ": value %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Bookkeeping columns of every evidence table in the warehouse.
const (
	EvidenceBatchID   = feBatchID
	EvidenceArrivedAt = feArrivedAt
)

// EvidenceTable is the warehouse table that holds what target holds for
// res: <database>.<table>, or <database>.<key> for a receipt resource
// (whose Table is a file pattern).
func EvidenceTable(res *Resource, target *Target) string {
	if res.Mode == ModeReceipt {
		return target.Database + "." + res.Key
	}
	return target.Database + "." + res.Table
}

// DuckType is the DuckDB type of an evidence column of a catalog column
// type (MySQL): DuckTypeOf's, with every integer type widened to BIGINT
// and the types evidence files cannot carry (FLOAT, DOUBLE, TIME, binary)
// kept as VARCHAR text. So integer types (YEAR and BIT too) → BIGINT,
// DECIMAL(p,s) → DECIMAL(p,s) (p ≤ 38; DECIMAL alone is DECIMAL(10,0)),
// DATETIME and TIMESTAMP → TIMESTAMP, DATE → DATE, anything else →
// VARCHAR.
func DuckType(mysqlType string) string {
	duck, _ := DuckTypeOf(mysqlType)
	switch wide := WideDuckType(duck); {
	case wide == "BIGINT", wide == "UBIGINT":
		return "BIGINT"
	case strings.HasPrefix(duck, "DECIMAL("), duck == "TIMESTAMP", duck == "DATE":
		return duck
	}
	return "VARCHAR"
}
