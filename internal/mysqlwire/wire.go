package snapshot

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The wire path: table rows are read off the source connection's socket
// and decoded from the binary protocol straight into Arrow builders
// (wirebatch.go), instead of through go-sql-driver's driver.Rows, which
// boxes every value in an interface and formats every date as text. On a
// 1,000,000-row case table that halves the CPU the snapshot process spends
// reading.
//
// go-sql-driver still owns the connection: it connects, authenticates and
// runs every other statement. The snapshot dials the socket itself
// (mysql.Config.DialFunc), so it holds the same net.Conn, and uses it only
// inside sql.Conn.Raw, while the driver is idle between two commands and
// nothing is left unread on the socket: a command's response is read to
// its end before Raw returns. Sequence numbers restart with every command,
// so the driver's next command is unaffected.
//
// The path needs a plain connection: with TLS or protocol compression the
// bytes on the socket are not packets, and the driver's path is used. The
// client's handshake response, seen as it is written, says which
// capabilities were agreed (TLS, compression, DEPRECATE_EOF and MariaDB's
// cached result metadata).

// Capability flags of the MySQL protocol.
const (
	capProtocol41   = 1 << 9
	capSSL          = 1 << 11
	capCompress     = 1 << 5
	capMySQL        = 1 << 0 // unset by a MariaDB client: extended capabilities follow
	capDeprecateEOF = 1 << 24
	// MariaDB extended capability: result metadata is sent only when it changed.
	capExtCacheMetadata = 1 << 4
)

// Commands, field types and flags of the protocol.
const (
	comStmtPrepare = 0x16
	comStmtExecute = 0x17
	comStmtClose   = 0x19

	typeDecimal    = 0x00
	typeTiny       = 0x01
	typeShort      = 0x02
	typeLong       = 0x03
	typeFloat      = 0x04
	typeDouble     = 0x05
	typeNull       = 0x06
	typeTimestamp  = 0x07
	typeLongLong   = 0x08
	typeInt24      = 0x09
	typeDate       = 0x0a
	typeTime       = 0x0b
	typeDateTime   = 0x0c
	typeYear       = 0x0d
	typeNewDate    = 0x0e
	typeVarChar    = 0x0f
	typeBit        = 0x10
	typeVector     = 0xf2
	typeJSON       = 0xf5
	typeNewDecimal = 0xf6
	typeEnum       = 0xf7
	typeSet        = 0xf8
	typeTinyBlob   = 0xf9
	typeMediumBlob = 0xfa
	typeLongBlob   = 0xfb
	typeBlob       = 0xfc
	typeVarString  = 0xfd
	typeString     = 0xfe
	typeGeometry   = 0xff

	flagUnsigned = 0x20

	statusMoreResults = 0x0008

	maxPacket = 1<<24 - 1
)

// wireConn is the source connection's socket, as dialed for the driver. It
// watches the client's handshake response go by.
type wireConn struct {
	net.Conn

	mu        sync.Mutex
	handshake []byte // the start of the first packet the client wrote
	seen      bool   // handshake holds enough of it
}

// handshakeLen is what wireConn keeps of the client's handshake response:
// header (4), capability flags (4), max packet size (4), character set
// (1), filler (19), MariaDB's extended capabilities (4).
const handshakeLen = 4 + 32

func (w *wireConn) Write(p []byte) (int, error) {
	w.mu.Lock()
	if !w.seen {
		n := min(handshakeLen-len(w.handshake), len(p))
		w.handshake = append(w.handshake, p[:n]...)
		w.seen = len(w.handshake) == handshakeLen
	}
	w.mu.Unlock()
	return w.Conn.Write(p)
}

// caps returns the agreed capability flags, from the client's handshake
// response; ok is false when it was not seen or the connection is not
// plain (TLS, compression).
func (w *wireConn) caps() (flags, ext uint32, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen || w.handshake[3] != 1 { // the response is packet 1 of the handshake
		return 0, 0, false
	}
	p := w.handshake[4:]
	flags = binary.LittleEndian.Uint32(p[0:4])
	if flags&capMySQL == 0 {
		ext = binary.LittleEndian.Uint32(p[28:32])
	}
	if flags&(capSSL|capCompress) != 0 || flags&capProtocol41 == 0 {
		return flags, ext, false
	}
	return flags, ext, true
}

