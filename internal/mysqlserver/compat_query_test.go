package mysqlserver

// Compatibility cases: queries (INSERT ... SELECT with literals and
// parameters, GROUP BY, LIMIT, COALESCE, INTERVAL).

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const insertSelectHead = `INSERT INTO %[1]s.case_summary (id, district_name, ts, amount, status, reporter)
SELECT c.id, d.name, c.ts, c.amount, c.status, COALESCE(c.reporter, '-')
FROM %[2]s.cases c JOIN %[2]s.districts d ON d.id = c.district_id
WHERE c.ts >= %[3]s AND c.ts < %[4]s`

// insertSelect empties dst.case_summary, runs the INSERT ... SELECT with
// the given bounds and checks the rows it copied.
func insertSelect(ctx context.Context, e *compatEnv, db *sql.DB, from, to string, args ...any) (string, error) {
	// With a WHERE clause: see caseDeleteAll.
	if _, err := e.db.ExecContext(ctx, "DELETE FROM "+e.dst+".case_summary WHERE id >= 0"); err != nil {
		return "", fmt.Errorf("empty case_summary: %w", err)
	}
	q := fmt.Sprintf(insertSelectHead, e.dst, e.src, from, to)
	res, err := db.ExecContext(ctx, q, args...)
	if err != nil {
		return "", fmt.Errorf("insert select: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("rows affected: %w", err)
	}
	want := e.data.windowCount()
	if n != want {
		return "", fmt.Errorf("insert select copied %d rows, want %d", n, want)
	}
	var minTS, maxTS time.Time
	var count int64
	err = e.db.QueryRowContext(ctx, "SELECT COUNT(*), MIN(ts), MAX(ts) FROM "+e.dst+".case_summary").Scan(&count, &minTS, &maxTS)
	if err != nil {
		return "", fmt.Errorf("check case_summary: %w", err)
	}
	if count != want || minTS.Before(e.data.from) || !maxTS.Before(e.data.to) {
		return "", fmt.Errorf("case_summary has %d rows from %v to %v", count, minTS, maxTS)
	}
	return fmt.Sprintf("ok (%d rows)", n), nil
}

func caseInsertSelectTimestampLiteral(ctx context.Context, e *compatEnv) (string, error) {
	return insertSelect(ctx, e, e.db, "TIMESTAMP '2026-11-20 23:00:00'", "TIMESTAMP '2026-11-21 00:00:00'")
}

func caseInsertSelectStringLiteral(ctx context.Context, e *compatEnv) (string, error) {
	return insertSelect(ctx, e, e.db, "'2026-11-20 23:00:00'", "'2026-11-21 00:00:00'")
}

func caseInsertSelectInterpolated(ctx context.Context, e *compatEnv) (string, error) {
	return insertSelect(ctx, e, e.interp, "?", "?", e.data.from, e.data.to)
}

func caseInsertSelectPreparedTime(ctx context.Context, e *compatEnv) (string, error) {
	return insertSelect(ctx, e, e.db, "?", "?", e.data.from, e.data.to)
}

func caseInsertSelectPreparedString(ctx context.Context, e *compatEnv) (string, error) {
	return insertSelect(ctx, e, e.db, "?", "?", "2026-11-20 23:00:00", "2026-11-21 00:00:00")
}

func caseGroupBy(ctx context.Context, e *compatEnv) (string, error) {
	d := e.data
	type agg struct {
		count, handled int64
		micros         int64
	}
	want := make(map[int]*agg)
	for i := 1; i <= d.n; i++ {
		a := want[d.district(i)]
		if a == nil {
			a = &agg{}
			want[d.district(i)] = a
		}
		a.count++
		if d.status(i) == 2 {
			a.handled++
		}
		a.micros += d.amountMicros(i)
	}
	q := `SELECT district_id, COUNT(*) AS n,
		SUM(CASE WHEN status = 2 THEN 1 ELSE 0 END) AS handled,
		SUM(amount) AS amount
	FROM ` + e.src + `.cases
	GROUP BY district_id
	ORDER BY district_id`
	rows, err := e.db.QueryContext(ctx, q)
	if err != nil {
		return "", fmt.Errorf("group by: %w", err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var district int
		var n, handled int64
		var amount string
		if err := rows.Scan(&district, &n, &handled, &amount); err != nil {
			return "", fmt.Errorf("scan group: %w", err)
		}
		a := want[district]
		if a == nil || a.count != n || a.handled != handled || !decimalEqual(amount, formatMicros(a.micros)) {
			return "", fmt.Errorf("district %d: got n=%d handled=%d amount=%s, want %+v", district, n, handled, amount, a)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("read groups: %w", err)
	}
	if seen != len(want) {
		return "", fmt.Errorf("got %d groups, want %d", seen, len(want))
	}
	return fmt.Sprintf("ok (%d groups)", seen), nil
}

func caseLimit(ctx context.Context, e *compatEnv) (string, error) {
	for _, q := range []string{
		"SELECT id FROM " + e.src + ".cases ORDER BY id LIMIT 5 OFFSET 10",
		"SELECT id FROM " + e.src + ".cases ORDER BY id LIMIT 10, 5",
	} {
		ids, err := queryInts(ctx, e.db, q)
		if err != nil {
			return "", err
		}
		if fmt.Sprint(ids) != "[11 12 13 14 15]" {
			return "", fmt.Errorf("%s: got %v", q, ids)
		}
	}
	return "ok", nil
}

func queryInts(ctx context.Context, db *sql.DB, q string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}

func caseCoalesce(ctx context.Context, e *compatEnv) (string, error) {
	var want int64
	for i := 1; i <= e.data.n; i++ {
		if !e.data.hasReporter(i) {
			want++
		}
	}
	var got int64
	q := "SELECT COUNT(*) FROM " + e.src + ".cases WHERE COALESCE(reporter, '') = ''"
	if err := e.db.QueryRowContext(ctx, q).Scan(&got); err != nil {
		return "", fmt.Errorf("coalesce: %w", err)
	}
	if got != want {
		return "", fmt.Errorf("coalesce counted %d, want %d", got, want)
	}
	return "ok", nil
}

func caseIntervalFraction(ctx context.Context, e *compatEnv) (string, error) {
	const id = 1 // ts has milliseconds when the step has
	var plus, dateAdd time.Time
	q := "SELECT ts + INTERVAL 1 HOUR, DATE_ADD(ts, INTERVAL 1 HOUR) FROM " + e.src + ".cases WHERE id = ?"
	if err := e.db.QueryRowContext(ctx, q, id).Scan(&plus, &dateAdd); err != nil {
		return "", fmt.Errorf("select: %w", err)
	}
	want := e.data.ts(id).Add(time.Hour)
	if !dateAdd.Equal(want) {
		return "", fmt.Errorf("DATE_ADD gave %v, want %v", dateAdd, want)
	}
	if !plus.Equal(want) {
		return "", fmt.Errorf("ts + INTERVAL gave %v, want %v", plus.Format("15:04:05.000"), want.Format("15:04:05.000"))
	}
	return "ok", nil
}
