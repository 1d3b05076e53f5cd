package snapshot

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The tests of wire.go run a wireSession against a fake MySQL server on
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
// capabilities, as wireConn records it.
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
func startWire(t *testing.T, flags, ext uint32, script func(f *fakeServer)) *wireSession {
	t.Helper()
	client, server := net.Pipe()
	wc := &wireConn{Conn: client, handshake: handshakeResponse(1, flags, ext), seen: true}
	s := newWireSession(wc)
	if s == nil {
		t.Fatalf("newWireSession: nil for flags %#x ext %#x", flags, ext)
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
		p = appendLenenc(p, []byte(s))
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
func terminator(s *wireSession, status uint16) []byte {
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

var idCol = colDef("id", typeLongLong, 0, 0)

// prepareID answers a prepare with a statement of one BIGINT column and
// params parameters.
func (f *fakeServer) prepareID(deprecateEOF bool, id uint32, params int) {
	f.expect(comStmtPrepare)
	resp := [][]byte{prepareOK(id, 1, uint16(params))}
	var defs [][]byte
	for range params {
		defs = append(defs, colDef("?", typeLongLong, 0, 0))
	}
	resp = append(resp, withEOF(deprecateEOF, defs...)...)
	resp = append(resp, withEOF(deprecateEOF, idCol)...)
	f.send(resp...)
}

// readAll reads every row of rows as the BIGINT of intRow.
func readAll(t *testing.T, rows *wireRows) ([]int64, error) {
	t.Helper()
	var got []int64
	for {
		p, err := rows.next()
		if err != nil {
			return got, err
		}
		if len(p) != 10 {
			t.Fatalf("row % x: want 10 bytes", p)
		}
		got = append(got, int64(binary.LittleEndian.Uint64(p[2:])))
	}
}

func TestWireSession_Capabilities(t *testing.T) {
	tests := []struct {
		name      string
		conn      *wireConn
		ok        bool
		deprecate bool
		cacheMeta bool
	}{
		{"mysql", &wireConn{handshake: handshakeResponse(1, mysqlCaps, 0), seen: true}, true, true, false},
		{"mysql without deprecate EOF", &wireConn{handshake: handshakeResponse(1, mysqlCapsEOF, 0), seen: true}, true, false, false},
		{"mysql ignores the filler", &wireConn{handshake: handshakeResponse(1, mysqlCaps, capExtCacheMetadata), seen: true}, true, true, false},
		{"mariadb", &wireConn{handshake: handshakeResponse(1, mariaCaps, 0), seen: true}, true, true, false},
		{"mariadb cache metadata", &wireConn{handshake: handshakeResponse(1, mariaCaps, capExtCacheMetadata|1), seen: true}, true, true, true},
		{"ssl", &wireConn{handshake: handshakeResponse(1, mysqlCaps|capSSL, 0), seen: true}, false, false, false},
		{"compress", &wireConn{handshake: handshakeResponse(1, mysqlCaps|capCompress, 0), seen: true}, false, false, false},
		{"no protocol 41", &wireConn{handshake: handshakeResponse(1, mysqlCaps&^capProtocol41, 0), seen: true}, false, false, false},
		{"not seen", &wireConn{}, false, false, false},
		{"partly seen", &wireConn{handshake: handshakeResponse(1, mysqlCaps, 0)[:20]}, false, false, false},
		{"not packet 1", &wireConn{handshake: handshakeResponse(0, mysqlCaps, 0), seen: true}, false, false, false},
		{"nil", nil, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newWireSession(tc.conn)
			if (s != nil) != tc.ok {
				t.Fatalf("newWireSession: got %v, want usable %v", s, tc.ok)
			}
			if s == nil {
				return
			}
			if s.deprecateEOF != tc.deprecate || s.cacheMeta != tc.cacheMeta {
				t.Errorf("deprecateEOF %v cacheMeta %v, want %v %v", s.deprecateEOF, s.cacheMeta, tc.deprecate, tc.cacheMeta)
			}
		})
	}
}

// TestWireConn_RecordsHandshake writes a handshake response through a
// wireConn in pieces, as the driver would, followed by more traffic.
func TestWireConn_RecordsHandshake(t *testing.T) {
	for _, split := range []int{1, 5, 35, 36, 37, 200} {
		client, server := net.Pipe()
		w := &wireConn{Conn: client}
		go func() { _, _ = io.Copy(io.Discard, server) }()
		msg := append(handshakeResponse(1, mariaCaps, capExtCacheMetadata), bytes.Repeat([]byte{'x'}, 100)...)
		for p := msg; len(p) > 0; {
			n := min(split, len(p))
			if _, err := w.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		_, _ = w.Write([]byte{1, 2, 3}) // a later command
		s := newWireSession(w)
		if s == nil || !s.deprecateEOF || !s.cacheMeta {
			t.Errorf("split %d: session %+v", split, s)
		}
		if !bytes.Equal(w.handshake, msg[:handshakeLen]) {
			t.Errorf("split %d: recorded % x", split, w.handshake)
		}
		client.Close()
		server.Close()
	}
}

func TestWirePrepare(t *testing.T) {
	for _, deprecate := range []bool{true, false} {
		flags := uint32(mysqlCaps)
		if !deprecate {
			flags = mysqlCapsEOF
		}
		t.Run(map[bool]string{true: "deprecate EOF", false: "EOF packets"}[deprecate], func(t *testing.T) {
			const q = "SELECT a, b, c FROM t WHERE a > ? AND a <= ?"
			s := startWire(t, flags, 0, func(f *fakeServer) {
				p := f.expect(comStmtPrepare)
				if string(p[1:]) != q {
					f.t.Errorf("prepared %q", p[1:])
				}
				resp := [][]byte{prepareOK(0x01020304, 3, 2)}
				resp = append(resp, withEOF(deprecate, colDef("?", typeLongLong, 0, 0), colDef("?", typeLongLong, 0, 0))...)
				resp = append(resp, withEOF(deprecate,
					colDef("a", typeLongLong, flagUnsigned|3, 0),
					colDef("b", typeVarString, 0, 0),
					colDef("c", typeDateTime, 0x80, 6))...)
				f.send(resp...)
				// a statement without parameters or columns
				f.expect(comStmtPrepare)
				f.send(prepareOK(9, 0, 0))
			})
			st, err := s.prepare(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			want := []wireCol{
				{name: "a", typ: typeLongLong, flags: flagUnsigned | 3},
				{name: "b", typ: typeVarString},
				{name: "c", typ: typeDateTime, flags: 0x80, decimals: 6},
			}
			if st.id != 0x01020304 || st.params != 2 || len(st.cols) != 3 {
				t.Fatalf("statement id %#x params %d cols %d", st.id, st.params, len(st.cols))
			}
			for i := range want {
				if st.cols[i] != want[i] {
					t.Errorf("column %d: %+v, want %+v", i, st.cols[i], want[i])
				}
			}
			st2, err := s.prepare(context.Background(), "DO 1")
			if err != nil {
				t.Fatal(err)
			}
			if st2.id != 9 || st2.params != 0 || len(st2.cols) != 0 {
				t.Errorf("second statement %+v", st2)
			}
		})
	}
}

func TestWireQuery_Rows(t *testing.T) {
	tests := []struct {
		name  string
		flags uint32
		ext   uint32
		term  []byte
	}{
		{"EOF packet", mysqlCapsEOF, 0, eofPacket(3, 0x0022)},
		{"OK packet with 0xfe header", mysqlCaps, 0, okEOF(0x0022)},
		{"OK packet with long lenenc fields", mysqlCaps, 0, append([]byte{0xfe, 0xfc, 0x10, 0x27, 0xfd, 1, 2, 3, 0x22, 0, 1, 0}, "info"...)},
		{"mariadb cache metadata", mariaCaps, capExtCacheMetadata, okEOF(0x0002)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			deprecate := tc.flags&capDeprecateEOF != 0
			header := []byte{1}
			if tc.ext&capExtCacheMetadata != 0 {
				header = []byte{1, 1} // metadata follows
			}
			s := startWire(t, tc.flags, tc.ext, func(f *fakeServer) {
				f.prepareID(deprecate, 1, 0)
				for range 2 {
					f.expect(comStmtExecute, 1, 0, 0, 0)
					resp := [][]byte{header}
					resp = append(resp, withEOF(deprecate, idCol)...)
					resp = append(resp, intRow(1), intRow(-2), intRow(math.MaxInt64), tc.term)
					f.send(resp...)
				}
			})
			ctx := context.Background()
			st, err := s.prepare(ctx, "SELECT id FROM t")
			if err != nil {
				t.Fatal(err)
			}
			for run := range 2 { // the session is ready for the next command
				rows, err := st.query(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows.cols) != 1 || rows.cols[0].name != "id" {
					t.Errorf("columns %+v", rows.cols)
				}
				got, err := readAll(t, rows)
				if !errors.Is(err, io.EOF) {
					t.Fatalf("run %d: after %v: %v, want io.EOF", run, got, err)
				}
				if want := []int64{1, -2, math.MaxInt64}; !equalInts(got, want) {
					t.Errorf("run %d: rows %v, want %v", run, got, want)
				}
				if _, err := rows.next(); !errors.Is(err, io.EOF) {
					t.Errorf("next after the end: %v", err)
				}
				if err := rows.close(); err != nil {
					t.Errorf("close: %v", err)
				}
				if s.dead {
					t.Fatal("session dead")
				}
			}
		})
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

// TestWireQuery_CacheMetadata: with MariaDB's cached metadata, a column
// count packet says whether the column definitions follow.
func TestWireQuery_CacheMetadata(t *testing.T) {
	s := startWire(t, mariaCaps, capExtCacheMetadata, func(f *fakeServer) {
		f.prepareID(true, 5, 0)
		// metadata unchanged: no definitions
		f.expect(comStmtExecute, 5)
		f.send([]byte{1, 0}, intRow(7), okEOF(2))
		// metadata changed: definitions follow and are kept
		f.expect(comStmtExecute, 5)
		f.send([]byte{1, 1}, colDef("renamed", typeLongLong, flagUnsigned, 0), intRow(8), okEOF(2))
		f.expect(comStmtExecute, 5)
		f.send([]byte{1, 0}, intRow(9), okEOF(2))
		// a column count that disagrees with the cached metadata
		f.expect(comStmtExecute, 5)
		f.send([]byte{2, 0}, intRow(9), okEOF(2))
	})
	ctx := context.Background()
	st, err := s.prepare(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		col string
		row int64
	}{{"id", 7}, {"renamed", 8}, {"renamed", 9}} {
		rows, err := st.query(ctx, nil)
		if err != nil {
			t.Fatalf("execution %d: %v", i, err)
		}
		if len(rows.cols) != 1 || rows.cols[0].name != want.col {
			t.Errorf("execution %d: columns %+v, want %s", i, rows.cols, want.col)
		}
		got, err := readAll(t, rows)
		if !errors.Is(err, io.EOF) || !equalInts(got, []int64{want.row}) {
			t.Errorf("execution %d: rows %v, %v", i, got, err)
		}
	}
	if _, err := st.query(ctx, nil); err == nil || !strings.Contains(err.Error(), "2 columns") {
		t.Errorf("column count mismatch: %v", err)
	}
	if !s.dead {
		t.Error("session not dead after a desynchronized result")
	}
}

// TestWireQuery_CacheMetadataEOF: without DEPRECATE_EOF an EOF packet
// follows the column count even when the definitions are left out
// (MariaDB's "Result Set Packets"; go-sql-driver's query calls skipEof).
func TestWireQuery_CacheMetadataEOF(t *testing.T) {
	s := startWire(t, mariaCaps&^capDeprecateEOF, capExtCacheMetadata, func(f *fakeServer) {
		f.prepareID(false, 5, 0)
		f.expect(comStmtExecute, 5)
		f.send([]byte{1, 0}, eofPacket(0, 2), intRow(7), intRow(8), eofPacket(0, 2))
		f.expect(comStmtClose, 5)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
	got, err := readAll(t, rows)
	if !errors.Is(err, io.EOF) || !equalInts(got, []int64{7, 8}) {
		t.Errorf("BUG: rows %v, %v; want [7 8] then io.EOF (wire.go query does not read the EOF packet after a column count without metadata)", got, err)
	}
	_ = rows.close()
	_ = st.close()
}

func TestWireQuery_ExecutePacket(t *testing.T) {
	var got []byte
	args := []driver.Value{int64(-2), uint64(math.MaxUint64), "héllo", nil, 7, 1.5, []byte{0, 0xff}, int64(1 << 40), nil}
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 0x0a0b0c0d, len(args))
		got = f.expect(comStmtExecute)
		f.send(okPacket(2))
		f.prepareID(true, 3, 0)
		f.expect(comStmtExecute)
		f.send(okPacket(2))
	})
	ctx := context.Background()
	st, err := s.prepare(ctx, "SELECT id FROM t WHERE ...")
	if err != nil {
		t.Fatal(err)
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	// errors found before anything is written
	if _, err := st.query(ctx, named[:3]); err == nil {
		t.Error("3 arguments for 9 parameters: no error")
	}
	bad := append([]driver.NamedValue(nil), named...)
	bad[2].Value = time.Now()
	if _, err := st.query(ctx, bad); err == nil || !strings.Contains(err.Error(), "time.Time") {
		t.Errorf("time.Time parameter: %v", err)
	}
	rows, err := st.query(ctx, named)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rows.next(); !errors.Is(err, io.EOF) {
		t.Errorf("next on an OK response: %v", err)
	}

	want := []byte{comStmtExecute, 0x0d, 0x0c, 0x0b, 0x0a, 0x00, 1, 0, 0, 0}
	want = append(want, 0x08, 0x01) // null bitmap: parameters 3 and 8
	want = append(want, 1)          // new parameters bound
	want = append(want,
		0x08, 0x00, 0x08, 0x80, 0xfd, 0x00, 0x06, 0x00, 0x08, 0x00,
		0x05, 0x00, 0xfd, 0x00, 0x08, 0x00, 0x06, 0x00)
	want = binary.LittleEndian.AppendUint64(want, uint64(math.MaxUint64-1)) // -2
	want = binary.LittleEndian.AppendUint64(want, math.MaxUint64)
	want = append(want, 6)
	want = append(want, "héllo"...)
	want = binary.LittleEndian.AppendUint64(want, 7)
	want = binary.LittleEndian.AppendUint64(want, math.Float64bits(1.5))
	want = append(want, 2, 0, 0xff)
	want = binary.LittleEndian.AppendUint64(want, 1<<40)
	if !bytes.Equal(got, want) {
		t.Errorf("execute packet\n got % x\nwant % x", got, want)
	}

	// without parameters: no bitmap, no types
	st2, err := s.prepare(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st2.query(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func TestWireExecutePacket_NoParams(t *testing.T) {
	var got []byte
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 42, 0)
		got = f.expect(comStmtExecute)
		f.send(okPacket(2))
	})
	st, err := s.prepare(context.Background(), "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.query(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if want := []byte{comStmtExecute, 42, 0, 0, 0, 0, 1, 0, 0, 0}; !bytes.Equal(got, want) {
		t.Errorf("execute packet % x, want % x", got, want)
	}
}

func TestWirePrepare_ServerError(t *testing.T) {
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.expect(comStmtPrepare)
		f.send(errPacket(1146, "42S02", "Table 'db.nope' doesn't exist"))
		f.prepareID(true, 2, 0)
	})
	ctx := context.Background()
	_, err := s.prepare(ctx, "SELECT id FROM nope")
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T), want *mysql.MySQLError", err, err)
	}
	if me.Number != 1146 || string(me.SQLState[:]) != "42S02" || me.Message != "Table 'db.nope' doesn't exist" {
		t.Errorf("error %+v", me)
	}
	if s.dead {
		t.Fatal("session dead after a server error")
	}
	st, err := s.prepare(ctx, "SELECT id FROM t")
	if err != nil || st.id != 2 {
		t.Fatalf("prepare after the error: %v", err)
	}
}

func TestWireServerError(t *testing.T) {
	tests := []struct {
		name string
		p    []byte
		num  uint16
		st   string
		msg  string
	}{
		{"with state", errPacket(1064, "42000", "You have an error"), 1064, "42000", "You have an error"},
		{"without state", errPacket(1040, "", "Too many connections"), 1040, "\x00\x00\x00\x00\x00", "Too many connections"},
		{"empty message", errPacket(3024, "HY000", ""), 3024, "HY000", ""},
		{"short state", []byte{0xff, 1, 0, '#', 'a'}, 1, "\x00\x00\x00\x00\x00", "#a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var me *mysql.MySQLError
			if err := serverError(tc.p); !errors.As(err, &me) {
				t.Fatalf("%v (%T)", err, err)
			}
			if me.Number != tc.num || string(me.SQLState[:]) != tc.st || me.Message != tc.msg {
				t.Errorf("%+v", me)
			}
		})
	}
	for _, p := range [][]byte{nil, {0xff}, {0xff, 1}, {0x00, 1, 2}} {
		var me *mysql.MySQLError
		if err := serverError(p); err == nil || errors.As(err, &me) {
			t.Errorf("serverError(% x): %v", p, err)
		}
	}
}