// dialer returns the DialFunc that records the connection it makes in *dst.
func dialer(dst **wireConn) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		w := &wireConn{Conn: c}
		*dst = w
		return w, nil
	}
}

// wireSession runs commands on a wireConn while the driver is idle.
type wireSession struct {
	c            *wireConn
	deprecateEOF bool
	cacheMeta    bool

	buf  []byte // read buffer: buf[r:w] is unread
	r, w int
	big  []byte // a payload spread over several packets
	seq  byte
	out  []byte // a command being written
	dead bool   // the connection is broken or desynchronized

	readTimeout time.Duration // the DSN's readTimeout; 0 for none
	canceled    atomic.Bool   // the context of the current command ended
}

// newWireSession returns a session on c, or nil when c is not usable for
// the wire path.
func newWireSession(c *wireConn) *wireSession {
	if c == nil {
		return nil
	}
	flags, ext, ok := c.caps()
	if !ok {
		return nil
	}
	return &wireSession{
		c:            c,
		deprecateEOF: flags&capDeprecateEOF != 0,
		cacheMeta:    ext&capExtCacheMetadata != 0,
		buf:          make([]byte, 256<<10),
	}
}

// errWireDead is returned once a session lost its place in the stream.
var errWireDead = errors.New("source connection broken by an earlier error")

// watch makes reads and writes fail when ctx ends; the returned function
// stops watching and reports whether ctx ended meanwhile.
func (s *wireSession) watch(ctx context.Context) func() bool {
	s.canceled.Store(false)
	stop := context.AfterFunc(ctx, func() {
		s.canceled.Store(true)
		_ = s.c.SetDeadline(time.Now())
	})
	return func() bool {
		if !stop() {
			_ = s.c.SetDeadline(time.Time{})
			return true
		}
		return false
	}
}

