package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Trust by table. A snapshot run may load only some tables of a source
// (the tables due resources read), so a source's latest run says nothing
// of its other tables: the trust of a table is that of the latest run
// that loaded it (audit.table_snapshots). A table no run recorded by name
// falls back to its source's latest run (audit.trusted_sources), as
// before runs could be partial.

// trustedTables adds to trusted the tables whose latest snapshot run may
// be trusted ("source.table" → complete to), and returns every table a
// snapshot run recorded, trusted or not.
func trustedTables(ctx context.Context, wh warehouse.Querier, trusted map[string]time.Time) (map[string]bool, error) {
	rows, err := wh.QueryContext(ctx, `SELECT source || '.' || table_name, trusted, complete_to FROM audit.table_snapshots`)
	if err != nil {
		return nil, fmt.Errorf("read snapshot status of tables: %w", err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var name string
		var ok sql.NullBool
		var at sql.NullTime
		if err := rows.Scan(&name, &ok, &at); err != nil {
			return nil, err
		}
		known[name] = true
		if ok.Valid && ok.Bool {
			trusted[name] = warehouse.NullTime(at)
		}
	}
	return known, rows.Err()
}

// trustKeys are the keys of trusted to check for tables ("source.table"):
// the table's own when a snapshot recorded it, else its source's.
func (o *Options) trustKeys(tables []string) []string {
	out := make([]string, 0, len(tables))
	for _, t := range tables {
		if o.snapTables[t] {
			out = append(out, t)
			continue
		}
		src, _ := pipelines.SplitTable(t)
		out = append(out, src)
	}
	return out
}

// comparedKeys are the trust keys of the source tables of res, whose
// source query is q: by table, or by source when the resource's SQL
// cannot be read table by table.
func (o *Options) comparedKeys(res *pipelines.Resource, q string) []string {
	ts, err := res.SourceTables()
	if err != nil {
		return sourcesOf(q)
	}
	return o.trustKeys(ts)
}
