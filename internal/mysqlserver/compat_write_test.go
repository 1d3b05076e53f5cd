package mysqlserver

// Compatibility cases: DDL and writes (CREATE, INSERT, LOAD DATA, UPDATE,
// DELETE, TRUNCATE, DROP).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

func caseCreateDatabases(ctx context.Context, e *compatEnv) (string, error) {
	for _, name := range []string{e.src, e.dst} {
		if _, err := e.db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return "", fmt.Errorf("create database %s: %w", name, err)
		}
	}
	return "ok", nil
}

func caseCreateTables(ctx context.Context, e *compatEnv) (string, error) {
	stmts := []string{
		`CREATE TABLE ` + e.src + `.cases (
			id BIGINT UNSIGNED NOT NULL COMMENT '案件编号',
			case_no VARCHAR(32) NOT NULL COMMENT '案卷号',
			district_id INT NOT NULL COMMENT '区县编号',
			street VARCHAR(64) NULL COMMENT '街道',
			category TINYINT NOT NULL COMMENT '大类',
			status TINYINT NOT NULL DEFAULT 0 COMMENT '状态: 0 上报 1 立案 2 处置 3 结案',
			reporter VARCHAR(64) NULL COMMENT '上报人',
			description TEXT COMMENT '问题描述',
			lng DOUBLE COMMENT '经度',
			lat DOUBLE COMMENT '纬度',
			amount DECIMAL(20,6) COMMENT '金额',
			ts DATETIME(3) NOT NULL COMMENT '上报时间',
			closed_at DATETIME(3) NULL COMMENT '结案时间',
			source VARCHAR(16) NOT NULL COMMENT '来源',
			score DOUBLE NOT NULL DEFAULT 0 COMMENT '评分',
			PRIMARY KEY (id),
			KEY idx_ts (ts),
			KEY idx_district_status (district_id, status)
		) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='城管案件'`,
		// Inline PRIMARY KEY: go-mysql-server keeps the table COMMENT only then.
		`CREATE TABLE ` + e.src + `.districts (
			id INT NOT NULL PRIMARY KEY COMMENT '区县编号',
			name VARCHAR(32) NOT NULL COMMENT '区县名称'
		) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='区县'`,
		`CREATE TABLE ` + e.dst + `.case_summary (
			id BIGINT UNSIGNED NOT NULL COMMENT '案件编号',
			district_name VARCHAR(32) NOT NULL COMMENT '区县名称',
			ts DATETIME(3) NOT NULL COMMENT '上报时间',
			amount DECIMAL(20,6) NULL COMMENT '金额',
			status TINYINT NOT NULL COMMENT '状态',
			reporter VARCHAR(64) NOT NULL COMMENT '上报人',
			PRIMARY KEY (id),
			KEY idx_ts (ts)
		) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
		`CREATE TABLE ` + e.dst + `.loaded (
			id BIGINT UNSIGNED NOT NULL,
			name VARCHAR(64) NOT NULL COMMENT '名称',
			ts DATETIME(3) NOT NULL,
			amount DECIMAL(20,6) NOT NULL,
			note VARCHAR(32) NULL,
			PRIMARY KEY (id)
		) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
	}
	for _, s := range stmts {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return "", fmt.Errorf("create table: %w", err)
		}
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + e.src + ".districts (id, name) VALUES ")
	for i := 1; i <= numDistricts; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "(%d, %s)", i, quote(fmt.Sprintf("区县%02d", i)))
	}
	if _, err := e.db.ExecContext(ctx, b.String()); err != nil {
		return "", fmt.Errorf("insert districts: %w", err)
	}
	return "ok", nil
}

