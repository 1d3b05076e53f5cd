package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
)

// ColumnDef is the captured structure of one column.
type ColumnDef struct {
	Name     string
	Type     string // MySQL COLUMN_TYPE
	Nullable bool
	Key      bool   // part of the primary key
	Mask     string // "" copied as it is; hash, null, drop or truncate(N)
}

func (c ColumnDef) String() string {
	s := c.Name + " " + c.Type
	if !c.Nullable {
		s += " NOT NULL"
	}
	if c.Key {
		s += " PK"
	}
	if c.Mask != "" {
		s += " masked " + c.Mask
	}
	return s
}

// defs returns the captured structure of t.
func (t *table) defs() []ColumnDef {
	out := make([]ColumnDef, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = ColumnDef{Name: c.Name, Type: c.ColumnType, Nullable: c.Nullable, Key: c.Key}
	}
	return out
}

// DiffColumns describes how the structure b differs from a, one line per
// difference; nil when they agree.
func DiffColumns(a, b []ColumnDef) []string {
	var out []string
	ai := map[string]int{}
	for i, c := range a {
		ai[c.Name] = i
	}
	bi := map[string]int{}
	for i, c := range b {
		bi[c.Name] = i
		j, ok := ai[c.Name]
		switch {
		case !ok:
			out = append(out, "added "+c.String())
		case a[j] != c:
			out = append(out, "changed "+a[j].String()+" → "+c.String())
		case j != i:
			out = append(out, fmt.Sprintf("moved %s from position %d to %d", c.Name, j+1, i+1))
		}
	}
	for _, c := range a {
		if _, ok := bi[c.Name]; !ok {
			out = append(out, "dropped "+c.String())
		}
	}
	return out
}

// SourceSchema reads the structure of every base table of the database
// of dsn, by table name: for comparing a primary with its replica.
func SourceSchema(ctx context.Context, dsn string) (map[string][]ColumnDef, error) {
	ms, names, err := openListed(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer ms.close()
	cols, err := ms.columns(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]ColumnDef{}
	for _, n := range names {
		t := &table{Table: mysqlarrow.Table{Name: n, Columns: cols[n]}}
		out[n] = t.defs()
	}
	return out, nil
}

// DiffSchemas compares two sources' structures table by table; each line
// names the table.
func DiffSchemas(a, b map[string][]ColumnDef) []string {
	var names []string
	seen := map[string]bool{}
	for n := range a {
		names, seen[n] = append(names, n), true
	}
	for n := range b {
		if !seen[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		ca, okA := a[n]
		cb, okB := b[n]
		switch {
		case !okA:
			out = append(out, n+": only in the second source")
		case !okB:
			out = append(out, n+": only in the first source")
		default:
			for _, d := range DiffColumns(ca, cb) {
				out = append(out, n+": "+d)
			}
		}
	}
	return out
}

// previousDefs returns the structure captured with the last published
// snapshot of every table of schema, by table, in one query.
func previousDefs(ctx context.Context, tx *sql.Tx, schema string) (map[string][]ColumnDef, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.column_type, c.is_nullable, c.primary_key, coalesce(c.mask, '')
		FROM audit.snapshot_columns c
		JOIN (SELECT table_name, max(run_id) AS run_id FROM audit.snapshot_columns WHERE source = ? GROUP BY table_name) l
		  ON c.table_name = l.table_name AND c.run_id = l.run_id
		WHERE c.source = ?
		ORDER BY c.table_name, c.ordinal`, schema, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]ColumnDef{}
	for rows.Next() {
		var (
			t string
			c ColumnDef
		)
		if err := rows.Scan(&t, &c.Name, &c.Type, &c.Nullable, &c.Key, &c.Mask); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}

// captureSchema compares the structure of a published table with the
// previous capture and sets tr.SchemaDrift; writeColumns records it.
func (s *snapshotter) captureSchema(schema string, tr *TableReport, prevAll map[string][]ColumnDef) error {
	if tr.defs == nil {
		return nil
	}
	if prev := prevAll[tr.Name]; prev != nil {
		if d := DiffColumns(prev, tr.defs); len(d) > 0 {
			tr.SchemaDrift = strings.Join(d, "; ")
			s.log.Warn("schema drift", keySource, schema, keyTable, tr.Name, "changes", tr.SchemaDrift)
		}
	}
	return nil
}

// writeColumns records the structure of every published table of the
// source in audit.snapshot_columns, inside the publish transaction, in
// one statement (DuckDB's cost is per statement).
func (s *snapshotter) writeColumns(ctx context.Context, tx *sql.Tx, schema string, trs []*TableReport) error {
	var (
		vals []string
		args []any
	)
	for _, tr := range trs {
		for i, c := range tr.defs {
			vals = append(vals, "(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, s.run.ID, schema, tr.Name, i+1, c.Name, c.Type, c.Nullable, c.Key, nullIfEmpty(c.Mask))
		}
	}
	if len(vals) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit.snapshot_columns
		(run_id, source, table_name, ordinal, column_name, column_type, is_nullable, primary_key, mask) VALUES `+strings.Join(vals, ", "), args...); err != nil {
		return fmt.Errorf("snapshot %s: record structure: %w", schema, err)
	}
	return nil
}

// exportParquet writes every published table of the source as Parquet
// into dir/source/table/data.parquet.
func (s *snapshotter) exportParquet(ctx context.Context, sr *SourceReport) error {
	for _, tr := range sr.Tables {
		dir := filepath.Join(s.opts.ParquetDir, sr.Name, tr.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("parquet %s.%s: %w", sr.Name, tr.Name, err)
		}
		file := filepath.Join(dir, "data.parquet")
		tmp := file + ".tmp"
		q := "COPY (SELECT * FROM " + quoteDuck(sr.Name) + "." + quoteDuck(tr.Name) + ") TO " + quoteDuckString(tmp) + " (FORMAT parquet)"
		if _, err := s.wh.DB().ExecContext(ctx, q); err != nil {
			return fmt.Errorf("parquet %s.%s: %w", sr.Name, tr.Name, err)
		}
		if err := os.Rename(tmp, file); err != nil {
			return fmt.Errorf("parquet %s.%s: %w", sr.Name, tr.Name, err)
		}
	}
	return nil
}
