package mysqlwire

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/go-sql-driver/mysql"
)

// Stmt is a prepared statement of a Session.
type Stmt struct {
	s      *Session
	id     uint32
	params int
	cols   []Column
}

// Prepare prepares q on the server (COM_STMT_PREPARE).
func (s *Session) Prepare(ctx context.Context, q string) (st *Stmt, err error) {
	if s.dead {
		return nil, errWireDead
	}
	stop := s.watch(ctx)
	defer func() {
		if stop() && err == nil {
			err = ctx.Err()
		}
		if err != nil {
			var me *mysql.MySQLError
			if !errors.As(err, &me) {
				err = s.fail(ctx, err)
			}
		}
	}()
	if err := s.command(append([]byte{comStmtPrepare}, q...)); err != nil {
		return nil, err
	}
	p, err := s.readPacket()
	if err != nil {
		return nil, err
	}
	if len(p) > 0 && p[0] == 0xff {
		return nil, serverError(p)
	}
	if len(p) < 12 || p[0] != 0 {
		return nil, errors.New("malformed prepare response")
	}
	st = &Stmt{s: s, id: binary.LittleEndian.Uint32(p[1:5]), params: int(binary.LittleEndian.Uint16(p[7:9]))}
	ncols := int(binary.LittleEndian.Uint16(p[5:7]))
	if _, err := s.readColumns(st.params); err != nil {
		return nil, err
	}
	if st.cols, err = s.readColumns(ncols); err != nil {
		return nil, err
	}
	return st, nil
}

// Close deallocates the statement (COM_STMT_CLOSE has no response).
func (st *Stmt) Close() error {
	if st.s.dead {
		return nil
	}
	var p [5]byte
	p[0] = comStmtClose
	binary.LittleEndian.PutUint32(p[1:], st.id)
	if err := st.s.command(p[:]); err != nil {
		st.s.dead = true
		return err
	}
	return nil
}

// appendParam appends the type and value of one parameter.
func appendParam(types, vals []byte, v driver.Value) ([]byte, []byte, bool, error) {
	switch x := v.(type) {
	case nil:
		return append(types, TypeNull, 0), vals, true, nil
	case int64:
		return append(types, TypeLongLong, 0), binary.LittleEndian.AppendUint64(vals, uint64(x)), false, nil
	case int:
		return append(types, TypeLongLong, 0), binary.LittleEndian.AppendUint64(vals, uint64(int64(x))), false, nil
	case uint64:
		return append(types, TypeLongLong, 0x80), binary.LittleEndian.AppendUint64(vals, x), false, nil
	case float64:
		return append(types, TypeDouble, 0), binary.LittleEndian.AppendUint64(vals, math.Float64bits(x)), false, nil
	case string:
		return append(types, TypeVarString, 0), AppendLenenc(vals, []byte(x)), false, nil
	case []byte:
		return append(types, TypeVarString, 0), AppendLenenc(vals, x), false, nil
	}
	return types, vals, false, fmt.Errorf("parameter of type %T", v)
}

// Query executes the statement (COM_STMT_EXECUTE) and returns its rows.
func (st *Stmt) Query(ctx context.Context, args []driver.NamedValue) (rows *Rows, err error) {
	s := st.s
	if s.dead {
		return nil, errWireDead
	}
	if len(args) != st.params {
		return nil, fmt.Errorf("statement takes %d parameters, got %d", st.params, len(args))
	}
	cmd := make([]byte, 10, 64)
	cmd[0] = comStmtExecute
	binary.LittleEndian.PutUint32(cmd[1:5], st.id)
	cmd[5] = 0                                  // no cursor
	binary.LittleEndian.PutUint32(cmd[6:10], 1) // iteration count
	if st.params > 0 {
		nulls := make([]byte, (st.params+7)/8)
		var types, vals []byte
		for i, a := range args {
			var null bool
			if types, vals, null, err = appendParam(types, vals, a.Value); err != nil {
				return nil, err
			}
			if null {
				nulls[i/8] |= 1 << (i % 8)
			}
		}
		cmd = append(cmd, nulls...)
		cmd = append(cmd, 1) // new parameters bound
		cmd = append(cmd, types...)
		cmd = append(cmd, vals...)
	}
	stop := s.watch(ctx)
	rows = &Rows{st: st, stop: stop, ctx: ctx}
	fail := func(err error) (*Rows, error) {
		rows.finish()
		var me *mysql.MySQLError
		if errors.As(err, &me) && !s.dead {
			return nil, err
		}
		return nil, s.fail(ctx, err)
	}
	if err := s.command(cmd); err != nil {
		return fail(err)
	}
	p, err := s.readPacket()
	if err != nil {
		return fail(err)
	}
	switch {
	case len(p) == 0:
		return fail(errors.New("empty result packet"))
	case p[0] == 0xff:
		return fail(serverError(p))
	case p[0] == 0x00:
		rows.done = true // no result set
		rows.finish()
		return rows, nil
	}
	ncols, n, ok := lenencInt(p)
	if !ok {
		return fail(errors.New("malformed result header"))
	}
	metaFollows := true
	if s.cacheMeta && len(p) > n {
		metaFollows = p[n] == 1
	}
	rows.cols = st.cols
	if metaFollows {
		if rows.cols, err = s.readColumns(int(ncols)); err != nil {
			return fail(err)
		}
		st.cols = rows.cols
	} else if err := s.skipEOF(); err != nil {
		return fail(err)
	}
	if len(rows.cols) != int(ncols) {
		return fail(fmt.Errorf("result has %d columns, metadata describes %d", ncols, len(rows.cols)))
	}
	return rows, nil
}
