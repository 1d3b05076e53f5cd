package pipelines

import "testing"

func TestDuckTypeOf(t *testing.T) {
	tests := []struct {
		mysql, want string
		known       bool
	}{
		// information_schema's COLUMN_TYPE, as MySQL and MariaDB write it.
		{"tinyint(4)", "TINYINT", true},
		{"tinyint(3) unsigned", "UTINYINT", true},
		{"tinyint(1)", "TINYINT", true},
		{"smallint(6)", "SMALLINT", true},
		{"smallint(5) unsigned", "USMALLINT", true},
		{"mediumint(9)", "INTEGER", true},
		{"mediumint(8) unsigned", "UINTEGER", true},
		{"int(11)", "INTEGER", true},
		{"int(10) unsigned", "UINTEGER", true},
		{"int(10) unsigned zerofill", "UINTEGER", true},
		{"bigint(20)", "BIGINT", true},
		{"bigint(20) unsigned", "UBIGINT", true},
		{"year(4)", "SMALLINT", true},
		{"decimal(12,3)", "DECIMAL(12,3)", true},
		{"decimal(38,10)", "DECIMAL(38,10)", true},
		{"decimal(65,30)", "VARCHAR", true},
		{"decimal(5,2) unsigned", "DECIMAL(5,2)", true},
		{"float", "FLOAT", true},
		{"float(10,2)", "FLOAT", true},
		{"double", "DOUBLE", true},
		{"double(10,2) unsigned", "DOUBLE", true},
		{"bit(1)", "UBIGINT", true},
		{"bit(64)", "UBIGINT", true},
		{"date", "DATE", true},
		{"datetime", "TIMESTAMP", true},
		{"datetime(6)", "TIMESTAMP", true},
		{"timestamp(3)", "TIMESTAMP", true},
		{"time", "INTERVAL", true},
		{"time(2)", "INTERVAL", true},
		{"char(18)", "VARCHAR", true},
		{"varchar(64)", "VARCHAR", true},
		{"tinytext", "VARCHAR", true},
		{"longtext", "VARCHAR", true},
		{"enum('unsigned','b c')", "VARCHAR", true},
		{"set('a','b')", "VARCHAR", true},
		{"json", "VARCHAR", true},
		{"uuid", "VARCHAR", true},
		{"binary(16)", "BLOB", true},
		{"varbinary(255)", "BLOB", true},
		{"longblob", "BLOB", true},
		{"point", "BLOB", true},
		// A catalog's types.
		{"INT", "INTEGER", true},
		{"INT UNSIGNED", "UINTEGER", true},
		{"int (11)", "INTEGER", true},
		{"BIGINT", "BIGINT", true},
		{"DECIMAL", "DECIMAL(10,0)", true},
		{"DECIMAL(10)", "DECIMAL(10,0)", true},
		{"decimal( 5 , 2 )", "DECIMAL(5,2)", true},
		{"NUMERIC(6,2)", "DECIMAL(6,2)", true},
		{"DEC(4,1)", "DECIMAL(4,1)", true},
		{"DECIMAL(x,2)", "VARCHAR", true},
		{"DECIMAL(3,4)", "VARCHAR", true},
		{"REAL", "DOUBLE", true},
		{"DOUBLE PRECISION", "DOUBLE", true},
		{"FLOAT", "FLOAT", true},
		{" date ", "DATE", true},
		{"DATETIME(3)", "TIMESTAMP", true},
		{"", "VARCHAR", false},
		{"money", "VARCHAR", false},
	}
	for _, tc := range tests {
		t.Run(tc.mysql, func(t *testing.T) {
			got, known := DuckTypeOf(tc.mysql)
			if got != tc.want || known != tc.known {
				t.Errorf("DuckTypeOf(%q) = %q, %v, want %q, %v", tc.mysql, got, known, tc.want, tc.known)
			}
		})
	}
}

func TestWideDuckType(t *testing.T) {
	for in, want := range map[string]string{
		"TINYINT": "BIGINT", "SMALLINT": "BIGINT", "INTEGER": "BIGINT", "BIGINT": "BIGINT",
		"UTINYINT": "UBIGINT", "USMALLINT": "UBIGINT", "UINTEGER": "UBIGINT", "UBIGINT": "UBIGINT",
		"FLOAT": "FLOAT", "DECIMAL(5,2)": "DECIMAL(5,2)", "VARCHAR": "VARCHAR", "HUGEINT": "HUGEINT",
	} {
		if got := WideDuckType(in); got != want {
			t.Errorf("WideDuckType(%q) = %q, want %q", in, got, want)
		}
	}
}
