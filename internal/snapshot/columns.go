package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// table is one source table to snapshot: its name and columns, as
// mysqlarrow decodes them.
type table struct {
	mysqlarrow.Table
	masks   []pipelines.Mask // by column; the zero Mask copies it as it is (see mask.go)
	maskKey []byte           // the hash mask's key
	maskSig string           // the masks in the table's signature
}

// openListed opens the source of dsn and lists its base tables
// (listTables); the caller closes the source.
func openListed(ctx context.Context, dsn string) (*mysqlSource, []string, error) {
	ms, err := openSource(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	names, err := ms.listTables(ctx)
	if err != nil {
		ms.close()
		return nil, nil, err
	}
	return ms, names, nil
}

// listTables returns every base table of the database, by exact name.
func (s *mysqlSource) listTables(ctx context.Context) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, `SELECT TABLE_NAME FROM information_schema.tables
		WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`, s.dbName)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", s.dbName, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables of %s: %w", s.dbName, err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", s.dbName, err)
	}
	sort.Strings(names)
	return names, nil
}

// columns returns the columns of every table of the database, by exact
// table name, in ordinal order.
func (s *mysqlSource) columns(ctx context.Context) (map[string][]mysqlarrow.Column, error) {
	rows, err := s.conn.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,
			NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_KEY
		FROM information_schema.columns
		WHERE TABLE_SCHEMA = ?
		ORDER BY TABLE_NAME, ORDINAL_POSITION`, s.dbName)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", s.dbName, err)
	}
	defer rows.Close()
	out := map[string][]mysqlarrow.Column{}
	for rows.Next() {
		var (
			tbl, name, dataType, columnType, nullable string
			prec, scale                               sql.NullInt64
			key                                       sql.NullString
		)
		if err := rows.Scan(&tbl, &name, &dataType, &columnType, &prec, &scale, &nullable, &key); err != nil {
			return nil, fmt.Errorf("read columns of %s: %w", s.dbName, err)
		}
		out[tbl] = append(out[tbl], mysqlarrow.Column{
			Name:       name,
			DataType:   strings.ToLower(dataType),
			ColumnType: strings.ToLower(columnType),
			Precision:  prec.Int64,
			Scale:      scale.Int64,
			Nullable:   strings.EqualFold(nullable, "YES"),
			Key:        strings.EqualFold(key.String, "PRI"),
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", s.dbName, err)
	}
	return out, nil
}

// duckDDL is the column definition in DuckDB. NOT NULL is kept except for
// temporal columns, where a zero date loads as NULL.
func duckDDL(c *mysqlarrow.Column) string {
	d := quoteDuck(c.Name) + " " + c.Duck
	if !c.Nullable && c.Kind != mysqlarrow.KindDate && c.Kind != mysqlarrow.KindDateTime && c.Kind != mysqlarrow.KindTime {
		d += " NOT NULL"
	}
	return d
}

// stageDDL creates (or replaces) the staging table of t in schema.
func (t *table) stageDDL(schema string) string {
	return t.stageDDLNamed(schema, stageName(t.Name))
}

// stageDDLNamed creates (or replaces) table schema.name with t's columns.
func (t *table) stageDDLNamed(schema, name string) string {
	defs := make([]string, len(t.Columns))
	for i := range t.Columns {
		defs[i] = duckDDL(&t.Columns[i])
	}
	return "CREATE OR REPLACE TABLE " + quoteDuck(schema) + "." + quoteDuck(name) +
		" (" + strings.Join(defs, ", ") + ")"
}

// stagePrefix starts the name of a staging table.
const stagePrefix = "__stage_"

func stageName(table string) string { return stagePrefix + table }

// quoteDuck quotes a DuckDB identifier.
func quoteDuck(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