// TestWireRows_ServerErrorMidResult: an ERR packet ends a result early
// (a killed query, max_execution_time).
func TestWireRows_ServerErrorMidResult(t *testing.T) {
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 1, 0)
		f.expect(comStmtExecute, 1)
		f.send([]byte{1}, idCol, intRow(1), intRow(2), errPacket(3024, "HY000", "Query execution was interrupted, maximum statement execution time exceeded"))
		f.expect(comStmtExecute, 1)
		f.send([]byte{1}, idCol, intRow(3), okEOF(2))
	})
	ctx := context.Background()
	st, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
	got, err := readAll(t, rows)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 3024 || string(me.SQLState[:]) != "HY000" || !strings.HasPrefix(me.Message, "Query execution was interrupted") {
		t.Fatalf("after rows %v: %v (%T), want *mysql.MySQLError 3024", got, err, err)
	}
	if !equalInts(got, []int64{1, 2}) {
		t.Errorf("rows %v", got)
	}
	if s.dead {
		t.Fatal("session dead after a server error")
	}
	rows, err = st.query(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, rows); !errors.Is(err, io.EOF) || !equalInts(got, []int64{3}) {
		t.Errorf("next execution: %v, %v", got, err)
	}
}

// TestWireRows_CloseAfterServerError: the reader closes its rows after
// next returned an error (reader.go, drain). After an ERR packet the
// result is over: close, and next, must return at once and leave the
// session usable.
func TestWireRows_CloseAfterServerError(t *testing.T) {
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 1, 0)
		f.expect(comStmtExecute, 1)
		f.send([]byte{1}, idCol, intRow(1), errPacket(1317, "70100", "Query execution was interrupted"))
		// the next command
		f.prepareID(true, 2, 0)
	})
	ctx := context.Background()
	_, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
	var me *mysql.MySQLError
	if _, err := readAll(t, rows); !errors.As(err, &me) {
		t.Fatalf("%v, want a server error", err)
	}
	done := make(chan error, 1)
	go func() { done <- rows.close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close after the server error: %v", err)
		}
	case <-time.After(300 * time.Millisecond):
		// unblock the read so that the test can end
		_ = s.c.SetDeadline(time.Now())
		<-done
		t.Fatal("BUG: wireRows.close after an ERR packet blocks reading a packet that never comes (wire.go next: the 0xff case does not set r.done)")
	}
	if _, err := rows.next(); !errors.Is(err, io.EOF) && !errors.As(err, &me) {
		t.Errorf("next after close: %v", err)
	}
	if st2, err := s.prepare(ctx, "SELECT id FROM t"); err != nil || st2.id != 2 {
		t.Errorf("prepare after the error: %v", err)
	}
}

