package snapshot

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlwire"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Read modes recorded in audit.snapshots.read_mode.
const (
	// ReadModeSnapshotReadOnly: START TRANSACTION WITH CONSISTENT SNAPSHOT,
	// READ ONLY (MariaDB, MySQL).
	ReadModeSnapshotReadOnly = "consistent snapshot, read only"
	// ReadModeSnapshotSessionReadOnly: SET SESSION TRANSACTION READ ONLY,
	// then START TRANSACTION WITH CONSISTENT SNAPSHOT (go-mysql-server,
	// which rejects the combined form).
	ReadModeSnapshotSessionReadOnly = "consistent snapshot, session read only"
)

// sessionTimeZone makes NOW() and TIMESTAMP columns answer in Shanghai
// wall clock; DATETIME columns are wall clock anyway.
const sessionTimeZone = "'+08:00'"

// Timeouts a source connection gets when its DSN sets none, so that a
// stalled connection (a half-open TCP link, a firewall that drops the
// flow, a server that hangs) fails the run instead of holding it, and
// the daemon's next run, forever. No statement of a snapshot keeps the
// server silent for minutes: rows stream in chunks and the checks are
// per key range; a site whose server is that slow sets readTimeout in
// mysql.params.
const (
	defaultDialTimeout  = 10 * time.Second
	defaultReadTimeout  = 5 * time.Minute
	defaultWriteTimeout = time.Minute
)

// mysqlSource is one open source connection.
type mysqlSource struct {
	db     *sql.DB
	conn   *sql.Conn
	cfg    *mysql.Config
	dbName string
	addr   string
	// wire is the socket the driver's connection runs on, for the wire
	// path (internal/mysqlwire).
	wire *mysqlwire.Conn
	// pending is the goroutine of deferCounts.
	pending sync.WaitGroup

	probeSrc *mysqlSource

	snapshotAt time.Time         // server NOW() at the consistent snapshot
	updTimes   map[string]string // UPDATE_TIME by table, read once (unchanged.go)
	serverID   string
}

// serverInfo is what a snapshot records about the server.
type serverInfo struct {
	Version    string
	BinlogPos  string   // GTID set or file:pos; "" when unknown
	ReplicaLag *float64 // seconds; nil when not a replica or unknown
	// ReplicaStopped: the server is a replica whose replication is not
	// running, so its data are complete only to when it stopped, which
	// no lag tells.
	ReplicaStopped bool
	SnapshotAt     time.Time
}

// sourceConfig parses a go-sql-driver DSN and sets what the snapshot needs:
// ParseTime with Loc Asia/Shanghai, no client-side interpolation, the
// session time zone +08:00.
func sourceConfig(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, redact(fmt.Errorf("parse dsn: %w", err), guessPassword(dsn))
	}
	if cfg.DBName == "" {
		return nil, errors.New("dsn names no database")
	}
	// Temporal values arrive as text, so that zero and partial dates reach
	// the converter as they are (with ParseTime the driver would turn
	// 2021-00-10 into 2020-12-10).
	cfg.ParseTime = false
	cfg.Loc = pipelines.Shanghai
	cfg.InterpolateParams = false
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = sessionTimeZone
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultDialTimeout
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = defaultReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	return cfg, nil
}

// openSource connects to the source with a single connection.
func openSource(ctx context.Context, dsn string) (*mysqlSource, error) {
	cfg, err := sourceConfig(dsn)
	if err != nil {
		return nil, err
	}
	ms := &mysqlSource{cfg: cfg, dbName: cfg.DBName, addr: cfg.Addr}
	dialCfg := cfg.Clone()
	if dialCfg.DialFunc == nil {
		dialCfg.DialFunc = mysqlwire.Dialer(&ms.wire)
	}
	connector, err := mysql.NewConnector(dialCfg)
	if err != nil {
		return nil, redact(fmt.Errorf("connect %s: %w", cfg.Addr, err), cfg.Passwd)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
		if err != nil {
			_ = conn.Close()
		}
	}
	if err != nil {
		_ = db.Close()
		return nil, redact(fmt.Errorf("connect %s: %w", cfg.Addr, ms.withCause(err)), cfg.Passwd)
	}
	ms.db, ms.conn = db, conn
	return ms, nil
}

