package evidence

import (
	"context"
	"fmt"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// FrontendTables checks the evidence of a pushed resource in the target's
// front-end database (前置机), which the snapshot copied into the
// warehouse as <target database>.<table>. Load copies nothing: it verifies
// that the table is there with the resource's columns (of compatible
// types) and its window_column when the site catalog names one, and
// counts its rows. batch_id and arrived_at are checked when the table has
// them: a target that owns its tables may keep only the data (the
// reconciler then assigns rows by window_column, or by key). A missing
// table wraps pipelines.ErrNoEvidence.
type FrontendTables struct{}

var _ pipelines.Evidence = (*FrontendTables)(nil)

// Name implements pipelines.Evidence.
func (*FrontendTables) Name() string { return "frontend_tables" }

// Load implements pipelines.Evidence.
func (e *FrontendTables) Load(ctx context.Context, wh pipelines.EvidenceWarehouse, res *pipelines.Resource, target *pipelines.Target) (pipelines.EvidenceReport, error) {
	table := pipelines.EvidenceTable(res, target)
	rep := pipelines.EvidenceReport{Adapter: e.Name(), Table: table}
	if res.Mode == pipelines.ModeReceipt {
		return rep, fmt.Errorf("evidence %s: %s is a receipt resource: it has no front-end table", e.Name(), res.ID())
	}
	want := map[string]string{}
	order := []string{}
	for _, c := range res.Columns {
		want[c.Name], _ = pipelines.DuckTypeOf(c.Type) // the snapshot wrote the table
		order = append(order, c.Name)
	}
	have, err := tableColumns(ctx, wh, table)
	if err != nil {
		return rep, fmt.Errorf("evidence %s %s: %w", e.Name(), res.ID(), err)
	}
	for _, c := range []struct{ name, typ string }{{pipelines.EvidenceBatchID, "VARCHAR"}, {pipelines.EvidenceArrivedAt, "TIMESTAMP"}} {
		if _, ok := have[c.name]; ok {
			want[c.name] = c.typ
			order = append(order, c.name)
		}
	}
	if wc := res.WindowColumn; wc != "" {
		if _, ok := want[wc]; !ok {
			want[wc] = "TIMESTAMP"
			order = append(order, wc)
		}
	}
	if err := checkShape(ctx, wh, table, want, order); err != nil {
		return rep, fmt.Errorf("evidence %s %s: %w", e.Name(), res.ID(), err)
	}
	if err := wh.QueryRowContext(ctx, "SELECT count(*) FROM "+warehouse.QuoteTable(table)).Scan(&rep.Rows); err != nil {
		return rep, fmt.Errorf("evidence %s %s: count %s: %w", e.Name(), res.ID(), table, err)
	}
	return rep, nil
}

// PushLog checks the exchange's push log (what we claim was sent), which
// the snapshot copied into the warehouse as Table (default
// exchange.push_log). Load verifies its columns and counts the batches
// logged for the target and resource. It is the claimed side, not the
// received side: its rows are batches, not the resource's records.
type PushLog struct {
	Table string
	// Spec, when set, is the site's push log (its table, columns and time
	// format); Table is then not used.
	Spec *pipelines.PushLogSpec
}

var _ pipelines.Evidence = (*PushLog)(nil)

// Name implements pipelines.Evidence.
func (*PushLog) Name() string { return "push_log" }

// pushLogColumns are the push log columns reconcile reads.
var pushLogColumns = []struct{ name, typ string }{
	{"target", "VARCHAR"}, {"resource", "VARCHAR"},
	{"window_start", "TIMESTAMP"}, {"window_end", "TIMESTAMP"},
	{"batch_id", "VARCHAR"}, {"rows_sent", "BIGINT"}, {"status", "VARCHAR"}, {"error", "VARCHAR"},
	{"started_at", "TIMESTAMP"}, {"finished_at", "TIMESTAMP"},
}

// Load implements pipelines.Evidence.
func (e *PushLog) Load(ctx context.Context, wh pipelines.EvidenceWarehouse, res *pipelines.Resource, target *pipelines.Target) (pipelines.EvidenceReport, error) {
	spec := pipelines.PlainPushLog(e.Table)
	if e.Spec != nil {
		spec = *e.Spec
	}
	if spec.Table() == "" {
		spec = pipelines.DefaultPushLogSpec()
	}
	table := spec.Table()
	rep := pipelines.EvidenceReport{Adapter: e.Name(), Table: table}
	want := map[string]string{}
	var order []string
	for _, c := range pushLogColumns {
		site := spec.Column(c.name)
		if site == "" {
			continue // absent from the site's log
		}
		typ := c.typ
		switch {
		case typ == "TIMESTAMP":
			typ = spec.TimeColumnType()
		case c.name == "status" && (len(spec.StatusOK) > 0 || len(spec.StatusFailed) > 0):
			typ = "" // a code of any type, compared as text
		case typ == "VARCHAR" && !spec.Plain():
			typ = "" // read as text whatever its type
		}
		want[site] = typ
		order = append(order, site)
	}
	if err := checkShape(ctx, wh, table, want, order); err != nil {
		return rep, fmt.Errorf("evidence %s %s: %w", e.Name(), res.ID(), err)
	}
	if err := wh.QueryRowContext(ctx, "SELECT count(*) FROM "+spec.Relation()+" WHERE target = ? AND resource = ?",
		target.Key, res.Key).Scan(&rep.Rows); err != nil {
		return rep, fmt.Errorf("evidence %s %s: count %s: %w", e.Name(), res.ID(), table, err)
	}
	return rep, nil
}

// checkShape verifies that table has the columns of want with compatible
// types; the error names the first column that is missing or of another
// kind.
func checkShape(ctx context.Context, db reader, table string, want map[string]string, order []string) error {
	have, err := tableColumns(ctx, db, table)
	if err != nil {
		return err
	}
	var bad []string
	for _, name := range order {
		got, ok := have[name]
		if !ok {
			bad = append(bad, fmt.Sprintf("column %s missing", name))
			continue
		}
		if want[name] != "" && !compatible(want[name], got) {
			bad = append(bad, fmt.Sprintf("column %s is %s, want %s", name, got, want[name]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s: %w: %s", table, pipelines.ErrNoEvidence, strings.Join(bad, "; "))
	}
	return nil
}

// compatible reports whether a warehouse column of DuckDB type got can
// carry values of type want (pipelines.DuckTypeOf's or DuckType's): the
// snapshot keeps the integer widths and decimal precisions of the real
// MySQL column, which may differ from the catalog's.
func compatible(want, got string) bool {
	switch wide := pipelines.WideDuckType(want); {
	case wide == "BIGINT" || wide == "UBIGINT":
		switch got {
		case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
			"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
			return true
		}
		return false
	case strings.HasPrefix(want, "DECIMAL"):
		return strings.HasPrefix(got, "DECIMAL")
	case want == "TIMESTAMP":
		return strings.HasPrefix(got, "TIMESTAMP") && !strings.Contains(got, "TIME ZONE")
	}
	return want == got
}
