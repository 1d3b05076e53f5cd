package snapshot

import (
	"context"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// everyType is a column of every MySQL (MariaDB) type, a value for it and
// the DuckDB type the warehouse must hold it as: the contract of
// pipelines.DuckTypeOf, written out by hand.
var everyType = []struct {
	name, decl, value, duck string
}{
	{"id", "INT NOT NULL PRIMARY KEY", "1", "INTEGER"},
	{"c_tinyint", "TINYINT", "-128", "TINYINT"},
	{"c_tinyint_u", "TINYINT UNSIGNED", "255", "UTINYINT"},
	{"c_bool", "BOOLEAN", "1", "TINYINT"},
	{"c_smallint", "SMALLINT", "-32768", "SMALLINT"},
	{"c_smallint_u", "SMALLINT UNSIGNED", "65535", "USMALLINT"},
	{"c_mediumint", "MEDIUMINT", "-8388608", "INTEGER"},
	{"c_mediumint_u", "MEDIUMINT UNSIGNED", "16777215", "UINTEGER"},
	{"c_int", "INT", "-2147483648", "INTEGER"},
	{"c_int_u", "INT UNSIGNED", "4294967295", "UINTEGER"},
	{"c_int_zf", "INT(6) ZEROFILL", "42", "UINTEGER"},
	{"c_bigint", "BIGINT", "-9223372036854775808", "BIGINT"},
	{"c_bigint_u", "BIGINT UNSIGNED", "18446744073709551615", "UBIGINT"},
	{"c_decimal", "DECIMAL", "1234567890", "DECIMAL(10,0)"},
	{"c_decimal_12_3", "DECIMAL(12,3)", "-123456789.125", "DECIMAL(12,3)"},
	{"c_decimal_38", "DECIMAL(38,10)", "1234567890123456789012345678.0123456789", "DECIMAL(38,10)"},
	{"c_decimal_65", "DECIMAL(65,30)", "1.5", "VARCHAR"},
	{"c_numeric", "NUMERIC(6,2)", "1234.56", "DECIMAL(6,2)"},
	{"c_float", "FLOAT", "1.5", "FLOAT"},
	{"c_float_p", "FLOAT(10,2)", "12.25", "FLOAT"},
	{"c_double", "DOUBLE", "0.1", "DOUBLE"},
	{"c_real", "REAL", "2.5", "DOUBLE"},
	{"c_bit1", "BIT(1)", "b'1'", "UBIGINT"},
	{"c_bit64", "BIT(64)", "b'1111111111111111111111111111111111111111111111111111111111111111'", "UBIGINT"},
	{"c_date", "DATE", "'2026-11-20'", "DATE"},
	{"c_datetime", "DATETIME", "'2026-11-20 23:59:59'", "TIMESTAMP"},
	{"c_datetime1", "DATETIME(1)", "'2026-11-20 23:59:59.1'", "TIMESTAMP"},
	{"c_datetime2", "DATETIME(2)", "'2026-11-20 23:59:59.12'", "TIMESTAMP"},
	{"c_datetime3", "DATETIME(3)", "'2026-11-20 23:59:59.123'", "TIMESTAMP"},
	{"c_datetime4", "DATETIME(4)", "'2026-11-20 23:59:59.1234'", "TIMESTAMP"},
	{"c_datetime5", "DATETIME(5)", "'2026-11-20 23:59:59.12345'", "TIMESTAMP"},
	{"c_datetime6", "DATETIME(6)", "'2026-11-20 23:59:59.123456'", "TIMESTAMP"},
	{"c_timestamp", "TIMESTAMP NULL", "'2026-11-20 08:00:00'", "TIMESTAMP"},
	{"c_timestamp6", "TIMESTAMP(6) NULL", "'2026-11-20 08:00:00.000001'", "TIMESTAMP"},
	{"c_time", "TIME", "'-838:59:59'", "INTERVAL"},
	{"c_time6", "TIME(6)", "'12:34:56.789012'", "INTERVAL"},
	{"c_year", "YEAR", "2026", "SMALLINT"},
	{"c_char", "CHAR(10)", "'城管'", "VARCHAR"},
	{"c_varchar", "VARCHAR(20)", "'a b'", "VARCHAR"},
	{"c_tinytext", "TINYTEXT", "'t'", "VARCHAR"},
	{"c_text", "TEXT", "'text'", "VARCHAR"},
	{"c_mediumtext", "MEDIUMTEXT", "'m'", "VARCHAR"},
	{"c_longtext", "LONGTEXT", "'l'", "VARCHAR"},
	{"c_binary", "BINARY(4)", "X'00FF00FF'", "BLOB"},
	{"c_varbinary", "VARBINARY(8)", "X'00FF'", "BLOB"},
	{"c_tinyblob", "TINYBLOB", "'tb'", "BLOB"},
	{"c_blob", "BLOB", "'b'", "BLOB"},
	{"c_mediumblob", "MEDIUMBLOB", "'mb'", "BLOB"},
	{"c_longblob", "LONGBLOB", "'lb'", "BLOB"},
	{"c_enum", "ENUM('a','b c')", "'b c'", "VARCHAR"},
	{"c_set", "SET('x','y')", "'x,y'", "VARCHAR"},
	{"c_json", "JSON", `'{"a": 1}'`, "VARCHAR"},
	{"c_uuid", "UUID", "'123e4567-e89b-12d3-a456-426614174000'", "VARCHAR"},
	{"c_inet4", "INET4", "'10.0.0.1'", "VARCHAR"},
	{"c_inet6", "INET6", "'::1'", "VARCHAR"},
	{"c_point", "POINT", "ST_GeomFromText('POINT(1 2)')", "BLOB"},
}

// TestSnapshot_DuckTypes snapshots a table with a column of every MySQL
// type, over both read paths, and checks that the warehouse holds each as
// pipelines.DuckTypeOf says for the column's COLUMN_TYPE, which is the
// type everyType wants, and that the row's value arrived in every column.
func TestSnapshot_DuckTypes(t *testing.T) {
	for path, dsn := range readPaths(t) {
		t.Run(path, func(t *testing.T) { testDuckTypes(t, dsn) })
	}
}

func testDuckTypes(t *testing.T, dsn func(*mysql.Config)) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	var decls, names, values []string
	for _, c := range everyType {
		decls = append(decls, c.name+" "+c.decl)
		names = append(names, c.name)
		values = append(values, c.value)
	}
	db.Exec(t, "CREATE TABLE every_type ("+strings.Join(decls, ", ")+")",
		"INSERT INTO every_type ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(values, ", ")+")",
		"INSERT INTO every_type (id) VALUES (2)")

	columnType := map[string]string{}
	rows, err := db.Admin.QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.columns
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'every_type'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		columnType[name] = typ
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	wh := MustOpenWarehouse(t)
	if _, err := Snapshot(ctx, wh, MustBeginRun(t, wh), []Source{{Name: "biz", DSN: db.DSNWith(dsn)}},
		Options{AllowPrimary: true, Logger: discardLogger()}); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	duck := map[string]string{}
	for _, r := range queryStrings(t, wh, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'biz' AND table_name = 'every_type'`) {
		duck[r[0]] = r[1]
	}
	for _, c := range everyType {
		mapped, known := pipelines.DuckTypeOf(columnType[c.name])
		if mapped != c.duck || !known {
			t.Errorf("%s %s: pipelines.DuckTypeOf(%q) = %q, %v, want %q", c.name, c.decl, columnType[c.name], mapped, known, c.duck)
		}
		if duck[c.name] != mapped {
			t.Errorf("%s %s (%s): the warehouse holds %q, pipelines.DuckTypeOf says %q", c.name, c.decl, columnType[c.name], duck[c.name], mapped)
		}
		want := int64(1) // row 1's value; row 2 has only its id
		if c.name == "id" {
			want = 2
		}
		if n := queryInt(t, wh, `SELECT count(`+quoteDuck(c.name)+`) FROM biz.every_type`); n != want {
			t.Errorf("%s: %d values loaded, want %d", c.name, n, want)
		}
	}
}
