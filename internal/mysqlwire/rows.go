package mysqlwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/go-sql-driver/mysql"
)

// Rows is the binary result set of one execution.
type Rows struct {
	st   *Stmt
	cols []Column
	ctx  context.Context
	stop func() bool
	done bool
}

// Columns describes the columns of the result.
func (r *Rows) Columns() []Column { return r.cols }

// Next returns the payload of the next row (valid until the next call),
// or io.EOF after the last one.
func (r *Rows) Next() ([]byte, error) {
	if r.done {
		return nil, io.EOF
	}
	s := r.st.s
	for {
		p, err := s.readPacket()
		if err != nil {
			r.finish()
			return nil, s.fail(r.ctx, err)
		}
		if len(p) == 0 {
			r.finish()
			return nil, s.fail(r.ctx, errors.New("empty row packet"))
		}
		switch p[0] {
		case 0x00:
			return p, nil
		case 0xff:
			// The result ends with the error; the connection is in step.
			r.done = true
			r.finish()
			return nil, serverError(p)
		case 0xfe:
			more, err := r.terminator(p)
			if err == nil && more {
				// Further results follow (not for a SELECT): read past them.
				err = r.skipResults()
			}
			r.done = true
			r.finish()
			if err != nil {
				var me *mysql.MySQLError
				if errors.As(err, &me) {
					return nil, err
				}
				return nil, s.fail(r.ctx, err)
			}
			return nil, io.EOF
		default:
			r.finish()
			return nil, s.fail(r.ctx, fmt.Errorf("unexpected packet 0x%02x in a binary result", p[0]))
		}
	}
}

// terminator reads the server status of an EOF (or OK with an 0xfe header)
// packet and reports whether more results follow.
func (r *Rows) terminator(p []byte) (bool, error) {
	var status []byte
	if r.st.s.deprecateEOF {
		var err error
		if status, err = okStatus(p); err != nil {
			return false, err
		}
	} else {
		if len(p) < 5 {
			return false, errors.New("malformed EOF packet")
		}
		status = p[3:]
	}
	return binary.LittleEndian.Uint16(status)&statusMoreResults != 0, nil
}

// skipResults reads the further results of a multi-result response, up
// to the last one.
func (r *Rows) skipResults() error {
	s := r.st.s
	for {
		p, err := s.readPacket()
		if err != nil {
			return err
		}
		var status []byte
		switch {
		case len(p) == 0:
			return errors.New("empty result packet")
		case p[0] == 0xff:
			return serverError(p)
		case p[0] == 0x00: // OK: a result without rows
			if status, err = okStatus(p); err != nil {
				return err
			}
		default:
			more, err := r.skipRows(p)
			if err != nil || !more {
				return err
			}
			continue
		}
		if binary.LittleEndian.Uint16(status)&statusMoreResults == 0 {
			return nil
		}
	}
}

// skipRows reads past one result set whose header is p and reports
// whether more results follow it.
func (r *Rows) skipRows(p []byte) (bool, error) {
	s := r.st.s
	ncols, n, ok := lenencInt(p)
	if !ok {
		return false, errors.New("malformed result header")
	}
	if !s.cacheMeta || len(p) <= n || p[n] == 1 {
		if _, err := s.readColumns(int(ncols)); err != nil {
			return false, err
		}
	} else if err := s.skipEOF(); err != nil {
		return false, err
	}
	for {
		p, err := s.readPacket()
		if err != nil {
			return false, err
		}
		if len(p) > 0 && p[0] == 0xfe && len(p) < maxPacket {
			return r.terminator(p)
		}
		if len(p) > 0 && p[0] == 0xff {
			return false, serverError(p)
		}
	}
}

// finish stops watching the context.
func (r *Rows) finish() {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// Close reads the rest of the result, so that the connection is ready for
// the next command.
func (r *Rows) Close() error {
	for !r.done && !r.st.s.dead {
		if _, err := r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
	}
	r.finish()
	return nil
}
