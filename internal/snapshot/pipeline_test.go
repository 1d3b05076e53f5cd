package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadStarts records, from OnProgress (called from the loads of two
// tables at once), the tables whose load has begun.
type loadStarts struct {
	mu      sync.Mutex
	started map[string]chan struct{}
}

func newLoadStarts(tables ...string) *loadStarts {
	ls := &loadStarts{started: map[string]chan struct{}{}}
	for _, t := range tables {
		ls.started[t] = make(chan struct{})
	}
	return ls
}

func (ls *loadStarts) onProgress(ev ProgressEvent) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ch, ok := ls.started[ev.Table]; ok {
		close(ch)
		delete(ls.started, ev.Table)
	}
}

// await waits until table's load has begun; an error after 10 s.
func (ls *loadStarts) await(ctx context.Context, table string) error {
	ls.mu.Lock()
	ch, ok := ls.started[table]
	ls.mu.Unlock()
	if !ok {
		return nil // begun already
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return fmt.Errorf("the load of %s did not begin while the table before it was still in the warehouse", table)
	}
}

// TestSnapshot_NextTableReadsWhileWriting holds each table's load after
// its rows are in its staging table, before its count check, until the
// next table's load has begun: it only passes when a source's next table
// is read while the one before still writes (loadTables). Every table is
// then published equal to its source, and the incremental table's state
// starts from the watermark read on the reader's side.
func TestSnapshot_NextTableReadsWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE a (id INT PRIMARY KEY, v INT)`, `INSERT INTO a SELECT seq, seq * 2 FROM seq_1_to_300`,
		`CREATE TABLE b (id INT PRIMARY KEY, v VARCHAR(10))`, `INSERT INTO b SELECT seq, CONCAT('b', seq) FROM seq_1_to_200`,
		`CREATE TABLE c (id INT PRIMARY KEY, v INT, updated_at DATETIME NOT NULL, KEY (updated_at))`,
		`INSERT INTO c SELECT seq, seq, '2026-11-20 10:00:00' + INTERVAL seq MINUTE FROM seq_1_to_100`,
		`CREATE TABLE d (code INT PRIMARY KEY, name VARCHAR(20))`, `INSERT INTO d SELECT seq, CONCAT('n', seq) FROM seq_1_to_40`)
	wh := MustOpenWarehouse(t)
	src := []Source{{Name: "s", DSN: db.DSN, Tables: []string{"a", "b", "c", "d"},
		Policies: map[string]TablePolicy{"c": {Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: -1}}}}
	next := map[string]string{stageName("a"): "b", stageName("b"): "c", stageName("c"): "d"}
	ls := newLoadStarts("b", "c", "d")
	opts := Options{AllowPrimary: true, OnProgress: ls.onProgress}
	opts.hooks.afterLoad = func(ctx context.Context, _ *sql.Conn, _, stage string) error {
		if n, ok := next[stage]; ok {
			return ls.await(ctx, n)
		}
		return nil
	}
	rep, err := Snapshot(ctx, wh, MustBeginRun(t, wh), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Sources[0].Published {
		t.Fatal("source not published")
	}
	for _, tc := range []struct{ table, sum string }{{"a", "sum(v)"}, {"b", "sum(length(v))"}, {"c", "sum(v)"}, {"d", "sum(length(name))"}} {
		var want string
		if err := db.Admin.QueryRow(`SELECT CONCAT(COUNT(*), '/', ` + strings.ReplaceAll(strings.ReplaceAll(tc.sum, "sum", "SUM"), "length", "LENGTH") + `) FROM ` + tc.table).Scan(&want); err != nil {
			t.Fatal(err)
		}
		got := queryStrings(t, wh, `SELECT concat(count(*), '/', `+tc.sum+`) FROM s.`+tc.table)[0][0]
		if got != want {
			t.Errorf("s.%s: count/sum %s in the warehouse, %s at the source", tc.table, got, want)
		}
	}
	if got := queryStrings(t, wh, `SELECT policy, watermark_column, watermark FROM audit.snapshot_watermarks WHERE source = 's' AND table_name = 'c'`); len(got) != 1 ||
		got[0][0] != PolicyIncremental || got[0][1] != "updated_at" || got[0][2] != "2026-11-20 11:40:00" {
		t.Errorf("state of s.c = %q, want incremental on updated_at from 2026-11-20 11:40:00", got)
	}
}

// TestSnapshot_FailureStopsTheTableReadAhead fails table b's count check
// while table c, the next one, is already loading: the snapshot fails
// with b's error and publishes nothing; a is reported loaded but not
// published, b with its count mismatch, c loaded but not published or
// not loaded (whichever it reached), never with the cancellation that
// stopped it, and d, never begun, not loaded.
func TestSnapshot_FailureStopsTheTableReadAhead(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE a (id INT PRIMARY KEY)`, `INSERT INTO a SELECT seq FROM seq_1_to_50`,
		`CREATE TABLE b (id INT PRIMARY KEY)`, `INSERT INTO b SELECT seq FROM seq_1_to_60`,
		`CREATE TABLE c (id INT PRIMARY KEY)`, `INSERT INTO c SELECT seq FROM seq_1_to_70000`,
		`CREATE TABLE d (id INT PRIMARY KEY)`, `INSERT INTO d SELECT seq FROM seq_1_to_80`)
	wh := MustOpenWarehouse(t)
	src := []Source{{Name: "s", DSN: db.DSN, Tables: []string{"a", "b", "c", "d"}}}
	ls := newLoadStarts("c")
	run := MustBeginRun(t, wh)
	opts := Options{AllowPrimary: true, OnProgress: ls.onProgress}
	opts.hooks.afterLoad = func(ctx context.Context, conn *sql.Conn, schema, stage string) error {
		if stage != stageName("b") {
			return nil
		}
		if err := ls.await(ctx, "c"); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, `DELETE FROM "`+schema+`"."`+stage+`" WHERE id = 1`)
		return err
	}
	rep, err := Snapshot(ctx, wh, run, src, opts)
	if !errors.Is(err, ErrCountMismatch) || !strings.Contains(err.Error(), "s.b") {
		t.Fatalf("error %v, want s.b's count mismatch", err)
	}
	if rep.Sources[0].Published {
		t.Fatal("source published despite a failed table")
	}
	rows := queryStrings(t, wh, `SELECT table_name, status, error FROM audit.snapshots WHERE run_id = ? ORDER BY table_name`, run.ID)
	if len(rows) != 4 {
		t.Fatalf("audit.snapshots of the run: %q, want a row per table", rows)
	}
	for _, r := range rows {
		want := map[string][]string{"a": {"not published"}, "b": {"row count mismatch"}, "c": {"not published", "not loaded"}, "d": {"not loaded"}}[r[0]]
		ok := false
		for _, w := range want {
			ok = ok || strings.Contains(r[2], w)
		}
		if r[1] != StatusFailed || !ok || strings.Contains(r[2], "cancel") {
			t.Errorf("s.%s: status %s, error %q, want failed with one of %q", r[0], r[1], r[2], want)
		}
	}
}

