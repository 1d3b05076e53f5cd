package mysqlwire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestWireSession_Capabilities(t *testing.T) {
	tests := []struct {
		name      string
		conn      *Conn
		ok        bool
		deprecate bool
		cacheMeta bool
	}{
		{"mysql", &Conn{handshake: handshakeResponse(1, mysqlCaps, 0), seen: true}, true, true, false},
		{"mysql without deprecate EOF", &Conn{handshake: handshakeResponse(1, mysqlCapsEOF, 0), seen: true}, true, false, false},
		{"mysql ignores the filler", &Conn{handshake: handshakeResponse(1, mysqlCaps, capExtCacheMetadata), seen: true}, true, true, false},
		{"mariadb", &Conn{handshake: handshakeResponse(1, mariaCaps, 0), seen: true}, true, true, false},
		{"mariadb cache metadata", &Conn{handshake: handshakeResponse(1, mariaCaps, capExtCacheMetadata|1), seen: true}, true, true, true},
		{"ssl", &Conn{handshake: handshakeResponse(1, mysqlCaps|capSSL, 0), seen: true}, false, false, false},
		{"compress", &Conn{handshake: handshakeResponse(1, mysqlCaps|capCompress, 0), seen: true}, false, false, false},
		{"no protocol 41", &Conn{handshake: handshakeResponse(1, mysqlCaps&^capProtocol41, 0), seen: true}, false, false, false},
		{"not seen", &Conn{}, false, false, false},
		{"partly seen", &Conn{handshake: handshakeResponse(1, mysqlCaps, 0)[:20]}, false, false, false},
		{"not packet 1", &Conn{handshake: handshakeResponse(0, mysqlCaps, 0), seen: true}, false, false, false},
		{"nil", nil, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.conn)
			if (s != nil) != tc.ok {
				t.Fatalf("NewSession: got %v, want usable %v", s, tc.ok)
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
// Conn in pieces, as the driver would, followed by more traffic.
func TestWireConn_RecordsHandshake(t *testing.T) {
	for _, split := range []int{1, 5, 35, 36, 37, 200} {
		client, server := net.Pipe()
		w := &Conn{Conn: client}
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
		s := NewSession(w)
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
	s := &Session{c: &Conn{Conn: client}, buf: make([]byte, 256<<10), seq: 1}
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
	s := &Session{c: &Conn{Conn: client}, buf: make([]byte, 16), seq: 1}
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
		s := &Session{c: &Conn{Conn: client}, buf: make([]byte, 64), seq: 1}
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
		if _, err := s.Prepare(ctx, "SELECT 1"); !errors.Is(err, errWireDead) {
			t.Errorf("prepare: %v, want errWireDead", err)
		}
		if _, err := st.Query(ctx, nil); !errors.Is(err, errWireDead) {
			t.Errorf("query: %v, want errWireDead", err)
		}
	})
	t.Run("prepare", func(t *testing.T) {
		s := startWire(t, mysqlCaps, 0, func(f *fakeServer) {
			f.expect(comStmtPrepare)
			_, _ = f.conn.Write(frame(0, prepareOK(1, 0, 0)))
		})
		if _, err := s.Prepare(context.Background(), "SELECT 1"); err == nil || !s.dead {
			t.Errorf("prepare: %v, dead %v", err, s.dead)
		}
	})
}

func TestWireParseColumn(t *testing.T) {
	p := colDef("name_é", TypeNewDecimal, FlagUnsigned|1, 4)
	c, err := parseColumn(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Column{Name: "name_é", Type: TypeNewDecimal, Flags: FlagUnsigned | 1, Decimals: 4}); c != want {
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
		b := AppendLenenc([]byte("prefix"), s)[len("prefix"):]
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
		got, n, ok := LenencBytes(b)
		if !ok || n != len(b) || len(got) != tc.n {
			t.Errorf("%d: LenencBytes = %d bytes, %d, %v", tc.n, len(got), n, ok)
		}
		// followed by more data
		got, n, ok = LenencBytes(append(b, 'z'))
		if !ok || n != len(b) || len(got) != tc.n {
			t.Errorf("%d: LenencBytes with more = %d bytes, %d, %v", tc.n, len(got), n, ok)
		}
		// one byte short
		if _, _, ok := LenencBytes(b[:len(b)-1]); ok {
			t.Errorf("%d: LenencBytes of a short buffer: ok", tc.n)
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
	if _, _, ok := LenencBytes([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x'}); ok {
		t.Error("huge length: ok")
	}
	if _, _, ok := LenencBytes(nil); ok {
		t.Error("empty: ok")
	}
}

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
	valid = append(valid, pkt(2, colDef("id", TypeLongLong, 0, 0))...)
	valid = append(valid, pkt(1, []byte{1})...)
	valid = append(valid, pkt(2, colDef("id", TypeLongLong, 0, 0))...)
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
		wc := &Conn{Conn: &scriptedConn{r: bytes.NewReader(stream)}, handshake: handshakeResponse(1, flags, ext), seen: true}
		s := NewSession(wc)
		ctx := context.Background()
		st, err := s.Prepare(ctx, "SELECT id FROM t")
		if err != nil {
			return
		}
		rows, err := st.Query(ctx, nil)
		if err != nil {
			return
		}
		for range 1 << 16 {
			if _, err := rows.Next(); err != nil {
				break
			}
		}
		_ = rows.Close()
	})
}
