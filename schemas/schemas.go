// Package schemas embeds the SQL of the project: the MySQL DDL of the
// simulated eUrbanMIS (business, statistics and exchange databases and the
// targets' front-end databases) and the DuckDB warehouse DDL.
package schemas

import "embed"

// FS holds mysql/*.sql, mysql/frontend/*.sql and duckdb/*.sql.
//
//go:embed mysql duckdb
var FS embed.FS

// MySQL returns the DDL of one simulated MySQL database: "biz", "stats" or
// "exchange", or "frontend/<target>" for a target's front-end database.
func MySQL(name string) (string, error) {
	b, err := FS.ReadFile("mysql/" + name + ".sql")
	return string(b), err
}

//go:embed duckdb/warehouse.sql
var warehouseSQL string

// Warehouse returns the DuckDB warehouse DDL.
func Warehouse() string { return warehouseSQL }
