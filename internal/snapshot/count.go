package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// When the source's count is read (issue 15: the whole site every 10
// minutes).
//
// A table read in full is counted as it is read. A table that is not (an
// append table without a new row, an incremental or append delta, an
// unchanged table kept as published) costs the source a COUNT(*) in the
// snapshot all the same: the check that finds rows deleted at the source.
// InnoDB keeps no count, so that is a scan of the table's smallest index:
// on 30 simulated days, 29 M rows, about 4 s of every whole-site run of
// 5 s, nearly all of it for tables nothing had touched.
//
// Two rules spare it:
//   - Exact: a table whose change token (unchanged.go: UPDATE_TIME with the
//     server's identity) is the one read, and trusted, at the last count
//     that agreed with the warehouse has had no commit since, so its count
//     cannot differ. An unchanged full table is the same case: its token
//     is the published copy's, whose count agreed.
//   - A cadence, for the tables that did change (opt in): with
//     TablePolicy.CountEvery (config snapshot.count_every, or the table's
//     own count_every) a changed table is
//     counted when the last count that agreed is at least that old, less an
//     offset of its own (a hash of source and table name, below half the
//     period), so that the tables of a site fall due on different runs and
//     keep apart. Between two counts a row deleted at the source stays in
//     the warehouse until its table's next count, the key-set comparison or
//     the nightly full snapshot.
//
// A run that does not count a table records rows_source NULL and says
// why in the note. A count that disagrees is repaired at once, as before
// (repair.go), and the repaired table is counted again the next run.

// countOffset is how much earlier than every a table falls due: a value
// in [0, every/2) fixed by its source and name.
func countOffset(source, table string, every time.Duration) time.Duration {
	half := every / 2
	if half <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(source + "." + table))
	return time.Duration(h.Sum64() % uint64(half))
}

// deferCount leaves the source's count of a table not read in full to
// deferCounts, when it is due this run (countDue).
func (s *snapshotter) deferCount(ws *warehouseState, source, table string, tr *TableReport) {
	if s.countDue(ws, source, table, tr) {
		tr.pendingCount = &countFuture{done: make(chan struct{})}
	}
}

// countDue says whether the source's count of a table not read in full is
// read this run. When it is not, tr records why. With CopyUnchanged no
// table is kept unchanged and no count token is read, so only the period
// applies.
func (s *snapshotter) countDue(ws *warehouseState, source, table string, tr *TableReport) bool {
	if s.opts.CountAll || s.verifies(source, table) {
		return true
	}
	if tr.Unchanged {
		return skipCount(tr, "not counted at the source: no commit since the published copy, whose count agreed")
	}
	if st := ws.marks[table]; tr.countToken != "" && st.countToken.Valid && st.countToken.String == tr.countToken {
		return skipCount(tr, "not counted at the source: no commit since the last count that agreed")
	}
	return s.countCadence(ws, source, table, tr)
}

// skipCount records in tr that the source's count is not read this run,
// and why; it returns false (not due).
func skipCount(tr *TableReport, why string) bool {
	tr.CountSkipped = true
	tr.Note = joinNote(tr.Note, why)
	return false
}

// readCountToken notes the change token a count of a table under a delta
// policy would stand for this run, when it can be trusted.
func (s *snapshotter) readCountToken(ctx context.Context, ms *mysqlSource, table string, tr *TableReport) {
	if tr.Policy == PolicyFull || s.opts.CopyUnchanged {
		return
	}
	if token, sure := s.changeToken(ctx, ms, table, ms.snapshotAt); sure {
		tr.countToken = token
	}
}

// countCadence says whether a table's count is due by the count period.
func (s *snapshotter) countCadence(ws *warehouseState, source, table string, tr *TableReport) bool {
	every := tr.countEvery
	if every <= 0 {
		return true
	}
	last := ws.marks[table].counted
	if !last.Valid {
		return true
	}
	at := warehouse.FromWall(last.Time)
	if s.wh.Now().Sub(at) >= every-countOffset(source, table, every) {
		return true
	}
	return skipCount(tr, fmt.Sprintf("not counted at the source this run: last count agreed at %s (count_every %s)",
		at.Format("2006-01-02 15:04:05"), every))
}

// markCounted records, in the table's state, that the source's count was
// read this run and agreed with the warehouse: when (for the cadence),
// and the change token it stands for, when one can be trusted.
func markCounted(tr *TableReport) {
	if tr.state == nil || tr.state.policy == PolicyFull || tr.CountSkipped || tr.RowsSource < 0 ||
		tr.RowsSource != tr.RowsLoaded || tr.needsRepair {
		return
	}
	if tr.countEvery <= 0 && tr.countToken == "" {
		return // nothing a later run could use
	}
	tr.state.counted, tr.state.same = true, false
	tr.state.countToken = sql.NullString{String: tr.countToken, Valid: tr.countToken != ""}
}

// joinNote appends b to the note a.
func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
