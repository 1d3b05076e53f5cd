package main

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// newSource writes a DuckDB file holding what a snapshot's warehouse
// holds: the warehouse's own schema (not copied) and source schemas with
// tables of many types, NULLs, long and CJK strings, and an empty table.
func newSource(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.duckdb")
	db, err := sql.Open("duckdb", src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE SCHEMA audit", "CREATE TABLE audit.runs AS SELECT 1 AS id",
		"CREATE SCHEMA biz", "CREATE SCHEMA fe",
		`CREATE TABLE biz.cases AS SELECT i::BIGINT AS id, (i % 7)::TINYINT AS kind, (i * 1.5)::DECIMAL(12,3) AS x,
			i / 3.0 AS d, CASE WHEN i % 4 = 0 THEN NULL ELSE TIMESTAMP '2026-11-20 08:00:00' + INTERVAL (i) SECOND END AS closed,
			DATE '2026-01-01' + (i % 300)::INTEGER AS day, CASE WHEN i % 5 = 0 THEN NULL ELSE '成都市锦江区东大街' || i || '号附近 路口东侧' END AS address,
			chr(65 + (i % 26)::INTEGER) AS grade, i % 2 = 0 AS open
			FROM range(40000) t(i)`,
		"CREATE TABLE fe.empty (id BIGINT, note VARCHAR)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return src
}

// contents is a table's column types and a hash of its rows, by table.
func contents(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	got := map[string]string{}
	for _, n := range names {
		var types, sum string
		if err := db.QueryRow(`SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
			FROM duckdb_columns() WHERE schema_name || '.' || table_name = ?`, n).Scan(&types); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) || ' rows, ' || coalesce(sum(hash(t))::VARCHAR, '-') FROM ` + n + ` t`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		got[n] = types + ": " + sum
	}
	return got
}

// TestCopy: both ways of copying store every table of the source schemas
// (not the warehouse's own) with the same types and rows.
func TestCopy(t *testing.T) {
	src := newSource(t)
	want := contents(t, src)
	delete(want, "audit.runs")
	ways := map[string]func(string, string, []string) error{"sql": copySQL}
	if arrowBuilt {
		ways["arrow"] = copyArrow
	}
	for name, copyTables := range ways {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst.duckdb")
			if err := copyTables(src, dst, nil); err != nil {
				t.Fatal(err)
			}
			got := contents(t, dst)
			if len(got) != len(want) {
				t.Fatalf("tables %v, want %v", got, want)
			}
			for n, w := range want {
				if got[n] != w {
					t.Errorf("%s: %s\nwant %s", n, got[n], w)
				}
			}
			// Only the schemas named.
			if err := copyTables(src, dst, []string{"fe"}); err != nil {
				t.Fatal(err)
			}
			if got := contents(t, dst); len(got) != 1 || got["fe.empty"] != want["fe.empty"] {
				t.Errorf("schema fe only: %v", got)
			}
		})
	}
}
