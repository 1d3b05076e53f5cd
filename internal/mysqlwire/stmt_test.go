package mysqlwire

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

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
				resp = append(resp, withEOF(deprecate, colDef("?", TypeLongLong, 0, 0), colDef("?", TypeLongLong, 0, 0))...)
				resp = append(resp, withEOF(deprecate,
					colDef("a", TypeLongLong, FlagUnsigned|3, 0),
					colDef("b", TypeVarString, 0, 0),
					colDef("c", TypeDateTime, 0x80, 6))...)
				f.send(resp...)
				// a statement without parameters or columns
				f.expect(comStmtPrepare)
				f.send(prepareOK(9, 0, 0))
			})
			st, err := s.Prepare(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			want := []Column{
				{Name: "a", Type: TypeLongLong, Flags: FlagUnsigned | 3},
				{Name: "b", Type: TypeVarString},
				{Name: "c", Type: TypeDateTime, Flags: 0x80, Decimals: 6},
			}
			if st.id != 0x01020304 || st.params != 2 || len(st.cols) != 3 {
				t.Fatalf("statement id %#x params %d cols %d", st.id, st.params, len(st.cols))
			}
			for i := range want {
				if st.cols[i] != want[i] {
					t.Errorf("column %d: %+v, want %+v", i, st.cols[i], want[i])
				}
			}
			st2, err := s.Prepare(context.Background(), "DO 1")
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
			st, err := s.Prepare(ctx, "SELECT id FROM t")
			if err != nil {
				t.Fatal(err)
			}
			for run := range 2 { // the session is ready for the next command
				rows, err := st.Query(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows.cols) != 1 || rows.cols[0].Name != "id" {
					t.Errorf("columns %+v", rows.cols)
				}
				got, err := readAll(t, rows)
				if !errors.Is(err, io.EOF) {
					t.Fatalf("run %d: after %v: %v, want io.EOF", run, got, err)
				}
				if want := []int64{1, -2, math.MaxInt64}; !equalInts(got, want) {
					t.Errorf("run %d: rows %v, want %v", run, got, want)
				}
				if _, err := rows.Next(); !errors.Is(err, io.EOF) {
					t.Errorf("next after the end: %v", err)
				}
				if err := rows.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
				if s.dead {
					t.Fatal("session dead")
				}
			}
		})
	}
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
		f.send([]byte{1, 1}, colDef("renamed", TypeLongLong, FlagUnsigned, 0), intRow(8), okEOF(2))
		f.expect(comStmtExecute, 5)
		f.send([]byte{1, 0}, intRow(9), okEOF(2))
		// a column count that disagrees with the cached metadata
		f.expect(comStmtExecute, 5)
		f.send([]byte{2, 0}, intRow(9), okEOF(2))
	})
	ctx := context.Background()
	st, err := s.Prepare(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		col string
		row int64
	}{{"id", 7}, {"renamed", 8}, {"renamed", 9}} {
		rows, err := st.Query(ctx, nil)
		if err != nil {
			t.Fatalf("execution %d: %v", i, err)
		}
		if len(rows.cols) != 1 || rows.cols[0].Name != want.col {
			t.Errorf("execution %d: columns %+v, want %s", i, rows.cols, want.col)
		}
		got, err := readAll(t, rows)
		if !errors.Is(err, io.EOF) || !equalInts(got, []int64{want.row}) {
			t.Errorf("execution %d: rows %v, %v", i, got, err)
		}
	}
	if _, err := st.Query(ctx, nil); err == nil || !strings.Contains(err.Error(), "2 columns") {
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
	_ = rows.Close()
	_ = st.Close()
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
	st, err := s.Prepare(ctx, "SELECT id FROM t WHERE ...")
	if err != nil {
		t.Fatal(err)
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	// errors found before anything is written
	if _, err := st.Query(ctx, named[:3]); err == nil {
		t.Error("3 arguments for 9 parameters: no error")
	}
	bad := append([]driver.NamedValue(nil), named...)
	bad[2].Value = time.Now()
	if _, err := st.Query(ctx, bad); err == nil || !strings.Contains(err.Error(), "time.Time") {
		t.Errorf("time.Time parameter: %v", err)
	}
	rows, err := st.Query(ctx, named)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rows.Next(); !errors.Is(err, io.EOF) {
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
	st2, err := s.Prepare(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st2.Query(ctx, nil); err != nil {
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
	st, err := s.Prepare(context.Background(), "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Query(context.Background(), nil); err != nil {
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
	_, err := s.Prepare(ctx, "SELECT id FROM nope")
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
	st, err := s.Prepare(ctx, "SELECT id FROM t")
	if err != nil || st.id != 2 {
		t.Fatalf("prepare after the error: %v", err)
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
	if _, err := rows.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("next: %v", err)
	}
	if err := rows.Close(); err != nil {
		t.Error(err)
	}
	if _, err := s.Prepare(ctx, "SELECT 1"); err != nil {
		t.Error(err)
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
			if _, err := s.Prepare(context.Background(), "SELECT 1"); err == nil || !s.dead {
				t.Errorf("prepare: %v, dead %v", err, s.dead)
			}
		})
	}
	t.Run("command too long", func(t *testing.T) {
		s := startWire(t, mysqlCaps, 0, nil)
		if _, err := s.Prepare(context.Background(), strings.Repeat("x", maxPacket)); err == nil || !strings.Contains(err.Error(), "too long") {
			t.Errorf("prepare: %v", err)
		}
	})
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
	if _, err := s.Prepare(ctx, "SELECT id FROM t"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("prepare: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("prepare returned after %v", d)
	}
	if !s.dead {
		t.Error("session not dead")
	}
	if _, err := s.Prepare(context.Background(), "SELECT 1"); !errors.Is(err, errWireDead) {
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
	st, err := s.Prepare(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := st.Query(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("query: %v, want context.Canceled", err)
	}
	if !s.dead {
		t.Error("session not dead")
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
	st, err := s.Prepare(context.Background(), "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// COM_STMT_CLOSE has no response: the next command follows directly
	if _, err := s.Prepare(context.Background(), "SELECT id FROM t"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []byte{comStmtClose, 0x44, 0x33, 0x22, 0x11}; !bytes.Equal(got, want) {
		t.Errorf("close packet % x, want % x", got, want)
	}
}