// TestWireRows_MoreResults: a terminator with SERVER_MORE_RESULTS_EXISTS
// is followed by further results (a CALL), which next reads past.
func TestWireRows_MoreResults(t *testing.T) {
	tests := []struct {
		name string
		rest [][]byte // after the first result's terminator
	}{
		{"final OK packet", [][]byte{okPacket(2)}},
		{"second result set", [][]byte{{1}, idCol, intRow(9), okEOF(2)}},
		{"second result set and OK", [][]byte{{1}, idCol, intRow(9), okEOF(2 | statusMoreResults), okPacket(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
				f.prepareID(true, 1, 0)
				f.expect(comStmtExecute, 1)
				f.send(append([][]byte{{1}, idCol, intRow(1), okEOF(2 | statusMoreResults)}, tc.rest...)...)
				f.prepareID(true, 2, 0)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, rows := mustQuery(t, ctx, s, "CALL p()")
			got, err := readAll(t, rows)
			if !errors.Is(err, io.EOF) || !equalInts(got, []int64{1}) {
				t.Fatalf("BUG: rows %v, %v; want [1] then io.EOF (wire.go next: after skipResult it loops to read another packet, which never comes)", got, err)
			}
			if st2, err := s.prepare(ctx, "SELECT id FROM t"); err != nil || st2.id != 2 {
				t.Errorf("prepare after the results: %v", err)
			}
		})
	}
}

func TestWireQuery_NoResultSet(t *testing.T) {
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 1, 0)
		f.expect(comStmtExecute, 1)
		f.send(okPacket(2))
		f.prepareID(true, 2, 0)
	})
	ctx := context.Background()
	_, rows := mustQuery(t, ctx, s, "DO 1")
	if _, err := rows.next(); !errors.Is(err, io.EOF) {
		t.Errorf("next: %v", err)
	}
	if err := rows.close(); err != nil {
		t.Error(err)
	}
	if _, err := s.prepare(ctx, "SELECT 1"); err != nil {
		t.Error(err)
	}
}

