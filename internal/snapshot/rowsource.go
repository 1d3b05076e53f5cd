package snapshot

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
	"github.com/go-sql-driver/mysql"
)

// The read paths: the wire path (internal/mysqlwire, decoded by
// mysqlarrow.Batcher.AddWire) and go-sql-driver's rows (Batcher.Add), behind
// one interface.

// rowSource prepares and runs the statements of one read, on the wire
// path or the driver's.
type rowSource interface {
	prepare(ctx context.Context, q string) (preparedStmt, error)
	// queryOnce runs q once: prepared when the server can, else as a
	// plain query.
	queryOnce(ctx context.Context, q string, args []driver.NamedValue) (rowStream, error)
}

// preparedStmt is a statement prepared on the source.
type preparedStmt interface {
	query(ctx context.Context, args []driver.NamedValue) (rowStream, error)
	close() error
}

// rowStream adds the rows of one result to the batcher.
type rowStream interface {
	// next adds the next row; io.EOF after the last. A value that cannot
	// be loaded is a *batchError.
	next() error
	close() error
}

// batchError is a row the batcher refused (not a failure of the source).
type batchError struct{ err error }

func (e *batchError) Error() string { return e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }

// newRowSource returns the wire path over w when it can be used, else the
// driver's over dc.
func newRowSource(w *mysqlwire.Conn, readTimeout time.Duration, dc any, rd *tableRead) (rowSource, error) {
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("source connection is %T, cannot prepare", dc)
	}
	drv := &driverSource{dc: dc, pc: pc, bat: rd.bat}
	if ws := mysqlwire.NewSession(w); ws != nil {
		ws.ReadTimeout = readTimeout
		rd.path = ReadPathWire
		return &wireSource{s: ws, bat: rd.bat, fallback: drv}, nil
	}
	rd.path = ReadPathDriver
	return drv, nil
}

// driverSource reads through go-sql-driver's driver.Rows.
type driverSource struct {
	dc  any
	pc  driver.ConnPrepareContext
	bat *mysqlarrow.Batcher
}

func (d *driverSource) prepare(ctx context.Context, q string) (preparedStmt, error) {
	st, err := d.pc.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &driverStmt{st: st, bat: d.bat}, nil
}

func (d *driverSource) queryOnce(ctx context.Context, q string, args []driver.NamedValue) (rowStream, error) {
	rows, err := queryBinaryOrText(ctx, d.dc, d.pc, q, args)
	if err != nil {
		return nil, err
	}
	return newDriverRows(rows, d.bat), nil
}

type driverStmt struct {
	st  driver.Stmt
	bat *mysqlarrow.Batcher
}

func (s *driverStmt) query(ctx context.Context, args []driver.NamedValue) (rowStream, error) {
	rows, err := s.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	return newDriverRows(rows, s.bat), nil
}

func (s *driverStmt) close() error { return s.st.Close() }

type driverRows struct {
	rows driver.Rows
	dest []driver.Value
	bat  *mysqlarrow.Batcher
}

func newDriverRows(rows driver.Rows, bat *mysqlarrow.Batcher) *driverRows {
	ncols := len(bat.Columns())
	return &driverRows{rows: rows, bat: bat, dest: make([]driver.Value, ncols)}
}

func (r *driverRows) next() error {
	if err := r.rows.Next(r.dest); err != nil {
		return err
	}
	if err := r.bat.Add(r.dest); err != nil {
		return &batchError{err}
	}
	return nil
}

func (r *driverRows) close() error { return r.rows.Close() }

// wireSource reads on the wire path; a statement the server cannot
// prepare is run through the driver as a plain query.
type wireSource struct {
	s        *mysqlwire.Session
	bat      *mysqlarrow.Batcher
	fallback *driverSource
}

func (w *wireSource) prepare(ctx context.Context, q string) (preparedStmt, error) {
	st, err := w.s.Prepare(ctx, q)
	if err != nil {
		return nil, err
	}
	return &wireStmtRows{st: st, bat: w.bat}, nil
}

func (w *wireSource) queryOnce(ctx context.Context, q string, args []driver.NamedValue) (rowStream, error) {
	st, err := w.s.Prepare(ctx, q)
	if err != nil {
		var me *mysql.MySQLError
		if !errors.As(err, &me) || ctx.Err() != nil {
			return nil, err
		}
		return w.fallback.queryOnce(ctx, q, args)
	}
	rows, err := (&wireStmtRows{st: st, bat: w.bat}).query(ctx, args)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	r := rows.(*wireRowStream)
	r.closeStmt = st
	return r, nil
}

type wireStmtRows struct {
	st   *mysqlwire.Stmt
	bat  *mysqlarrow.Batcher
	plan *mysqlarrow.WirePlan
}

func (s *wireStmtRows) query(ctx context.Context, args []driver.NamedValue) (rowStream, error) {
	rows, err := s.st.Query(ctx, args)
	if err != nil {
		return nil, err
	}
	if s.plan == nil || !s.plan.Fits(rows.Columns()) {
		if s.plan, err = s.bat.PlanWire(rows.Columns()); err != nil {
			_ = rows.Close()
			return nil, err
		}
	}
	return &wireRowStream{rows: rows, plan: s.plan, bat: s.bat}, nil
}

func (s *wireStmtRows) close() error { return s.st.Close() }

type wireRowStream struct {
	rows      *mysqlwire.Rows
	plan      *mysqlarrow.WirePlan
	bat       *mysqlarrow.Batcher
	closeStmt *mysqlwire.Stmt // a one-off statement, closed with the rows
}

func (r *wireRowStream) next() error {
	p, err := r.rows.Next()
	if err != nil {
		return err
	}
	if err := r.bat.AddWire(r.plan, p); err != nil {
		return &batchError{err}
	}
	return nil
}

func (r *wireRowStream) close() error {
	err := r.rows.Close()
	if r.closeStmt != nil {
		err = errors.Join(err, r.closeStmt.Close())
	}
	return err
}

// queryBinaryOrText runs q as a prepared statement (binary protocol), or,
// when the server cannot prepare it, as a plain query (text protocol).
func queryBinaryOrText(ctx context.Context, dc any, pc driver.ConnPrepareContext, q string, args []driver.NamedValue) (driver.Rows, error) {
	stmt, err := pc.PrepareContext(ctx, q)
	if err != nil {
		qc, ok := dc.(driver.QueryerContext)
		if !ok || ctx.Err() != nil {
			return nil, err
		}
		rows, qerr := qc.QueryContext(ctx, q, args)
		if qerr != nil {
			return nil, errors.Join(err, qerr)
		}
		return rows, nil
	}
	rows, err := stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		_ = stmt.Close()
		return nil, err
	}
	return &stmtRows{Rows: rows, stmt: stmt}, nil
}

// stmtRows closes its statement with the rows.
type stmtRows struct {
	driver.Rows
	stmt driver.Stmt
}

func (r *stmtRows) Close() error {
	err := r.Rows.Close()
	return errors.Join(err, r.stmt.Close())
}
