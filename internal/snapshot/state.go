package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Fixed cost per table.
//
// DuckDB's cost is per statement (a few milliseconds each, more under
// load), so what a run knows about a source's tables before reading them
// is read once per source, not once per table: the stored state of every
// table (audit.snapshot_watermarks) and which tables are published
// (duckdb_tables()). An append table whose largest key is still the stored
// one has no new row: it is neither staged nor read, its count is still
// compared with the source (see tableLoad.planLoad).

// storedState is one audit.snapshot_watermarks row.
type storedState struct {
	policy, column string
	mark           sql.NullString
	signature      string
	checked        sql.NullTime
	counted        sql.NullTime   // the last count that agreed (count.go)
	countToken     sql.NullString // the change token that count stands for
}

// warehouseState is what the warehouse holds for one source, read once
// per run before its tables are loaded.
type warehouseState struct {
	marks     map[string]storedState // by table
	published map[string]bool        // tables of the schema that exist
	// appendMax is the largest key of each append table whose stored
	// state applies, read in the snapshot (see appendMaxKeys).
	appendMax map[string]sql.NullString
}

// hasState reports whether table has a stored state.
func (ws *warehouseState) hasState(table string) bool {
	_, ok := ws.marks[table]
	return ok
}

// appendMaxKeys reads, in one query, the largest key of every append
// table whose stored state a delta run would use.
func (ws *warehouseState) appendMaxKeys(ctx context.Context, ms *mysqlSource, tables []*table, pols map[string]TablePolicy) error {
	ws.appendMax = map[string]sql.NullString{}
	var names, cols []string
	for _, t := range tables {
		pol := pols[t.Name]
		if pol.Policy != PolicyAppend || len(t.keyColumns()) == 0 {
			continue
		}
		col := watermarkColumn(t, pol)
		st, ok := ws.marks[t.Name]
		if col == "" || !ok || st.policy != PolicyAppend || st.column != col || !ws.published[t.Name] {
			continue
		}
		names, cols = append(names, t.Name), append(cols, col)
	}
	if len(names) == 0 {
		return nil
	}
	vals, err := ms.maxValues(ctx, names, cols)
	if err != nil {
		return err
	}
	for i, n := range names {
		ws.appendMax[n] = vals[i]
	}
	return nil
}

// readWarehouseState reads the stored state and the published tables of
// schema in two queries.
func readWarehouseState(ctx context.Context, q querier, schema string) (*warehouseState, error) {
	ws := &warehouseState{marks: map[string]storedState{}, published: map[string]bool{}}
	rows, err := q.QueryContext(ctx, `SELECT table_name, policy, watermark_column, watermark, signature, keys_checked_at, counted_at, count_token
		FROM audit.snapshot_watermarks WHERE source = ?`, schema)
	if err != nil {
		return nil, fmt.Errorf("read table states: %w", err)
	}
	for rows.Next() {
		var (
			name string
			st   storedState
		)
		if err := rows.Scan(&name, &st.policy, &st.column, &st.mark, &st.signature, &st.checked, &st.counted, &st.countToken); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("read table states: %w", err)
		}
		ws.marks[name] = st
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read table states: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE schema_name = ?`, schema)
	if err != nil {
		return nil, fmt.Errorf("list published tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list published tables: %w", err)
		}
		ws.published[n] = true
	}
	return ws, rows.Err()
}

// countsQuery is one SELECT of the row counts of several tables of
// database db, in the order given: one round trip instead of one per
// table, in the same snapshot.
func countsQuery(db string, tables []string) string {
	parts := make([]string, len(tables))
	for i, t := range tables {
		parts[i] = "(SELECT COUNT(*) FROM " + quoteMySQL(db) + "." + quoteMySQL(t) + ")"
	}
	return "SELECT " + strings.Join(parts, ", ")
}

// maxQuery is one SELECT of the largest value of a column of several
// tables of database db, as text, in the order given.
func maxQuery(db string, tables, cols []string) string {
	parts := make([]string, len(tables))
	for i, t := range tables {
		parts[i] = "(SELECT CAST(MAX(" + quoteMySQL(cols[i]) + ") AS CHAR) FROM " + quoteMySQL(db) + "." + quoteMySQL(t) + ")"
	}
	return "SELECT " + strings.Join(parts, ", ")
}

// batchSize caps the tables one batched source query names.
const batchSize = 32

// counts reads COUNT(*) of tables in the snapshot, batchSize at a time.
func (s *mysqlSource) counts(ctx context.Context, tables []string) ([]int64, error) {
	out := make([]int64, 0, len(tables))
	for len(tables) > 0 {
		n := min(len(tables), batchSize)
		vals := make([]int64, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := s.conn.QueryRowContext(ctx, countsQuery(s.dbName, tables[:n])).Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("count rows: %w", err)
		}
		out = append(out, vals...)
		tables = tables[n:]
	}
	return out, nil
}

// maxValues reads the largest value of cols[i] in tables[i], as text, in
// the snapshot, batchSize at a time.
func (s *mysqlSource) maxValues(ctx context.Context, tables, cols []string) ([]sql.NullString, error) {
	out := make([]sql.NullString, 0, len(tables))
	for len(tables) > 0 {
		n := min(len(tables), batchSize)
		vals := make([]sql.NullString, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := s.conn.QueryRowContext(ctx, maxQuery(s.dbName, tables[:n], cols[:n])).Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read largest keys: %w", err)
		}
		out = append(out, vals...)
		tables, cols = tables[n:], cols[n:]
	}
	return out, nil
}
