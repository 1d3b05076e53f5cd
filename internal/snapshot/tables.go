package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// A source's tables are loaded in order, each by a tableLoad (load.go),
// and overlap only on the warehouse side.

// loadTables loads the tables into their staging tables, in order, two at
// a time: once a full load has read its rows, count and watermark, the
// source connection is free and the next table's reads begin, while the
// table before still inserts and commits in the warehouse on a second
// connection (the loads alternate between dconn and it). DuckDB holds
// back every CREATE TABLE and commit while another source's commit
// checkpoints the warehouse (0.1–0.4 s on the simulated site); the source
// is read on meanwhile, and the two tables' batches are bounded together
// (inFlightBytes). A delta load reads the source again after its rows, so
// the next table waits for it. The first failure stops the loads after
// it (errStopped): a table stopped that way is left unloaded (fail
// reports it so) and its error is not reported.
func (s *snapshotter) loadTables(ctx context.Context, ms *mysqlSource, dconn *sql.Conn, ws *warehouseState, src Source, sr *SourceReport, tables []*table, log *slog.Logger) error {
	dconn2, err := s.wh.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("snapshot %s: warehouse connection: %w", src.Name, err)
	}
	defer dconn2.Close()
	dconns := [2]*sql.Conn{dconn, dconn2}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		inFlight <-chan error // the load before, until it ends
		first    error
		batches  atomic.Int64
	)
	settle := func(err error) {
		if err != nil && first == nil {
			first = err
			cancel(errStopped)
		}
	}
	wait := func() {
		if inFlight != nil {
			settle(<-inFlight)
			inFlight = nil
		}
	}
	for i, t := range tables {
		if first != nil {
			break
		}
		tr := sr.Tables[i]
		read := make(chan struct{})
		var once sync.Once
		l := &tableLoad{s: s, ms: ms, dconn: dconns[i%2], ws: ws, schema: src.Name, t: t, pol: src.Policies[t.Name], tr: tr,
			log: log.With(keyTable, t.Name), inFlight: &batches, readDone: func() { once.Do(func() { close(read) }) }}
		done := make(chan error, 1)
		tr.StartedAt = s.wh.Now()
		go func() { done <- s.runLoad(ctx, l) }()
		select {
		case <-read: // done with the source: the next table may read
			wait()
			inFlight = done
		case err := <-done: // ended without handing the source on
			wait()
			settle(err)
		}
	}
	wait()
	return first
}

// errStopped cancels the loads after a table that failed.
var errStopped = errors.New("an earlier table of the source failed")

// runLoad runs one table's load and records its outcome in its report.
// A load stopped by an earlier table's failure (errStopped) is left as
// not loaded, and returns nil.
func (s *snapshotter) runLoad(ctx context.Context, l *tableLoad) error {
	err := l.run(ctx)
	tr := l.tr
	switch {
	case err == nil:
		tr.Status, tr.FinishedAt = StatusOK, s.wh.Now()
	case errors.Is(context.Cause(ctx), errStopped):
		l.log.Debug("load stopped: an earlier table failed", keyError, err)
		return nil
	default:
		tr.Status, tr.Err, tr.FinishedAt = StatusFailed, err, s.wh.Now()
	}
	return err
}