// withCause adds to an error that says only that the connection is gone
// ("invalid connection", "bad connection", "connection is already
// closed") what the socket met: a reset, a timeout, an end of file. The
// driver logs that cause but does not return it, and "invalid connection"
// alone does not tell the engineer whether the server stopped, the network
// cut or the server stalled.
func (s *mysqlSource) withCause(err error) error {
	if err == nil || !(errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)) {
		return err
	}
	cause := s.wire.Err()
	if cause == nil || strings.Contains(err.Error(), cause.Error()) {
		return err
	}
	if errors.Is(cause, io.EOF) {
		// io.EOF names no server, as a socket's error does: say which.
		if s.cfg != nil && s.cfg.Addr != "" {
			return fmt.Errorf("%w: the server at %s closed the connection (%w)", err, s.cfg.Addr, cause)
		}
		return fmt.Errorf("%w: the server closed the connection (%w)", err, cause)
	}
	return fmt.Errorf("%w: %w", err, cause)
}

// probe returns a second connection to the server, for reading its load
// while the first one streams a table; it is opened on first use.
func (s *mysqlSource) probe(ctx context.Context) (*mysqlSource, error) {
	if s.probeSrc != nil {
		return s.probeSrc, nil
	}
	connector, err := mysql.NewConnector(s.cfg)
	if err != nil {
		return nil, redact(err, s.cfg.Passwd)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, redact(err, s.cfg.Passwd)
	}
	s.probeSrc = &mysqlSource{db: db, conn: conn, cfg: s.cfg, dbName: s.dbName, addr: s.addr}
	return s.probeSrc, nil
}

// load reads the replica lag and Threads_running.
func (s *mysqlSource) load(ctx context.Context) (serverLoad, error) {
	var l serverLoad
	vals, err := s.showRows(ctx, "SHOW GLOBAL STATUS LIKE 'Threads_running'")
	if err != nil {
		return l, fmt.Errorf("threads running: %w", err)
	}
	if len(vals) > 0 && len(vals[0]) >= 2 {
		l.ThreadsRunning, _ = strconv.Atoi(vals[0][1])
	}
	l.Lag, _, err = s.replicaLag(ctx)
	return l, err
}

// close ends the transaction, if any, and the connection, once the
// deferred counts are read.
func (s *mysqlSource) close() {
	s.pending.Wait()
	if s.probeSrc != nil {
		s.probeSrc.close()
		s.probeSrc = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = s.conn.ExecContext(ctx, "ROLLBACK")
	_ = s.conn.Close()
	_ = s.db.Close()
}

// readOnly reports @@read_only of the server.
func (s *mysqlSource) readOnly(ctx context.Context) (bool, error) {
	var v sql.NullString
	if err := s.conn.QueryRowContext(ctx, "SELECT @@read_only").Scan(&v); err != nil {
		return false, fmt.Errorf("read @@read_only: %w", err)
	}
	switch strings.ToUpper(v.String) {
	case "1", "ON", "TRUE":
		return true, nil
	default:
		return false, nil
	}
}

// begin starts the consistent read-only transaction, in the first form the
// server accepts, and returns the read mode used.
func (s *mysqlSource) begin(ctx context.Context, log *slog.Logger) (string, error) {
	// WITH CONSISTENT SNAPSHOT only means something under REPEATABLE READ.
	if _, err := s.conn.ExecContext(ctx, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		log.Warn("cannot set isolation level repeatable read", keyError, err)
	}
	_, errCombined := s.conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
	if errCombined == nil {
		return ReadModeSnapshotReadOnly, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	log.Debug("combined consistent snapshot, read only rejected; trying session read only", keyError, errCombined)
	if _, err := s.conn.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
		return "", fmt.Errorf("start read-only transaction: %w", errors.Join(errCombined, err))
	}
	if _, err := s.conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		return "", fmt.Errorf("start read-only transaction: %w", errors.Join(errCombined, err))
	}
	return ReadModeSnapshotSessionReadOnly, nil
}