// TestBufferPool_SharedCount: the pools of two tables loaded at once share
// one count of the bytes handed out, so back-pressure bounds their
// batches together; a buffer is counted once, until freed, whichever pool
// it came back to.
func TestBufferPool_SharedCount(t *testing.T) {
	var shared atomic.Int64
	p, q := newBufferPool(1<<20), newBufferPool(1<<20)
	p.shared, q.shared = &shared, &shared
	a := p.Allocate(1000) // a 1,024-byte class
	b := q.Allocate(5000) // 8,192
	if got := p.outstanding(); got != 1024+8192 || q.outstanding() != got {
		t.Fatalf("outstanding %d and %d, want %d from both pools", got, q.outstanding(), 1024+8192)
	}
	c := p.Reallocate(3000, a) // 4,096; a freed
	if got := q.outstanding(); got != 4096+8192 {
		t.Errorf("after a reallocation: outstanding %d, want %d", got, 4096+8192)
	}
	p.Free(c)
	q.Free(b)
	if got := p.outstanding(); got != 0 {
		t.Errorf("all freed: outstanding %d, want 0", got)
	}
	alone := newBufferPool(1 << 20)
	alone.Allocate(100)
	if alone.outstanding() != 128 || shared.Load() != 0 {
		t.Errorf("a pool of its own: outstanding %d (want 128), shared count %d (want 0)", alone.outstanding(), shared.Load())
	}
}