// fail marks the session broken and returns err (ctx's error when ctx
// ended, which is why the socket failed).
func (s *wireSession) fail(ctx context.Context, err error) error {
	s.dead = true
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// fill reads until at least n bytes are unread.
func (s *wireSession) fill(n int) error {
	if s.w-s.r >= n {
		return nil
	}
	if n > len(s.buf) {
		nb := make([]byte, max(n, 2*len(s.buf)))
		s.w = copy(nb, s.buf[s.r:s.w])
		s.buf, s.r = nb, 0
	} else if s.r+n > len(s.buf) {
		s.w = copy(s.buf, s.buf[s.r:s.w])
		s.r = 0
	}
	for s.w-s.r < n {
		if s.readTimeout > 0 {
			// The DSN's readTimeout, as the driver applies it; a
			// cancellation that came meanwhile keeps its deadline.
			_ = s.c.SetReadDeadline(time.Now().Add(s.readTimeout))
			if s.canceled.Load() {
				_ = s.c.SetDeadline(time.Now())
			}
		}
		m, err := s.c.Conn.Read(s.buf[s.w:])
		s.w += m
		if err != nil {
			if s.w-s.r >= n {
				return nil
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readPacket returns the next payload; it is valid until the next call.
func (s *wireSession) readPacket() ([]byte, error) {
	var payload []byte
	for {
		if err := s.fill(4); err != nil {
			return nil, err
		}
		h := s.buf[s.r : s.r+4]
		n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
		if h[3] != s.seq {
			return nil, fmt.Errorf("packet out of order: sequence %d, expected %d", h[3], s.seq)
		}
		s.seq++
		s.r += 4
		if err := s.fill(n); err != nil {
			return nil, err
		}
		p := s.buf[s.r : s.r+n]
		s.r += n
		if n < maxPacket && payload == nil {
			return p, nil
		}
		if payload == nil {
			payload = s.big[:0]
		}
		payload = append(payload, p...)
		if n < maxPacket {
			s.big = payload
			return payload, nil
		}
	}
}

// command writes one command packet (payload under 16 MiB).
func (s *wireSession) command(payload []byte) error {
	if len(payload) >= maxPacket {
		return fmt.Errorf("command of %d bytes: too long", len(payload))
	}
	s.out = append(s.out[:0], byte(len(payload)), byte(len(payload)>>8), byte(len(payload)>>16), 0)
	s.out = append(s.out, payload...)
	s.seq = 1
	_, err := s.c.Conn.Write(s.out)
	return err
}

// serverError turns an ERR packet into the driver's error type.
func serverError(p []byte) error {
	if len(p) < 3 || p[0] != 0xff {
		return fmt.Errorf("malformed error packet")
	}
	e := &mysql.MySQLError{Number: binary.LittleEndian.Uint16(p[1:3])}
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		copy(e.SQLState[:], msg[1:6])
		msg = msg[6:]
	}
	e.Message = string(msg)
	return e
}

// wireCol is one column of a result as the server describes it.
type wireCol struct {
	name     string
	typ      byte
	flags    uint16
	decimals byte
}

// parseColumn reads a column definition packet (Protocol::ColumnDefinition41).
func parseColumn(p []byte) (wireCol, error) {
	var c wireCol
	pos := 0
	for i := range 6 { // catalog, schema, table, org_table, name, org_name
		s, n, ok := lenencBytes(p[pos:])
		if !ok {
			return c, errors.New("malformed column definition")
		}
		if i == 4 {
			c.name = string(s)
		}
		pos += n
	}
	_, n, ok := lenencInt(p[pos:]) // length of the fixed fields, 0x0c
	pos += n
	if !ok || len(p) < pos+10 {
		return c, errors.New("malformed column definition")
	}
	// character set (2), column length (4), type (1), flags (2), decimals (1)
	c.typ = p[pos+6]
	c.flags = binary.LittleEndian.Uint16(p[pos+7 : pos+9])
	c.decimals = p[pos+9]
	return c, nil
}

// lenencInt reads a length-encoded integer; ok is false for NULL (0xfb) or
// a short buffer.
func lenencInt(b []byte) (v uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	switch b[0] {
	case 0xfb:
		return 0, 1, false
	case 0xfc:
		if len(b) < 3 {
			return 0, 0, false
		}
		return uint64(binary.LittleEndian.Uint16(b[1:])), 3, true
	case 0xfd:
		if len(b) < 4 {
			return 0, 0, false
		}
		return uint64(b[1]) | uint64(b[2])<<8 | uint64(b[3])<<16, 4, true
	case 0xfe:
		if len(b) < 9 {
			return 0, 0, false
		}
		return binary.LittleEndian.Uint64(b[1:]), 9, true
	}
	return uint64(b[0]), 1, true
}

// lenencBytes reads a length-encoded string.
func lenencBytes(b []byte) ([]byte, int, bool) {
	l, n, ok := lenencInt(b)
	if !ok || uint64(len(b)-n) < l {
		return nil, n, false
	}
	return b[n : n+int(l)], n + int(l), true
}

// readColumns reads n column definitions and, without DEPRECATE_EOF, the
// EOF packet after them.
func (s *wireSession) readColumns(n int) ([]wireCol, error) {
	cols := make([]wireCol, n)
	for i := range cols {
		p, err := s.readPacket()
		if err != nil {
			return nil, err
		}
		if len(p) > 0 && p[0] == 0xff {
			return nil, serverError(p)
		}
		if cols[i], err = parseColumn(p); err != nil {
			return nil, err
		}
	}
	if n > 0 {
		if err := s.skipEOF(); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// skipEOF reads the EOF packet that ends column definitions (sent even
// when cached metadata is not resent) unless DEPRECATE_EOF was agreed.
func (s *wireSession) skipEOF() error {
	if s.deprecateEOF {
		return nil
	}
	p, err := s.readPacket()
	if err != nil {
		return err
	}
	if len(p) == 0 || p[0] != 0xfe || len(p) >= 9 {
		return errors.New("expected an EOF packet after the column definitions")
	}
	return nil
}

// wireStmt is a prepared statement of a wireSession.
type wireStmt struct {
	s      *wireSession
	id     uint32
	params int
	cols   []wireCol
}

// prepare prepares q on the server (COM_STMT_PREPARE).
func (s *wireSession) prepare(ctx context.Context, q string) (st *wireStmt, err error) {
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
	st = &wireStmt{s: s, id: binary.LittleEndian.Uint32(p[1:5]), params: int(binary.LittleEndian.Uint16(p[7:9]))}
	ncols := int(binary.LittleEndian.Uint16(p[5:7]))
	if _, err := s.readColumns(st.params); err != nil {
		return nil, err
	}
	if st.cols, err = s.readColumns(ncols); err != nil {
		return nil, err
	}
	return st, nil
}

// close deallocates the statement (COM_STMT_CLOSE has no response).
func (st *wireStmt) close() error {
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
		return append(types, typeNull, 0), vals, true, nil
	case int64:
		return append(types, typeLongLong, 0), binary.LittleEndian.AppendUint64(vals, uint64(x)), false, nil
	case int:
		return append(types, typeLongLong, 0), binary.LittleEndian.AppendUint64(vals, uint64(int64(x))), false, nil
	case uint64:
		return append(types, typeLongLong, 0x80), binary.LittleEndian.AppendUint64(vals, x), false, nil
	case float64:
		return append(types, typeDouble, 0), binary.LittleEndian.AppendUint64(vals, math.Float64bits(x)), false, nil
	case string:
		return append(types, typeVarString, 0), appendLenenc(vals, []byte(x)), false, nil
	case []byte:
		return append(types, typeVarString, 0), appendLenenc(vals, x), false, nil
	}
	return types, vals, false, fmt.Errorf("parameter of type %T", v)
}

func appendLenenc(b, s []byte) []byte {
	n := uint64(len(s))
	switch {
	case n < 251:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 0xfc, byte(n), byte(n>>8))
	case n < 1<<24:
		b = append(b, 0xfd, byte(n), byte(n>>8), byte(n>>16))
	default:
		b = append(b, 0xfe)
		b = binary.LittleEndian.AppendUint64(b, n)
	}
	return append(b, s...)
}

// query executes the statement (COM_STMT_EXECUTE) and returns its rows.
func (st *wireStmt) query(ctx context.Context, args []driver.NamedValue) (rows *wireRows, err error) {
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
	rows = &wireRows{st: st, stop: stop, ctx: ctx}
	fail := func(err error) (*wireRows, error) {
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

// wireRows is the binary result set of one execution.
type wireRows struct {
	st   *wireStmt
	cols []wireCol
	ctx  context.Context
	stop func() bool
	done bool
}

// next returns the payload of the next row (valid until the next call),
// or io.EOF after the last one.
func (r *wireRows) next() ([]byte, error) {
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
func (r *wireRows) terminator(p []byte) (bool, error) {
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

// okStatus returns an OK packet p from its status flags on, past the
// header, affected rows and last insert id.
func okStatus(p []byte) ([]byte, error) {
	_, n, ok := lenencInt(p[1:])
	if !ok {
		return nil, errors.New("malformed OK packet")
	}
	_, m, ok := lenencInt(p[1+n:])
	if !ok || len(p) < 1+n+m+2 {
		return nil, errors.New("malformed OK packet")
	}
	return p[1+n+m:], nil
}

// skipResults reads the further results of a multi-result response, up
// to the last one.
func (r *wireRows) skipResults() error {
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
func (r *wireRows) skipRows(p []byte) (bool, error) {
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
func (r *wireRows) finish() {
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
}

// close reads the rest of the result, so that the connection is ready for
// the next command.
func (r *wireRows) close() error {
	for !r.done && !r.st.s.dead {
		if _, err := r.next(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
	}
	r.finish()
	return nil
}