// info reads what the snapshot records about the server, inside the
// transaction. Only the version and NOW() are required; the binlog position
// and the replica lag are left empty when the server does not answer.
func (s *mysqlSource) info(ctx context.Context, log *slog.Logger) (serverInfo, error) {
	var si serverInfo
	if err := s.conn.QueryRowContext(ctx, "SELECT @@version").Scan(&si.Version); err != nil {
		return si, fmt.Errorf("read @@version: %w", err)
	}
	var now string
	if err := s.conn.QueryRowContext(ctx, "SELECT CAST(NOW(6) AS CHAR)").Scan(&now); err != nil {
		if err := s.conn.QueryRowContext(ctx, "SELECT CAST(NOW() AS CHAR)").Scan(&now); err != nil {
			return si, fmt.Errorf("read NOW(): %w", err)
		}
	}
	at, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", now, pipelines.Shanghai)
	if err != nil {
		return si, fmt.Errorf("read NOW(): %q: %w", now, err)
	}
	si.SnapshotAt = at
	si.BinlogPos = s.binlogPos(ctx, log)
	lag, stopped, err := s.replicaLag(ctx)
	switch {
	case stopped:
		log.Warn("the source is a replica that is not replicating: its data are trusted only to the previous snapshot taken while it replicated",
			keyError, err)
	case err != nil:
		log.Warn("replica lag unknown", keyError, err)
	}
	si.ReplicaLag, si.ReplicaStopped = lag, stopped
	return si, nil
}

// binlogPos returns the GTID set (MariaDB @@gtid_current_pos, MySQL
// @@gtid_executed), else the binlog file:pos of the snapshot (MariaDB
// Binlog_snapshot_*), else SHOW MASTER STATUS, else "".
func (s *mysqlSource) binlogPos(ctx context.Context, log *slog.Logger) string {
	for _, q := range []string{"SELECT @@gtid_current_pos", "SELECT @@gtid_executed"} {
		var v sql.NullString
		if err := s.conn.QueryRowContext(ctx, q).Scan(&v); err == nil && strings.TrimSpace(v.String) != "" {
			return strings.Join(strings.Fields(v.String), "")
		}
	}
	if vals, err := s.showRows(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'"); err == nil {
		status := map[string]string{}
		for _, r := range vals {
			if len(r) >= 2 {
				status[strings.ToLower(r[0])] = r[1]
			}
		}
		if f, p := status["binlog_snapshot_file"], status["binlog_snapshot_position"]; f != "" && p != "" {
			return f + ":" + p
		}
	}
	for _, q := range []string{"SHOW MASTER STATUS", "SHOW BINARY LOG STATUS"} {
		if vals, err := s.showRows(ctx, q); err == nil && len(vals) > 0 && len(vals[0]) >= 2 && vals[0][0] != "" {
			return vals[0][0] + ":" + vals[0][1]
		}
	}
	log.Debug("binlog position unknown")
	return ""
}