// TestWirePacket_MultiPacket reads payloads of 16 MiB and more, sent as a
// packet of 0xffffff bytes and the rest.
func TestWirePacket_MultiPacket(t *testing.T) {
	big := make([]byte, maxPacket+1000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	exact := big[:maxPacket]
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go func() {
		var out []byte
		out = append(out, frame(1, big[:maxPacket], big[maxPacket:])...)
		out = append(out, frame(3, exact, nil)...) // exactly 0xffffff: an empty packet follows
		out = append(out, frame(5, []byte("small"))...)
		out = append(out, frame(6, big[:maxPacket], []byte{1})...)
		_, _ = server.Write(out)
	}()
	s := &wireSession{c: &wireConn{Conn: client}, buf: make([]byte, 256<<10), seq: 1}
	for i, want := range [][]byte{big, exact, []byte("small"), append(append([]byte(nil), big[:maxPacket]...), 1)} {
		p, err := s.readPacket()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(p, want) {
			t.Fatalf("packet %d: %d bytes, want %d", i, len(p), len(want))
		}
	}
}

// TestWirePacket_Trickle: packets arrive a byte at a time, and a payload
// larger than the read buffer.
func TestWirePacket_Trickle(t *testing.T) {
	large := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go func() {
		for _, c := range frame(1, []byte("hello"), nil, []byte("world")) {
			if _, err := server.Write([]byte{c}); err != nil {
				return
			}
		}
		_, _ = server.Write(frame(4, large, []byte("after")))
	}()
	s := &wireSession{c: &wireConn{Conn: client}, buf: make([]byte, 16), seq: 1}
	for _, want := range [][]byte{[]byte("hello"), {}, []byte("world"), large, []byte("after")} {
		p, err := s.readPacket()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, want) {
			t.Fatalf("got %d bytes %.20q, want %d bytes %.20q", len(p), p, len(want), want)
		}
	}
}