func caseBulkInsert(ctx context.Context, e *compatEnv) (string, error) {
	d := e.data
	head := "INSERT INTO " + e.src + ".cases (id, case_no, district_id, street, category, status, reporter, description, lng, lat, amount, ts, closed_at, source, score) VALUES "
	// Render the statements first: only the server and the driver are timed.
	var stmts []string
	for lo := 1; lo <= d.n; lo += bulkBatch {
		var b strings.Builder
		b.WriteString(head)
		for i := lo; i < lo+bulkBatch && i <= d.n; i++ {
			if i > lo {
				b.WriteByte(',')
			}
			d.rowSQL(&b, i)
		}
		stmts = append(stmts, b.String())
	}
	start := time.Now()
	for k, stmt := range stmts {
		lo := 1 + k*bulkBatch
		res, err := e.db.ExecContext(ctx, stmt)
		if err != nil {
			return "", fmt.Errorf("insert rows from %d: %w", lo, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(min(bulkBatch, d.n-lo+1)) {
			return "", fmt.Errorf("insert rows from %d: rows affected %d, %v", lo, n, err)
		}
	}
	elapsed := time.Since(start)
	var count int64
	if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+e.src+".cases").Scan(&count); err != nil {
		return "", fmt.Errorf("count rows: %w", err)
	}
	if count != int64(d.n) {
		return "", fmt.Errorf("count rows: got %d, want %d", count, d.n)
	}
	rate := float64(d.n) / elapsed.Seconds()
	e.t.Logf("%s: inserted %d rows x 15 columns in %v: %.0f rows/s", e.server, d.n, elapsed.Round(time.Millisecond), rate)
	return fmt.Sprintf("ok (%d rows, %.0f rows/s)", d.n, rate), nil
}

func caseDatetime(ctx context.Context, e *compatEnv) (string, error) {
	id := e.data.n / 3
	var ts time.Time
	var closed sql.NullTime
	q := "SELECT ts, closed_at FROM " + e.src + ".cases WHERE id = ?"
	if err := e.db.QueryRowContext(ctx, q, id).Scan(&ts, &closed); err != nil {
		return "", fmt.Errorf("select ts: %w", err)
	}
	want := e.data.ts(id)
	if !ts.Equal(want) || ts.Location().String() != "Asia/Shanghai" {
		return "", fmt.Errorf("ts: got %v, want %v", ts, want)
	}
	if e.data.status(id) >= 2 && (!closed.Valid || !closed.Time.Equal(want.Add(2*time.Hour))) {
		return "", fmt.Errorf("closed_at: got %v, want %v", closed, want.Add(2*time.Hour))
	}
	var now time.Time
	if err := e.db.QueryRowContext(ctx, "SELECT NOW()").Scan(&now); err != nil {
		return "", fmt.Errorf("select now: %w", err)
	}
	if skew := time.Since(now); skew > 5*time.Minute || skew < -5*time.Minute {
		return "", fmt.Errorf("NOW() = %v read as Asia/Shanghai is %v away from the clock", now, skew)
	}
	var tz string
	if err := e.db.QueryRowContext(ctx, "SELECT @@session.time_zone").Scan(&tz); err != nil {
		return "", fmt.Errorf("select time_zone: %w", err)
	}
	return fmt.Sprintf("ok (ts %s, time_zone %s)", ts.Format("15:04:05.000"), tz), nil
}

func caseSetSession(ctx context.Context, e *compatEnv) (string, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	for _, s := range []string{"SET NAMES utf8mb4", "SET time_zone = '+08:00'"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return "", fmt.Errorf("%s: %w", s, err)
		}
	}
	return "ok", nil
}

func caseUpdate(ctx context.Context, e *compatEnv) (string, error) {
	var want int64
	for i := 1; i <= e.data.n; i++ {
		if e.data.district(i) == 5 && e.data.status(i) == 0 {
			want++
		}
	}
	q := "UPDATE " + e.src + ".cases SET status = 3, closed_at = DATE_ADD(ts, INTERVAL 1 HOUR) WHERE district_id = ? AND status = ?"
	res, err := e.db.ExecContext(ctx, q, 5, 0)
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n != want {
		return "", fmt.Errorf("update changed %d rows (%v), want %d", n, err, want)
	}
	id := 1
	for e.data.district(id) != 5 || e.data.status(id) != 0 {
		id++
	}
	var closed time.Time
	if err := e.db.QueryRowContext(ctx, "SELECT closed_at FROM "+e.src+".cases WHERE id = ?", id).Scan(&closed); err != nil {
		return "", fmt.Errorf("read updated row: %w", err)
	}
	if !closed.Equal(e.data.ts(id).Add(time.Hour)) {
		return "", fmt.Errorf("closed_at of row %d is %v, want %v", id, closed, e.data.ts(id).Add(time.Hour))
	}
	return fmt.Sprintf("ok (%d rows)", n), nil
}

func caseDelete(ctx context.Context, e *compatEnv) (string, error) {
	want := int64(e.data.n / 7)
	res, err := e.db.ExecContext(ctx, "DELETE FROM "+e.src+".cases WHERE id % 7 = 0")
	if err != nil {
		return "", fmt.Errorf("delete: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n != want {
		return "", fmt.Errorf("delete removed %d rows (%v), want %d", n, err, want)
	}
	var left int64
	if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+e.src+".cases").Scan(&left); err != nil {
		return "", fmt.Errorf("count after delete: %w", err)
	}
	if left != int64(e.data.n)-want {
		return "", fmt.Errorf("%d rows left, want %d", left, int64(e.data.n)-want)
	}
	return fmt.Sprintf("ok (%d rows)", n), nil
}