// replicaLag returns Seconds_Behind_Master (or _Source) of SHOW REPLICA
// STATUS, falling back to SHOW SLAVE STATUS. It is nil when the server is
// not a replica, and nil with an error when it cannot be read; stopped
// says the replica is not replicating (parseReplicaStatus).
func (s *mysqlSource) replicaLag(ctx context.Context) (lag *float64, stopped bool, err error) {
	var (
		cols []string
		vals [][]string
	)
	for _, q := range []string{"SHOW REPLICA STATUS", "SHOW SLAVE STATUS"} {
		cols, vals, err = s.showRowsCols(ctx, q)
		if err == nil {
			break
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("show replica status: %w", err)
	}
	if len(vals) == 0 {
		return nil, false, nil // not a replica
	}
	return parseReplicaStatus(cols, vals[0])
}

// parseReplicaStatus reads the lag of one row of SHOW REPLICA STATUS (NULL
// as ""). A replica whose I/O or SQL thread is not running, or that
// reports no lag (MySQL and MariaDB answer NULL then), is stopped: its
// lag is unknown and growing, and the data it holds are complete only to
// when it stopped.
func parseReplicaStatus(cols, row []string) (lag *float64, stopped bool, err error) {
	lagCol := -1
	for i, c := range cols {
		switch c {
		case "Slave_IO_Running", "Replica_IO_Running", "Slave_SQL_Running", "Replica_SQL_Running":
			if row[i] != "Yes" {
				stopped = true
			}
		case "Seconds_Behind_Master", "Seconds_Behind_Source":
			lagCol = i
		}
	}
	if lagCol < 0 {
		return nil, true, errors.New("replica status has no Seconds_Behind_Master column")
	}
	v := row[lagCol]
	if v == "" {
		return nil, true, errors.New("replica reports no lag: replication is not running")
	}
	if stopped {
		return nil, true, fmt.Errorf("replication is not running (lag %s s when it stopped)", v)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, true, fmt.Errorf("parse %s %q: %w", cols[lagCol], v, err)
	}
	return &f, false, nil
}

func (s *mysqlSource) showRows(ctx context.Context, q string) ([][]string, error) {
	_, vals, err := s.showRowsCols(ctx, q)
	return vals, err
}

// showRowsCols runs a SHOW statement and returns its rows as text, NULL as "".
func (s *mysqlSource) showRowsCols(ctx context.Context, q string) ([]string, [][]string, error) {
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	for rows.Next() {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(cols))
		for i, v := range raw {
			switch v := v.(type) {
			case nil:
			case []byte:
				row[i] = string(v)
			case time.Time:
				row[i] = v.Format(time.DateTime)
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

// count reads COUNT(*) of a table in the snapshot.
func (s *mysqlSource) count(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteMySQL(s.dbName)+"."+quoteMySQL(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rows: %w", err)
	}
	return n, nil
}

// countFuture is a COUNT(*) read in the background.
type countFuture struct {
	done chan struct{}
	n    int64
	err  error
}

// wait returns the count once it is read.
func (f *countFuture) wait(ctx context.Context) (int64, error) {
	select {
	case <-f.done:
		return f.n, f.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// deferCounts reads, in one goroutine, the counts of the tables whose
// count was left for after every table is read (delta loads): it runs
// while the publish merges their changed rows, and it is the only user of
// the connection then. close waits for it.
func (s *mysqlSource) deferCounts(ctx context.Context, trs []*TableReport) {
	var pending []*TableReport
	for _, tr := range trs {
		if tr.pendingCount != nil {
			pending = append(pending, tr)
		}
	}
	if len(pending) == 0 {
		return
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		for _, tr := range pending {
			f := tr.pendingCount
			f.n, f.err = s.count(ctx, tr.Name)
			close(f.done)
		}
	}()
}

// estimateRows is the server's estimate of t's rows (InnoDB's TABLE_ROWS),
// for progress; -1 when unknown.
func (s *mysqlSource) estimateRows(ctx context.Context, t *table) int64 {
	var n sql.NullInt64
	if err := s.conn.QueryRowContext(ctx, `SELECT TABLE_ROWS FROM information_schema.tables
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, s.dbName, t.Name).Scan(&n); err != nil || !n.Valid {
		return -1
	}
	return n.Int64
}

// quoteMySQL quotes a MySQL identifier.
func quoteMySQL(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
