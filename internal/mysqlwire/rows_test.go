package mysqlwire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

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
	rows, err = st.Query(ctx, nil)
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
	go func() { done <- rows.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close after the server error: %v", err)
		}
	case <-time.After(300 * time.Millisecond):
		// unblock the read so that the test can end
		_ = s.c.SetDeadline(time.Now())
		<-done
		t.Fatal("BUG: Rows.close after an ERR packet blocks reading a packet that never comes (wire.go next: the 0xff case does not set r.done)")
	}
	if _, err := rows.Next(); !errors.Is(err, io.EOF) && !errors.As(err, &me) {
		t.Errorf("next after close: %v", err)
	}
	if st2, err := s.Prepare(ctx, "SELECT id FROM t"); err != nil || st2.id != 2 {
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
			if st2, err := s.Prepare(ctx, "SELECT id FROM t"); err != nil || st2.id != 2 {
				t.Errorf("prepare after the results: %v", err)
			}
		})
	}
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
			if _, err := rows.Next(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("next: %v, want %q", err, tc.want)
			}
			if !s.dead {
				t.Error("session not dead")
			}
			if err := rows.Close(); err != nil {
				t.Errorf("close of a dead session's rows: %v", err)
			}
			if err := st.Close(); err != nil {
				t.Errorf("close of a dead session's statement: %v", err)
			}
		})
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
	if _, err := rows.Next(); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := rows.Next()
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
	if _, err := s.Prepare(ctx2, "SELECT 1"); !errors.Is(err, errWireDead) {
		t.Errorf("prepare: %v, want errWireDead", err)
	}
	if _, err := st.Query(ctx2, nil); !errors.Is(err, errWireDead) {
		t.Errorf("query: %v, want errWireDead", err)
	}
	if err := rows.Close(); err != nil {
		t.Errorf("rows.close: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("stmt.close: %v", err)
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
		if _, err := rows.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rows.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := s.Prepare(ctx, "SELECT id FROM t")
	if err != nil || st2.id != 2 {
		t.Fatalf("prepare after close: %v", err)
	}
	rows, err = st2.Query(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, rows); !errors.Is(err, io.EOF) || !equalInts(got, []int64{42}) {
		t.Errorf("rows %v, %v", got, err)
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
			s.ReadTimeout = tc.timeout
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, rows := mustQuery(t, ctx, s, "SELECT id FROM t")
			if _, err := rows.Next(); err != nil {
				t.Fatal(err)
			}
			if tc.cancel {
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			_, err := rows.Next()
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
