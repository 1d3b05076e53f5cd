package mysqlwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// The tests of wire.go run a Session against a fake MySQL server on
// the other end of a net.Pipe: the server reads the client's command
// packets and answers with packets built by hand.

// Capabilities of a plain go-sql-driver connection to MySQL.
const (
	mysqlCaps    = capMySQL | capProtocol41 | capDeprecateEOF
	mysqlCapsEOF = capMySQL | capProtocol41 // without DEPRECATE_EOF
	mariaCaps    = capProtocol41 | capDeprecateEOF
)

// handshakeResponse is the start of a client handshake response packet
// (sequence seq) with the given capability flags and MariaDB extended
// capabilities, as Conn records it.
func handshakeResponse(seq byte, flags, ext uint32) []byte {
	p := make([]byte, handshakeLen)
	p[0], p[1], p[2], p[3] = 64, 0, 0, seq // the length does not matter
	binary.LittleEndian.PutUint32(p[4:], flags)
	binary.LittleEndian.PutUint32(p[8:], 1<<24) // max packet size
	p[12] = 45                                  // utf8mb4
	binary.LittleEndian.PutUint32(p[4+28:], ext)
	return p
}

// fakeServer is the server end of a wire session.
type fakeServer struct {
	t    *testing.T
	conn net.Conn
}

// readCommand reads one command packet (sequence 0).
func (f *fakeServer) readCommand() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(f.conn, h[:]); err != nil {
		return nil, err
	}
	if h[3] != 0 {
		f.t.Errorf("command packet with sequence %d", h[3])
	}
	p := make([]byte, int(h[0])|int(h[1])<<8|int(h[2])<<16)
	_, err := io.ReadFull(f.conn, p)
	return p, err
}

// expect reads one command and checks that it starts with prefix.
func (f *fakeServer) expect(prefix ...byte) []byte {
	p, err := f.readCommand()
	if err != nil {
		if !closedErr(err) { // else the client ended early; the test says why
			f.t.Errorf("fake server: read command: %v", err)
		}
		return nil
	}
	if !bytes.HasPrefix(p, prefix) {
		f.t.Errorf("fake server: command % x, want prefix % x", p, prefix)
	}
	return p
}

// frame frames payloads as packets numbered from seq.
func frame(seq byte, payloads ...[]byte) []byte {
	var out []byte
	for _, p := range payloads {
		out = append(out, byte(len(p)), byte(len(p)>>8), byte(len(p)>>16), seq)
		out = append(out, p...)
		seq++
	}
	return out
}

// send writes a response (packets numbered from 1) in one write.
func (f *fakeServer) send(payloads ...[]byte) {
	if _, err := f.conn.Write(frame(1, payloads...)); err != nil && !closedErr(err) {
		f.t.Errorf("fake server: write: %v", err)
	}
}

// closedErr reports whether err comes from the test closing the pipe.
func closedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, io.ErrUnexpectedEOF)
}

// startWire returns a session with the given capabilities whose server
// runs script. The test waits for the script when it ends.
func startWire(t *testing.T, flags, ext uint32, script func(f *fakeServer)) *Session {
	t.Helper()
	client, server := net.Pipe()
	wc := &Conn{Conn: client, handshake: handshakeResponse(1, flags, ext), seen: true}
	s := NewSession(wc)
	if s == nil {
		t.Fatalf("NewSession: nil for flags %#x ext %#x", flags, ext)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if script != nil {
			script(&fakeServer{t: t, conn: server})
		}
	}()
	t.Cleanup(func() {
		_ = client.Close()
		_ = server.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("fake server did not finish")
		}
	})
	return s
}

