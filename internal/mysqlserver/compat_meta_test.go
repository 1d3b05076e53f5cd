package mysqlserver

// Compatibility cases: metadata (information_schema, table comments, SHOW
// FULL COLUMNS, SHOW TABLE STATUS).

import (
	"context"
	"fmt"
	"strings"
)

func caseInfoSchemaColumns(ctx context.Context, e *compatEnv) (string, error) {
	q := `SELECT COLUMN_NAME, COLUMN_COMMENT, DATA_TYPE, COLUMN_TYPE
	FROM information_schema.columns
	WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
	ORDER BY ORDINAL_POSITION`
	_, rows, err := queryStrings(ctx, e.db, q, e.src, "cases")
	if err != nil {
		return "", err
	}
	if len(rows) != 15 {
		return "", fmt.Errorf("got %d columns, want 15", len(rows))
	}
	if rows[0][0].String != "id" || rows[0][1].String != "案件编号" {
		return "", fmt.Errorf("first column %q comment %q", rows[0][0].String, rows[0][1].String)
	}
	types := map[string]string{}
	for _, r := range rows {
		types[r[0].String] = r[3].String
	}
	return fmt.Sprintf("ok (id %s, amount %s, ts %s, category %s)", types["id"], types["amount"], types["ts"], types["category"]), nil
}

func tableComment(ctx context.Context, e *compatEnv, table, want string) (string, error) {
	var comment string
	q := "SELECT TABLE_COMMENT FROM information_schema.tables WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
	if err := e.db.QueryRowContext(ctx, q, e.src, table).Scan(&comment); err != nil {
		return "", fmt.Errorf("select: %w", err)
	}
	if comment != want {
		return "", fmt.Errorf("table comment %q, want %q", comment, want)
	}
	return "ok", nil
}

func caseTableCommentInlinePK(ctx context.Context, e *compatEnv) (string, error) {
	return tableComment(ctx, e, "districts", "区县")
}

func caseTableCommentSeparatePK(ctx context.Context, e *compatEnv) (string, error) {
	return tableComment(ctx, e, "cases", "城管案件")
}

func caseShowFullColumns(ctx context.Context, e *compatEnv) (string, error) {
	cols, rows, err := queryStrings(ctx, e.db, "SHOW FULL COLUMNS FROM "+e.src+".cases")
	if err != nil {
		return "", err
	}
	ci := index(cols, "Comment")
	if ci < 0 || len(rows) != 15 || rows[0][ci].String != "案件编号" {
		return "", fmt.Errorf("columns %v, %d rows", cols, len(rows))
	}
	return "ok", nil
}

func caseShowTableStatus(ctx context.Context, e *compatEnv) (string, error) {
	cols, rows, err := queryStrings(ctx, e.db, "SHOW TABLE STATUS FROM "+e.src+" LIKE 'cases'")
	if err != nil {
		return "", err
	}
	if len(rows) != 1 {
		return "", fmt.Errorf("got %d rows, want 1", len(rows))
	}
	get := func(name string) string {
		if i := index(cols, name); i >= 0 {
			return rows[0][i].String
		}
		return "?"
	}
	comment := "Comment=" + get("Comment")
	if index(cols, "Comment") < 0 {
		comment = "no Comment column, Comments=" + get("Comments")
	}
	return fmt.Sprintf("ok (Engine=%s Rows=%s %s)", get("Engine"), get("Rows"), comment), nil
}

func index(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return -1
}
