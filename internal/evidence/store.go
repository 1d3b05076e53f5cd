package evidence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Prefixes of the working tables of a load, next to the evidence table.
const (
	rawPrefix   = "__evidence_raw_"
	stagePrefix = "__evidence_stage_"
)

// store replaces the warehouse table schemaName.name with the rows that
// fill adds: the values of cols, batch_id and arrived_at, as text (nil is
// NULL). The rows go into a working table as text (convert checked them
// and put them in canonical form, so the casts cannot fail), are cast
// into a stage table, and the stage table is swapped in place of the old
// one in one transaction. A failed store leaves the old table as it was.
func store(ctx context.Context, db interface {
	Conn(ctx context.Context) (*sql.Conn, error)
}, schemaName, name string, cols []column,
	fill func(add func(row []driver.Value) error) error) (int64, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	sch := warehouse.QuoteIdent(schemaName)
	raw := sch + "." + warehouse.QuoteIdent(rawPrefix+name)
	stage := sch + "." + warehouse.QuoteIdent(stagePrefix+name)
	var def, sel []string
	for i, c := range cols {
		def = append(def, fmt.Sprintf("c%d VARCHAR", i))
		sel = append(sel, fmt.Sprintf("CAST(c%d AS %s) AS %s", i, c.Duck, warehouse.QuoteIdent(c.Name)))
	}
	def = append(def, "batch_id VARCHAR", "arrived_at VARCHAR")
	sel = append(sel, "batch_id", "CAST(arrived_at AS TIMESTAMP) AS arrived_at")
	if err := execAll(ctx, conn,
		"CREATE SCHEMA IF NOT EXISTS "+sch,
		"CREATE OR REPLACE TABLE "+raw+" ("+strings.Join(def, ", ")+")",
	); err != nil {
		return 0, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+raw)
	var n int64
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a DuckDB connection")
		}
		a, err := duckdb.NewAppenderFromConn(c, schemaName, rawPrefix+name)
		if err != nil {
			return fmt.Errorf("append: %w", err)
		}
		err = fill(func(row []driver.Value) error {
			if err := a.AppendRow(row...); err != nil {
				return fmt.Errorf("append: %w", err)
			}
			n++
			if n%65536 == 0 {
				return ctx.Err()
			}
			return nil
		})
		if cerr := a.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("append: %w", cerr)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + stage,
		"CREATE TABLE " + stage + " AS SELECT " + strings.Join(sel, ", ") + " FROM " + raw,
		"DROP TABLE IF EXISTS " + sch + "." + warehouse.QuoteIdent(name),
		"ALTER TABLE " + stage + " RENAME TO " + warehouse.QuoteIdent(name),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("%w\nSQL: %s", err, q)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

func execAll(ctx context.Context, conn *sql.Conn, stmts ...string) error {
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%w\nSQL: %s", err, q)
		}
	}
	return nil
}

// reader is what reads the warehouse.
type reader interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// splitTable splits "schema.table".
func splitTable(qualified string) (string, string) {
	s, t, ok := strings.Cut(qualified, ".")
	if !ok {
		return "main", qualified
	}
	return s, t
}

// tableColumns returns the columns of a warehouse table with their DuckDB
// types, or ErrNoEvidence when it does not exist.
func tableColumns(ctx context.Context, db reader, qualified string) (map[string]string, error) {
	sch, name := splitTable(qualified)
	rows, err := db.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = ? AND table_name = ?`, sch, name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", qualified, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			return nil, fmt.Errorf("read columns of %s: %w", qualified, err)
		}
		out[c] = strings.ToUpper(t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", qualified, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: the table is not in the warehouse", qualified, pipelines.ErrNoEvidence)
	}
	return out, nil
}