func TestWirePacket_OutOfSequence(t *testing.T) {
	t.Run("readPacket", func(t *testing.T) {
		client, server := net.Pipe()
		defer client.Close()
		defer server.Close()
		go func() { _, _ = server.Write(frame(2, []byte("x"))) }()
		s := &wireSession{c: &wireConn{Conn: client}, buf: make([]byte, 64), seq: 1}
		if _, err := s.readPacket(); err == nil || !strings.Contains(err.Error(), "out of order") {
			t.Errorf("readPacket: %v", err)
		}
	})
	t.Run("rows", func(t *testing.T) {
		s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
			f.prepareID(true, 1, 0)
			f.expect(comStmtExecute, 1)
			out := frame(1, []byte{1}, idCol, intRow(1))
			out = append(out, frame(9, intRow(2))...)
			_, _ = f.conn.Write(out)
		})
		ctx := context.Background()
		st, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
		got, err := readAll(t, rows)
		if err == nil || !strings.Contains(err.Error(), "out of order") || !equalInts(got, []int64{1}) {
			t.Errorf("rows %v, %v", got, err)
		}
		if !s.dead {
			t.Error("session not dead")
		}
		if _, err := s.prepare(ctx, "SELECT 1"); !errors.Is(err, errWireDead) {
			t.Errorf("prepare: %v, want errWireDead", err)
		}
		if _, err := st.query(ctx, nil); !errors.Is(err, errWireDead) {
			t.Errorf("query: %v, want errWireDead", err)
		}
	})
	t.Run("prepare", func(t *testing.T) {
		s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
			f.expect(comStmtPrepare)
			_, _ = f.conn.Write(frame(0, prepareOK(1, 0, 0)))
		})
		if _, err := s.prepare(context.Background(), "SELECT 1"); err == nil || !s.dead {
			t.Errorf("prepare: %v, dead %v", err, s.dead)
		}
	})
}

