package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestSnapshot_RealReplica: MariaDB replication between two private
// servers, the snapshot reading the replica. Replicating, its data are
// trusted to the snapshot time; stopped, only to the last snapshot taken
// while it replicated (it holds the primary of when it stopped, which no
// lag tells), so windows after that are unverifiable; started again with
// a delay, the lag it reports is taken off. The rows in the warehouse are
// always what the replica held, never the primary's.
func TestSnapshot_RealReplica(t *testing.T) {
	t.Parallel() // beside the other long fault tests; no t.Setenv here
	primary := mustPrivateMariaDBID(t, 1)
	replica := mustPrivateMariaDBID(t, 2)
	open := func(m *privateMariaDB) *sql.DB {
		db, err := sql.Open("mysql", m.dsn())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	pdb, rdb := open(primary), open(replica)
	var file string
	var pos int64
	var ignore1, ignore2 sql.NullString
	if err := pdb.QueryRow("SHOW MASTER STATUS").Scan(&file, &pos, &ignore1, &ignore2); err != nil {
		t.Fatalf("SHOW MASTER STATUS on the primary: %v", err)
	}
	mustExec(t, rdb,
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='pushaudit', MASTER_PASSWORD='pushaudit', MASTER_LOG_FILE='%s', MASTER_LOG_POS=%d",
			primary.port, file, pos),
		"START SLAVE",
		"SET GLOBAL read_only = 1")
	mustExec(t, pdb,
		"CREATE DATABASE rp",
		"CREATE TABLE rp.cases (id BIGINT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO rp.cases VALUES (1, 'a'), (2, 'b')")
	caughtUp := func(want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int
			if err := rdb.QueryRow("SELECT count(*) FROM rp.cases").Scan(&n); err == nil && n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the replica did not reach %d rows in 30 s", want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	caughtUp(2)

	dir := t.TempDir()
	conf := MustWriteFile(t, dir, "pushaudit.yaml", fmt.Sprintf(`warehouse: w.duckdb
mysql: {addr: "%s", user: pushaudit, password_file: pw}
sources:
  rp: {database: rp}
`, replica.addr()))
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("pushaudit\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	type state struct {
		rows         int
		lag          sql.NullFloat64
		stopped      bool
		snapshotAt   time.Time
		trustedTo    sql.NullTime // audit.trusted_sources
		tableTrusted sql.NullTime // audit.table_snapshots, when trusted
	}
	snap := func(step string) state {
		t.Helper()
		MustRunMain(t, exitOK, "--config", conf, "snapshot")
		wh, err := warehouse.Open(t.Context(), filepath.Join(dir, "w.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		defer wh.Close()
		var s state
		var at, to, tt sql.NullTime
		if err := wh.DB().QueryRow(`SELECT (SELECT count(*) FROM rp.cases), s.replica_lag_s, coalesce(s.replica_stopped, false), s.snapshot_at,
			(SELECT complete_to FROM audit.trusted_sources WHERE source = 'rp'),
			(SELECT CASE WHEN trusted THEN complete_to END FROM audit.table_snapshots WHERE source = 'rp' AND table_name = 'cases')
			FROM audit.snapshots s WHERE s.source = 'rp' AND s.table_name = 'cases' ORDER BY s.run_id DESC LIMIT 1`).
			Scan(&s.rows, &s.lag, &s.stopped, &at, &to, &tt); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		s.snapshotAt = warehouse.NullTime(at)
		s.trustedTo, s.tableTrusted = to, tt
		if s.trustedTo != s.tableTrusted {
			t.Errorf("%s: the source is trusted to %v, its table to %v", step, s.trustedTo, s.tableTrusted)
		}
		t.Logf("%s: %d rows, lag %v, stopped %v, snapshot at %s, trusted to %v", step, s.rows, s.lag, s.stopped,
			s.snapshotAt.Format(time.TimeOnly), s.trustedTo)
		return s
	}

	first := snap("replicating")
	if first.rows != 2 || !first.lag.Valid || first.lag.Float64 != 0 || first.stopped ||
		!first.trustedTo.Valid || !warehouse.NullTime(first.trustedTo).Equal(first.snapshotAt) {
		t.Fatalf("replicating: %+v; want 2 rows, lag 0, trusted to the snapshot time", first)
	}

	// The applier stopped: the primary moves on, the replica does not.
	mustExec(t, rdb, "STOP SLAVE SQL_THREAD")
	mustExec(t, pdb, "INSERT INTO rp.cases VALUES (3, 'c')")
	time.Sleep(1100 * time.Millisecond) // the next snapshot is a later second
	stopped := snap("stopped")
	if stopped.rows != 2 || stopped.lag.Valid || !stopped.stopped {
		t.Errorf("stopped: %+v; want the replica's 2 rows, no lag, stopped", stopped)
	}
	if !stopped.trustedTo.Valid || !warehouse.NullTime(stopped.trustedTo).Equal(first.snapshotAt) {
		t.Errorf("stopped: trusted to %v; want the last snapshot taken while replicating, %s", stopped.trustedTo, first.snapshotAt)
	}

	// Started again, caught up: trusted to the new snapshot.
	mustExec(t, rdb, "START SLAVE")
	caughtUp(3)
	again := snap("caught up")
	if again.rows != 3 || again.stopped || !again.trustedTo.Valid || !warehouse.NullTime(again.trustedTo).Equal(again.snapshotAt) {
		t.Errorf("caught up: %+v; want 3 rows, trusted to the snapshot time", again)
	}

	// Replicating 60 s behind on purpose (MASTER_DELAY): the lag it
	// reports is taken off the snapshot time.
	mustExec(t, rdb, "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = 60", "START SLAVE")
	mustExec(t, pdb, "INSERT INTO rp.cases VALUES (4, 'd')")
	time.Sleep(2 * time.Second)
	lagging := snap("delayed")
	if lagging.rows != 3 || lagging.stopped || !lagging.lag.Valid || lagging.lag.Float64 < 1 {
		t.Fatalf("delayed: %+v; want the replica's 3 rows and a lag of a second or more", lagging)
	}
	wantTo := lagging.snapshotAt.Add(-time.Duration(lagging.lag.Float64 * float64(time.Second)))
	if !lagging.trustedTo.Valid || !warehouse.NullTime(lagging.trustedTo).Equal(wantTo) {
		t.Errorf("delayed: trusted to %v; want the snapshot time less the lag, %s", lagging.trustedTo, wantTo)
	}
}