func caseLoadData(ctx context.Context, e *compatEnv) (string, error) {
	name := "pushaudit_compat_" + e.server
	content := "1\t锦江区城管\t2026-11-20 23:15:00.250\t12.500000\t\\N\n" +
		"2\t青羊区 \"巡查\"\t2026-11-20 23:59:59.999\t0.000001\t备注\n" +
		"3\t武侯区\t2026-11-21 00:00:00.000\t99999999999999.999999\t\n"
	mysql.RegisterReaderHandler(name, func() io.Reader { return strings.NewReader(content) })
	defer mysql.DeregisterReaderHandler(name)
	q := "LOAD DATA LOCAL INFILE 'Reader::" + name + "' INTO TABLE " + e.dst + ".loaded " +
		"CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (id, name, ts, amount, note)"
	res, err := e.db.ExecContext(ctx, q)
	if err != nil {
		return "", fmt.Errorf("load data: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 3 {
		return "", fmt.Errorf("load data loaded %d rows (%v), want 3", n, err)
	}
	var nm string
	var ts time.Time
	var amount string
	var note sql.NullString
	err = e.db.QueryRowContext(ctx, "SELECT name, ts, amount, note FROM "+e.dst+".loaded WHERE id = 1").Scan(&nm, &ts, &amount, &note)
	if err != nil {
		return "", fmt.Errorf("read loaded row: %w", err)
	}
	wantTS := time.Date(2026, 11, 20, 23, 15, 0, 250_000_000, e.loc)
	if nm != "锦江区城管" || !ts.Equal(wantTS) || !decimalEqual(amount, "12.5") || note.Valid {
		return "", fmt.Errorf("loaded row 1 = %q %v %s %v", nm, ts, amount, note)
	}
	return "ok", nil
}

func caseDeleteAll(ctx context.Context, e *compatEnv) (string, error) {
	if _, err := e.db.ExecContext(ctx, "DELETE FROM "+e.dst+".loaded"); err != nil {
		return "", fmt.Errorf("delete: %w", err)
	}
	return "ok", nil
}

func casePreparedMultiRowInsert(ctx context.Context, e *compatEnv) (string, error) {
	const rows = 500
	var b strings.Builder
	b.WriteString("INSERT INTO " + e.dst + ".case_summary (id, district_name, ts, amount, status, reporter) VALUES ")
	args := make([]any, 0, rows*6)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, 1_000_000+i, "区县", e.data.from.Add(time.Duration(i)*time.Second), "1.500000", i%4, "网格员")
	}
	for name, db := range map[string]*sql.DB{"prepared": e.db, "interpolated": e.interp} {
		if _, err := e.db.ExecContext(ctx, "DELETE FROM "+e.dst+".case_summary WHERE id >= 0"); err != nil {
			return "", fmt.Errorf("empty case_summary: %w", err)
		}
		res, err := db.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return "", fmt.Errorf("%s insert: %w", name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != rows {
			return "", fmt.Errorf("%s insert: %d rows (%v), want %d", name, n, err, rows)
		}
	}
	var last time.Time
	q := "SELECT ts FROM " + e.dst + ".case_summary WHERE id = ?"
	if err := e.db.QueryRowContext(ctx, q, 1_000_000+rows-1).Scan(&last); err != nil {
		return "", fmt.Errorf("read back: %w", err)
	}
	if want := e.data.from.Add((rows - 1) * time.Second); !last.Equal(want) {
		return "", fmt.Errorf("ts read back %v, want %v", last, want)
	}
	return "ok", nil
}

func caseTruncate(ctx context.Context, e *compatEnv) (string, error) {
	if _, err := e.db.ExecContext(ctx, "TRUNCATE TABLE "+e.dst+".case_summary"); err != nil {
		return "", fmt.Errorf("truncate: %w", err)
	}
	var n int64
	if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+e.dst+".case_summary").Scan(&n); err != nil {
		return "", fmt.Errorf("count: %w", err)
	}
	if n != 0 {
		return "", fmt.Errorf("%d rows left", n)
	}
	return "ok", nil
}

func caseDropDatabase(ctx context.Context, e *compatEnv) (string, error) {
	if _, err := e.db.ExecContext(ctx, "DROP DATABASE "+e.dst); err != nil {
		return "", fmt.Errorf("drop database: %w", err)
	}
	var n int64
	q := "SELECT COUNT(*) FROM information_schema.schemata WHERE SCHEMA_NAME = ?"
	if err := e.db.QueryRowContext(ctx, q, e.dst).Scan(&n); err != nil {
		return "", fmt.Errorf("check schemata: %w", err)
	}
	if n != 0 {
		return "", errors.New("database still listed")
	}
	return "ok", nil
}
