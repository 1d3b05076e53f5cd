package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// kind is how a column's values are read and converted.
type kind int

const (
	kindInt      kind = iota // signed integer types, YEAR
	kindUint                 // unsigned integer types
	kindFloat32              // FLOAT
	kindFloat64              // DOUBLE
	kindDecimal              // DECIMAL(p ≤ 38, s)
	kindText                 // text types and anything else read as text
	kindBlob                 // binary types, spatial types
	kindDate                 // DATE
	kindDateTime             // DATETIME, TIMESTAMP
	kindTime                 // TIME
	kindBit                  // BIT(n)
)

// column is one source column and how it is carried into DuckDB.
type column struct {
	Name       string
	DataType   string // information_schema DATA_TYPE, lower case
	ColumnType string // information_schema COLUMN_TYPE, e.g. "bigint(20) unsigned"
	Precision  int64  // NUMERIC_PRECISION, 0 when NULL
	Scale      int64  // NUMERIC_SCALE, 0 when NULL
	Nullable   bool
	Key        bool // part of the primary key

	Kind kind
	Duck string // DuckDB column type
}

// table is one source table to snapshot.
type table struct {
	Name    string
	Columns []column
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
func (s *mysqlSource) columns(ctx context.Context) (map[string][]column, error) {
	rows, err := s.conn.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,
			NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_KEY
		FROM information_schema.columns
		WHERE TABLE_SCHEMA = ?
		ORDER BY TABLE_NAME, ORDINAL_POSITION`, s.dbName)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", s.dbName, err)
	}
	defer rows.Close()
	out := map[string][]column{}
	for rows.Next() {
		var (
			tbl, name, dataType, columnType, nullable string
			prec, scale                               sql.NullInt64
			key                                       sql.NullString
		)
		if err := rows.Scan(&tbl, &name, &dataType, &columnType, &prec, &scale, &nullable, &key); err != nil {
			return nil, fmt.Errorf("read columns of %s: %w", s.dbName, err)
		}
		out[tbl] = append(out[tbl], column{
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

// mapColumn sets Kind and Duck of c from its MySQL type. It reports false
// for a type it does not know, mapped to VARCHAR.
func mapColumn(c *column) bool {
	unsigned := strings.Contains(c.ColumnType, "unsigned")
	intType := func(signed, uns string) {
		if unsigned {
			c.Kind, c.Duck = kindUint, uns
		} else {
			c.Kind, c.Duck = kindInt, signed
		}
	}
	switch c.DataType {
	case "tinyint":
		intType("TINYINT", "UTINYINT")
	case "smallint":
		intType("SMALLINT", "USMALLINT")
	case "mediumint", "int", "integer":
		intType("INTEGER", "UINTEGER")
	case "bigint":
		intType("BIGINT", "UBIGINT")
	case "year":
		c.Kind, c.Duck = kindInt, "SMALLINT"
	case "decimal", "numeric", "fixed":
		if c.Precision >= 1 && c.Precision <= 38 && c.Scale >= 0 && c.Scale <= c.Precision {
			c.Kind, c.Duck = kindDecimal, fmt.Sprintf("DECIMAL(%d,%d)", c.Precision, c.Scale)
		} else {
			// DuckDB's DECIMAL stops at 38 digits: keep the exact text.
			c.Kind, c.Duck = kindText, "VARCHAR"
		}
	case "float":
		c.Kind, c.Duck = kindFloat32, "FLOAT"
	case "double", "real", "double precision":
		c.Kind, c.Duck = kindFloat64, "DOUBLE"
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext",
		"enum", "set", "json", "uuid", "inet4", "inet6":
		c.Kind, c.Duck = kindText, "VARCHAR"
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
		"geometry", "point", "linestring", "polygon", "multipoint",
		"multilinestring", "multipolygon", "geometrycollection", "geomcollection", "vector":
		c.Kind, c.Duck = kindBlob, "BLOB"
	case "date":
		c.Kind, c.Duck = kindDate, "DATE"
	case "datetime", "timestamp":
		c.Kind, c.Duck = kindDateTime, "TIMESTAMP"
	case "time":
		c.Kind, c.Duck = kindTime, "INTERVAL"
	case "bit":
		c.Kind, c.Duck = kindBit, "UBIGINT"
	default:
		c.Kind, c.Duck = kindText, "VARCHAR"
		return false
	}
	return true
}

// duckDDL is the column definition in DuckDB. NOT NULL is kept except for
// temporal columns, where a zero date loads as NULL.
func (c *column) duckDDL() string {
	d := quoteDuck(c.Name) + " " + c.Duck
	if !c.Nullable && c.Kind != kindDate && c.Kind != kindDateTime && c.Kind != kindTime {
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
		defs[i] = t.Columns[i].duckDDL()
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