// TestWireRows_Malformed: packets a binary result cannot hold kill the
// session.
func TestWireRows_Malformed(t *testing.T) {
	tests := []struct {
		name string
		pkts [][]byte
		want string
	}{
		{"empty row packet", [][]byte{{}}, "empty row packet"},
		{"text row", [][]byte{{0x03, 'a', 'b', 'c'}}, "unexpected packet 0x03"},
		{"short EOF", [][]byte{{0xfe, 0}}, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
				f.prepareID(true, 1, 0)
				f.expect(comStmtExecute, 1)
				f.send(append([][]byte{{1}, idCol}, tc.pkts...)...)
			})
			ctx := context.Background()
			st, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
			if _, err := rows.next(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("next: %v, want %q", err, tc.want)
			}
			if !s.dead {
				t.Error("session not dead")
			}
			if err := rows.close(); err != nil {
				t.Errorf("close of a dead session's rows: %v", err)
			}
			if err := st.close(); err != nil {
				t.Errorf("close of a dead session's statement: %v", err)
			}
		})
	}
}

func TestWirePrepare_Malformed(t *testing.T) {
	tests := []struct {
		name string
		pkts [][]byte
	}{
		{"short prepare OK", [][]byte{{0, 1, 0, 0}}},
		{"not OK", [][]byte{{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}},
		{"empty", [][]byte{{}}},
		{"bad column definition", [][]byte{prepareOK(1, 1, 0), {3, 'd', 'e'}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
				f.expect(comStmtPrepare)
				f.send(tc.pkts...)
			})
			if _, err := s.prepare(context.Background(), "SELECT 1"); err == nil || !s.dead {
				t.Errorf("prepare: %v, dead %v", err, s.dead)
			}
		})
	}
	t.Run("command too long", func(t *testing.T) {
		s := startWire(t, mysqlCaps, 0, nil)
		if _, err := s.prepare(context.Background(), strings.Repeat("x", maxPacket)); err == nil || !strings.Contains(err.Error(), "too long") {
			t.Errorf("prepare: %v", err)
		}
	})
}

func TestWireParseColumn(t *testing.T) {
	p := colDef("name_é", typeNewDecimal, flagUnsigned|1, 4)
	c, err := parseColumn(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := (wireCol{name: "name_é", typ: typeNewDecimal, flags: flagUnsigned | 1, decimals: 4}); c != want {
		t.Errorf("%+v, want %+v", c, want)
	}
	// the two filler bytes are not needed; every shorter prefix fails
	for n := range len(p) - 2 {
		if _, err := parseColumn(p[:n]); err == nil {
			t.Errorf("prefix of %d bytes: no error", n)
		}
	}
	if _, err := parseColumn(p[:len(p)-2]); err != nil {
		t.Errorf("without filler: %v", err)
	}
	// a NULL catalog is malformed
	if _, err := parseColumn(append([]byte{0xfb}, p[4:]...)); err == nil {
		t.Error("NULL catalog: no error")
	}
}

// TestWireRows_ContextCanceled: the server stalls in the middle of a
// result; canceling the context ends next at once and kills the session.
func TestWireRows_ContextCanceled(t *testing.T) {
	stall := make(chan struct{})
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 1, 0)
		f.expect(comStmtExecute, 1)
		f.send([]byte{1}, idCol, intRow(1))
		<-stall
	})
	defer close(stall)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
	if _, err := rows.next(); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := rows.next()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("next: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("next returned after %v", d)
	}
	if !s.dead {
		t.Fatal("session not dead")
	}
	ctx2 := context.Background()
	if _, err := s.prepare(ctx2, "SELECT 1"); !errors.Is(err, errWireDead) {
		t.Errorf("prepare: %v, want errWireDead", err)
	}
	if _, err := st.query(ctx2, nil); !errors.Is(err, errWireDead) {
		t.Errorf("query: %v, want errWireDead", err)
	}
	if err := rows.close(); err != nil {
		t.Errorf("rows.close: %v", err)
	}
	if err := st.close(); err != nil {
		t.Errorf("stmt.close: %v", err)
	}
}

