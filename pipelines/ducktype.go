package pipelines

import (
	"fmt"
	"strconv"
	"strings"
)

// DuckTypeOf is the one map from MySQL column types to DuckDB types: the
// type the snapshot gives a MySQL column of type mysqlType in the
// warehouse. mysqlType is information_schema's COLUMN_TYPE ("int(10)
// unsigned", "decimal(12,3)", "enum('a','b')") or a catalog's type
// ("INT UNSIGNED", "DECIMAL(10, 2)", "DOUBLE PRECISION"); case and spaces
// do not matter.
//
// Integers keep their width and signedness (MEDIUMINT widens to INTEGER,
// YEAR is SMALLINT), DECIMAL(p,s) stays DECIMAL(p,s) (DECIMAL alone is
// DECIMAL(10,0), as in MySQL; above 38 digits, DuckDB's limit, it is
// VARCHAR, the exact text), FLOAT is FLOAT and DOUBLE and REAL are
// DOUBLE, DATETIME and TIMESTAMP are TIMESTAMP, TIME is INTERVAL, BIT is
// UBIGINT, text, ENUM, SET and JSON are VARCHAR, binary and spatial types
// BLOB. known is false for a type the map does not know, given VARCHAR.
func DuckTypeOf(mysqlType string) (duck string, known bool) {
	base, args, rest := splitMySQLType(mysqlType)
	integer := func(signed, unsigned string) (string, bool) {
		if strings.Contains(rest, "unsigned") || strings.Contains(rest, "zerofill") {
			return unsigned, true
		}
		return signed, true
	}
	switch base {
	case "tinyint":
		return integer("TINYINT", "UTINYINT")
	case "smallint":
		return integer("SMALLINT", "USMALLINT")
	case "mediumint", "int", "integer":
		return integer("INTEGER", "UINTEGER")
	case "bigint":
		return integer("BIGINT", "UBIGINT")
	case "year":
		return "SMALLINT", true
	case "decimal", "numeric", "fixed", "dec":
		return decimalType(args), true
	case "float":
		return "FLOAT", true
	case "double", "real":
		return "DOUBLE", true
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext",
		"enum", "set", "json", "uuid", "inet4", "inet6":
		return "VARCHAR", true
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
		"geometry", "point", "linestring", "polygon", "multipoint",
		"multilinestring", "multipolygon", "geometrycollection", "geomcollection", "vector":
		return "BLOB", true
	case "date":
		return "DATE", true
	case "datetime", "timestamp":
		return "TIMESTAMP", true
	case "time":
		return "INTERVAL", true
	case "bit":
		return "UBIGINT", true
	}
	return "VARCHAR", false
}

// splitMySQLType splits a MySQL type into its lower-case base name, the
// text between its parentheses and what follows them: "INT(10) UNSIGNED"
// is "int", "10", " unsigned"; "DOUBLE PRECISION" is "double", "",
// " precision".
func splitMySQLType(t string) (base, args, rest string) {
	t = strings.ToLower(strings.TrimSpace(t))
	i := strings.IndexAny(t, "( ")
	if i < 0 {
		return t, "", ""
	}
	base, rest = t[:i], t[i:]
	if strings.HasPrefix(strings.TrimLeft(rest, " "), "(") && base != "enum" && base != "set" {
		rest = strings.TrimLeft(rest, " ")
		if j := strings.IndexByte(rest, ')'); j >= 0 {
			args, rest = rest[1:j], rest[j+1:]
		}
	}
	return base, args, rest
}

// decimalType is the DuckDB type of DECIMAL(args): DECIMAL(p,s) up to 38
// digits, VARCHAR beyond or for arguments that are not numbers.
func decimalType(args string) string {
	p, s := 10, 0
	if strings.TrimSpace(args) != "" {
		ps, ss, hasS := strings.Cut(args, ",")
		var err error
		if p, err = strconv.Atoi(strings.TrimSpace(ps)); err != nil {
			return "VARCHAR"
		}
		if hasS {
			if s, err = strconv.Atoi(strings.TrimSpace(ss)); err != nil {
				return "VARCHAR"
			}
		}
	}
	if p < 1 || p > 38 || s < 0 || s > p {
		return "VARCHAR"
	}
	return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
}

// WideDuckType widens a DuckDB integer type to BIGINT, or UBIGINT when it
// is unsigned, and returns any other type as it is: the type in which two
// integer columns of different widths (a narrow source column, a BIGINT
// evidence column) compare.
func WideDuckType(duck string) string {
	switch duck {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		return "BIGINT"
	case "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT":
		return "UBIGINT"
	}
	return duck
}
