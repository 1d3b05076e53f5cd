package mysqlserver

// Compatibility cases: read-only sessions and transactions, consistent
// snapshots, server variables and replication status.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// refusedWrite runs an INSERT that must fail because the transaction is read only.
func refusedWrite(ctx context.Context, e *compatEnv, x interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) (string, error) {
	_, err := x.ExecContext(ctx, "INSERT INTO "+e.dst+".loaded (id, name, ts, amount) VALUES (100, 'ro', '2026-11-20 00:00:00', 1)")
	if err == nil {
		_, _ = e.db.ExecContext(ctx, "DELETE FROM "+e.dst+".loaded WHERE id = 100")
		return "", errors.New("the write was accepted")
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Sprintf("ok (write refused: %d)", me.Number), nil
	}
	return fmt.Sprintf("ok (write refused: %v)", err), nil
}

func caseSessionReadOnly(ctx context.Context, e *compatEnv) (string, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
		return "", fmt.Errorf("set read only: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(ctx, "SET SESSION TRANSACTION READ WRITE") }()
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+e.src+".districts").Scan(&n); err != nil {
		return "", fmt.Errorf("read in read-only session: %w", err)
	}
	return refusedWrite(ctx, e, conn)
}

func caseStartReadOnly(ctx context.Context, e *compatEnv) (string, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "START TRANSACTION READ ONLY"); err != nil {
		return "", fmt.Errorf("start transaction read only: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(ctx, "ROLLBACK") }()
	return refusedWrite(ctx, e, conn)
}

func caseBeginTxReadOnly(ctx context.Context, e *compatEnv) (string, error) {
	tx, err := e.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", fmt.Errorf("begin read-only tx: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+e.src+".cases").Scan(&n); err != nil {
		return "", fmt.Errorf("read in read-only tx: %w", err)
	}
	return refusedWrite(ctx, e, tx)
}

func snapshot(ctx context.Context, e *compatEnv, start string) (string, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, start); err != nil {
		return "", fmt.Errorf("start transaction: %w", err)
	}
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+e.src+".cases").Scan(&n); err != nil {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		return "", fmt.Errorf("read in snapshot: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	return "ok", nil
}

func caseConsistentSnapshot(ctx context.Context, e *compatEnv) (string, error) {
	return snapshot(ctx, e, "START TRANSACTION WITH CONSISTENT SNAPSHOT")
}

func caseConsistentSnapshotReadOnly(ctx context.Context, e *compatEnv) (string, error) {
	return snapshot(ctx, e, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
}

func caseReadOnlyVersion(ctx context.Context, e *compatEnv) (string, error) {
	var ro int64
	var version string
	if err := e.db.QueryRowContext(ctx, "SELECT @@read_only, @@version").Scan(&ro, &version); err != nil {
		return "", fmt.Errorf("select: %w", err)
	}
	return fmt.Sprintf("ok (read_only=%d version=%s)", ro, version), nil
}

func caseGtidExecuted(ctx context.Context, e *compatEnv) (string, error) {
	var v sql.NullString
	if err := e.db.QueryRowContext(ctx, "SELECT @@gtid_executed").Scan(&v); err != nil {
		return "", fmt.Errorf("select: %w", err)
	}
	return fmt.Sprintf("ok (%q)", v.String), nil
}

func caseGtidMariaDB(ctx context.Context, e *compatEnv) (string, error) {
	var a, b sql.NullString
	if err := e.db.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos, @@gtid_current_pos").Scan(&a, &b); err != nil {
		return "", fmt.Errorf("select: %w", err)
	}
	return fmt.Sprintf("ok (%q, %q)", a.String, b.String), nil
}

// showCase runs a SHOW statement and reports its column and row counts.
func showCase(stmt string) func(context.Context, *compatEnv) (string, error) {
	return func(ctx context.Context, e *compatEnv) (string, error) {
		cols, rows, err := queryStrings(ctx, e.db, stmt)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("ok (%d columns, %d rows)", len(cols), len(rows)), nil
	}
}