// colDef is a Protocol::ColumnDefinition41 packet.
func colDef(name string, typ byte, flags uint16, decimals byte) []byte {
	var p []byte
	for _, s := range []string{"def", "db", "t", "t", name, name} {
		p = AppendLenenc(p, []byte(s))
	}
	p = append(p, 0x0c, 45, 0) // fixed fields, character set
	p = binary.LittleEndian.AppendUint32(p, 255)
	p = append(p, typ)
	p = binary.LittleEndian.AppendUint16(p, flags)
	return append(p, decimals, 0, 0)
}

func prepareOK(id uint32, cols, params uint16) []byte {
	p := []byte{0}
	p = binary.LittleEndian.AppendUint32(p, id)
	p = binary.LittleEndian.AppendUint16(p, cols)
	p = binary.LittleEndian.AppendUint16(p, params)
	return append(p, 0, 0, 0)
}

// eofPacket is a classic EOF packet.
func eofPacket(warnings, status uint16) []byte {
	p := []byte{0xfe}
	p = binary.LittleEndian.AppendUint16(p, warnings)
	return binary.LittleEndian.AppendUint16(p, status)
}

// okEOF is the OK packet with an 0xfe header that ends a result with
// DEPRECATE_EOF.
func okEOF(status uint16) []byte {
	p := []byte{0xfe, 0, 0}
	p = binary.LittleEndian.AppendUint16(p, status)
	return append(p, 0, 0)
}

// okPacket is a plain OK packet.
func okPacket(status uint16) []byte {
	p := []byte{0x00, 0, 0}
	p = binary.LittleEndian.AppendUint16(p, status)
	return append(p, 0, 0)
}

func errPacket(code uint16, state, msg string) []byte {
	p := []byte{0xff}
	p = binary.LittleEndian.AppendUint16(p, code)
	if state != "" {
		p = append(p, '#')
		p = append(p, state...)
	}
	return append(p, msg...)
}

// intRow is a binary row of one BIGINT column.
func intRow(v int64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{0x00, 0x00}, uint64(v))
}

// terminator ends a result as the session's capabilities say.
func terminator(s *Session, status uint16) []byte {
	if s.deprecateEOF {
		return okEOF(status)
	}
	return eofPacket(0, status)
}

// withEOF appends the EOF packet after definitions, without DEPRECATE_EOF.
func withEOF(deprecateEOF bool, defs ...[]byte) [][]byte {
	if !deprecateEOF && len(defs) > 0 {
		defs = append(defs, eofPacket(0, 2))
	}
	return defs
}

var idCol = colDef("id", TypeLongLong, 0, 0)

// prepareID answers a prepare with a statement of one BIGINT column and
// params parameters.
func (f *fakeServer) prepareID(deprecateEOF bool, id uint32, params int) {
	f.expect(comStmtPrepare)
	resp := [][]byte{prepareOK(id, 1, uint16(params))}
	var defs [][]byte
	for range params {
		defs = append(defs, colDef("?", TypeLongLong, 0, 0))
	}
	resp = append(resp, withEOF(deprecateEOF, defs...)...)
	resp = append(resp, withEOF(deprecateEOF, idCol)...)
	f.send(resp...)
}

// readAll reads every row of rows as the BIGINT of intRow.
func readAll(t *testing.T, rows *Rows) ([]int64, error) {
	t.Helper()
	var got []int64
	for {
		p, err := rows.Next()
		if err != nil {
			return got, err
		}
		if len(p) != 10 {
			t.Fatalf("row % x: want 10 bytes", p)
		}
		got = append(got, int64(binary.LittleEndian.Uint64(p[2:])))
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mustQuery prepares q on s and executes it without parameters.
func mustQuery(t *testing.T, ctx context.Context, s *Session, q string) (*Stmt, *Rows) {
	t.Helper()
	st, err := s.Prepare(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.Query(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, rows
}

// scriptedConn answers every read from a fixed server stream and discards
// writes; at the end of the stream reads fail.
type scriptedConn struct {
	net.Conn
	r *bytes.Reader
}

func (c *scriptedConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *scriptedConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *scriptedConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }
func (c *scriptedConn) Close() error                     { return nil }