func TestWirePrepare_ContextDeadline(t *testing.T) {
	stall := make(chan struct{})
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.expect(comStmtPrepare)
		f.send(prepareOK(1, 1, 0)) // and no column definition
		<-stall
	})
	defer close(stall)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.prepare(ctx, "SELECT id FROM t"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("prepare: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("prepare returned after %v", d)
	}
	if !s.dead {
		t.Error("session not dead")
	}
	if _, err := s.prepare(context.Background(), "SELECT 1"); !errors.Is(err, errWireDead) {
		t.Errorf("prepare: %v, want errWireDead", err)
	}
}

// TestWireQuery_ContextCanceledBeforeHeader: the server does not answer
// the execution at all.
func TestWireQuery_ContextCanceledBeforeHeader(t *testing.T) {
	stall := make(chan struct{})
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 1, 0)
		f.expect(comStmtExecute, 1)
		<-stall
	})
	defer close(stall)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := s.prepare(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := st.query(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("query: %v, want context.Canceled", err)
	}
	if !s.dead {
		t.Error("session not dead")
	}
}

// TestWireRows_CloseDrains: closing rows half read reads the rest of the
// result, so the next command gets its own response.
func TestWireRows_CloseDrains(t *testing.T) {
	const n = 5000 // more than the read buffer holds
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 1, 0)
		f.expect(comStmtExecute, 1)
		resp := [][]byte{{1}, idCol}
		for i := range n {
			resp = append(resp, append(intRow(int64(i)), bytes.Repeat([]byte{0}, 50)...))
		}
		f.send(append(resp, okEOF(2))...)
		f.expect(comStmtClose, 1)
		f.prepareID(true, 2, 0)
		f.expect(comStmtExecute, 2)
		f.send([]byte{1}, idCol, intRow(42), okEOF(2))
	})
	ctx := context.Background()
	st, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
	for range 3 {
		if _, err := rows.next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.close(); err != nil {
		t.Fatal(err)
	}
	if err := rows.close(); err != nil { // twice is fine
		t.Fatal(err)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	st2, err := s.prepare(ctx, "SELECT id FROM t")
	if err != nil || st2.id != 2 {
		t.Fatalf("prepare after close: %v", err)
	}
	rows, err = st2.query(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, rows); !errors.Is(err, io.EOF) || !equalInts(got, []int64{42}) {
		t.Errorf("rows %v, %v", got, err)
	}
}

func TestWireStmtClose(t *testing.T) {
	var got []byte
	var mu sync.Mutex
	s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
		f.prepareID(true, 0x11223344, 0)
		p := f.expect(comStmtClose)
		mu.Lock()
		got = p
		mu.Unlock()
		f.prepareID(true, 2, 0)
	})
	st, err := s.prepare(context.Background(), "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	// COM_STMT_CLOSE has no response: the next command follows directly
	if _, err := s.prepare(context.Background(), "SELECT id FROM t"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []byte{comStmtClose, 0x44, 0x33, 0x22, 0x11}; !bytes.Equal(got, want) {
		t.Errorf("close packet % x, want % x", got, want)
	}
}

func TestLenenc_RoundTrip(t *testing.T) {
	tests := []struct {
		n      int
		prefix byte // 0: the length itself
		hdr    int
	}{
		{0, 0, 1},
		{1, 0, 1},
		{250, 0, 1},
		{251, 0xfc, 3},
		{252, 0xfc, 3},
		{65535, 0xfc, 3},
		{65536, 0xfd, 4},
		{1<<24 - 1, 0xfd, 4},
		{1 << 24, 0xfe, 9},
	}
	for _, tc := range tests {
		s := bytes.Repeat([]byte{'a'}, tc.n)
		b := appendLenenc([]byte("prefix"), s)[len("prefix"):]
		if len(b) != tc.hdr+tc.n {
			t.Errorf("%d: encoded in %d bytes, want %d", tc.n, len(b), tc.hdr+tc.n)
			continue
		}
		if want := tc.prefix; want != 0 && b[0] != want || want == 0 && int(b[0]) != tc.n {
			t.Errorf("%d: first byte %#x", tc.n, b[0])
		}
		v, n, ok := lenencInt(b)
		if !ok || v != uint64(tc.n) || n != tc.hdr {
			t.Errorf("%d: lenencInt = %d, %d, %v", tc.n, v, n, ok)
		}
		got, n, ok := lenencBytes(b)
		if !ok || n != len(b) || len(got) != tc.n {
			t.Errorf("%d: lenencBytes = %d bytes, %d, %v", tc.n, len(got), n, ok)
		}
		// followed by more data
		got, n, ok = lenencBytes(append(b, 'z'))
		if !ok || n != len(b) || len(got) != tc.n {
			t.Errorf("%d: lenencBytes with more = %d bytes, %d, %v", tc.n, len(got), n, ok)
		}
		// one byte short
		if _, _, ok := lenencBytes(b[:len(b)-1]); ok {
			t.Errorf("%d: lenencBytes of a short buffer: ok", tc.n)
		}
		if _, _, ok := lenencInt(b[:tc.hdr-1]); ok {
			t.Errorf("%d: lenencInt of a short header: ok", tc.n)
		}
	}
	// NULL and the largest value
	if _, n, ok := lenencInt([]byte{0xfb}); ok || n != 1 {
		t.Errorf("NULL: %d, %v", n, ok)
	}
	if v, n, ok := lenencInt([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); !ok || n != 9 || v != math.MaxUint64 {
		t.Errorf("max: %d, %d, %v", v, n, ok)
	}
	if _, _, ok := lenencBytes([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x'}); ok {
		t.Error("huge length: ok")
	}
	if _, _, ok := lenencBytes(nil); ok {
		t.Error("empty: ok")
	}
}

// TestWireRows_ReadTimeout: the DSN's readTimeout bounds a stalled read,
// and a cancellation still ends a read that has a long one.
func TestWireRows_ReadTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		cancel  bool
	}{
		{"timeout", 50 * time.Millisecond, false},
		{"cancel under a long timeout", time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stall := make(chan struct{})
			s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
				f.prepareID(true, 1, 0)
				f.expect(comStmtExecute, 1)
				f.send([]byte{1}, idCol, intRow(1))
				<-stall
			})
			defer close(stall)
			s.readTimeout = tc.timeout
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
			if _, err := rows.next(); err != nil {
				t.Fatal(err)
			}
			if tc.cancel {
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			_, err := rows.next()
			var ne net.Error
			switch {
			case tc.cancel && !errors.Is(err, context.Canceled):
				t.Errorf("next: %v, want context.Canceled", err)
			case !tc.cancel && !(errors.As(err, &ne) && ne.Timeout()):
				t.Errorf("next: %v, want a timeout", err)
			}
			if !s.dead {
				t.Error("session not dead")
			}
		})
	}
}

