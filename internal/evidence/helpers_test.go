package evidence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/evidence")

// fxTarget and fxResource are the fixture target and receipt resource:
// one column of every kind.
var fxTarget = &pipelines.Target{Key: "t", NameZH: "测试", Database: "fe_t"}

func fxResource() *pipelines.Resource {
	return &pipelines.Resource{
		Target: "t", Key: "fx", NameZH: "测试资源", Cadence: pipelines.MediaCopy, Mode: pipelines.ModeReceipt,
		KeyColumns: []string{"code"}, Table: "fx_*.csv", From: "biz.fx f",
		Columns: []pipelines.Column{
			{Name: "code", ZH: "编码", Type: "VARCHAR(32)", Expr: "f.code"},
			{Name: "name", ZH: "名称", Type: "VARCHAR(64)", Expr: "f.name"},
			{Name: "amount", ZH: "金额", Type: "DECIMAL(12,8)", Expr: "f.amount"},
			{Name: "reported_at", ZH: "上报时间", Type: "DATETIME", Expr: "f.reported_at"},
			{Name: "day", ZH: "日期", Type: "DATE", Expr: "f.day"},
			{Name: "n", ZH: "数量", Type: "INT", Expr: "f.n"},
		},
	}
}

// mustOpenDB opens an in-memory warehouse whose sessions run in
// Asia/Shanghai, as warehouse.Open does.
func mustOpenDB(tb testing.TB) *sql.DB {
	tb.Helper()
	c, err := duckdb.NewConnector("", func(ex driver.ExecerContext) error {
		_, err := ex.ExecContext(context.Background(), "SET TimeZone = 'Asia/Shanghai'", nil)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(c)
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustExec(tb testing.TB, db *sql.DB, stmts ...string) {
	tb.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("%v\nSQL: %s", err, q)
		}
	}
}

// dumpTable returns the rows of table as text, one line each, in order,
// with the columns cols (arrived_at left out unless asked).
func dumpTable(tb testing.TB, db *sql.DB, table string, cols []string) []string {
	tb.Helper()
	var sel []string
	for _, c := range cols {
		if !strings.Contains(c, "(") { // an expression stays as it is
			c = warehouse.QuoteIdent(c)
		}
		sel = append(sel, fmt.Sprintf("coalesce(CAST(%s AS VARCHAR), '∅')", c))
	}
	q := fmt.Sprintf("SELECT concat_ws(' | ', %s) AS l FROM %s ORDER BY l", strings.Join(sel, ", "), warehouse.QuoteTable(table))
	rows, err := db.Query(q)
	if err != nil {
		tb.Fatalf("%v\nSQL: %s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			tb.Fatal(err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func strp(s string) *string { return &s }