// mustQuery prepares q on s and executes it without parameters.
func mustQuery(t *testing.T, ctx context.Context, s *wireSession, q string) (*wireStmt, *wireRows) {
	t.Helper()
	st, err := s.prepare(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.query(ctx, nil)
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

// FuzzWireResponse feeds arbitrary server bytes to a prepare, an execute
// and the rows that follow, with every capability combination: the
// session must end with rows, io.EOF or an error, never a panic or a hang.
func FuzzWireResponse(f *testing.F) {
	// A valid exchange: prepare OK with one column, then one row and EOF.
	pkt := func(seq byte, p []byte) []byte {
		return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...)
	}
	var valid []byte
	valid = append(valid, pkt(1, []byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0})...)
	valid = append(valid, pkt(2, colDef("id", typeLongLong, 0, 0))...)
	valid = append(valid, pkt(1, []byte{1})...)
	valid = append(valid, pkt(2, colDef("id", typeLongLong, 0, 0))...)
	valid = append(valid, pkt(3, append([]byte{0, 0}, 7, 0, 0, 0, 0, 0, 0, 0))...)
	valid = append(valid, pkt(4, []byte{0xfe, 0, 0, 2, 0, 0, 0})...)
	f.Add(valid, uint8(0))
	f.Add(valid[:20], uint8(1))
	f.Add([]byte{0xff, 0xff, 0xff, 1}, uint8(2))
	f.Fuzz(func(t *testing.T, stream []byte, caps uint8) {
		flags := uint32(capProtocol41)
		if caps&1 != 0 {
			flags |= capDeprecateEOF
		}
		var ext uint32
		if caps&2 != 0 {
			ext = capExtCacheMetadata
		}
		wc := &wireConn{Conn: &scriptedConn{r: bytes.NewReader(stream)}, handshake: handshakeResponse(1, flags, ext), seen: true}
		s := newWireSession(wc)
		ctx := context.Background()
		st, err := s.prepare(ctx, "SELECT id FROM t")
		if err != nil {
			return
		}
		rows, err := st.query(ctx, nil)
		if err != nil {
			return
		}
		for range 1 << 16 {
			if _, err := rows.next(); err != nil {
				break
			}
		}
		_ = rows.close()
	})
}
