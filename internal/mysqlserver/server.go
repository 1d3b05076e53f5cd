// Package mysqlserver runs an in-process MySQL protocol server for the demo,
// backed by go-mysql-server v0.20.0 (GMS) in-memory databases. Clients log
// in with Options.User/Password (default pushaudit/pushaudit), create and
// drop databases over the wire, and see DATETIME as wall clock: sessions
// use time_zone '+08:00' and utf8mb4_general_ci, like scripts/mariadb.sh.
//
// What this server accepts, checked by server_test.go (the same statements
// run against MariaDB 10.11 when PUSHAUDIT_MYSQL_DSN is set):
//
// Same result on GMS and MariaDB:
//   - CREATE/DROP DATABASE; CREATE TABLE with column COMMENT '中文', PRIMARY
//     KEY, KEY, ENGINE=InnoDB, CHARSET utf8mb4, DATETIME(3), DECIMAL(20,6),
//     BIGINT UNSIGNED, TINYINT, INT, VARCHAR, TEXT, DOUBLE.
//   - Multi-row INSERT (1000 literal rows per statement, or 500 rows of ?
//     placeholders, server-side prepared or interpolated).
//   - Cross-database INSERT INTO a.t2 (...) SELECT ... FROM b.t1 JOIN b.t3
//     WHERE ts >= X AND ts < Y, with X as TIMESTAMP '2026-11-20 23:00:00',
//     as '2026-11-20 23:00:00', or as ? bound to a time.Time or a string,
//     interpolated (interpolateParams=true) or server-side prepared.
//   - GROUP BY with COUNT(*), SUM(CASE WHEN ... THEN 1 ELSE 0 END),
//     SUM(DECIMAL); ORDER BY ... LIMIT n OFFSET m and LIMIT m, n; COALESCE;
//     UPDATE ... SET c = DATE_ADD(ts, INTERVAL 1 HOUR) WHERE ...;
//     DELETE ... WHERE id % 7 = 0; TRUNCATE TABLE db.t.
//   - DATETIME(3) round trip with parseTime=true&loc=Asia/Shanghai; NOW()
//     in +08:00; SET NAMES utf8mb4; SET time_zone = '+08:00'.
//   - LOAD DATA LOCAL INFILE 'Reader::name' (mysql.RegisterReaderHandler),
//     FIELDS TERMINATED BY '\t', \N as NULL.
//   - START TRANSACTION READ ONLY and db.BeginTx(ReadOnly: true): a write
//     fails with error 1792 (on GMS thanks to this package: v0.20.0 panics
//     and drops the connection).
//   - START TRANSACTION WITH CONSISTENT SNAPSHOT.
//   - SELECT @@read_only, @@version (GMS answers 8.0.31); SHOW SLAVE STATUS
//     and SHOW REPLICA STATUS (no rows on both; 55 columns on GMS, 54 on
//     MariaDB); SHOW MASTER STATUS (GMS: no row; MariaDB: one row).
//   - information_schema.columns COLUMN_COMMENT and COLUMN_TYPE (GMS:
//     "bigint unsigned", "tinyint"; MariaDB: "bigint(20) unsigned",
//     "tinyint(4)"); SHOW FULL COLUMNS FROM db.t.
//
// Differences (write SQL that avoids them):
//   - SET SESSION TRANSACTION READ ONLY: GMS sets @@transaction_read_only
//     but accepts writes. Use START TRANSACTION READ ONLY.
//   - START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY: syntax error on
//     GMS. Use one of the two.
//   - @@gtid_executed: GMS answers "", MariaDB fails with error 1193. @@gtid_binlog_pos and
//     @@gtid_current_pos: MariaDB only.
//   - ts + INTERVAL 1 HOUR drops the milliseconds of a DATETIME(3) on GMS;
//     DATE_ADD(ts, INTERVAL 1 HOUR) keeps them on both. ADDTIME() does not
//     exist on GMS.
//   - Table COMMENT='...' is lost on GMS when the primary key is a separate
//     PRIMARY KEY (id) clause; it is kept with an inline id ... PRIMARY KEY.
//     SHOW TABLE STATUS has a "Comments" column on GMS (always empty) and
//     "Comment" on MariaDB: read TABLE_COMMENT from information_schema.
//   - DELETE FROM db.t without WHERE fails on GMS (error 1049) when the
//     connection has no default database: add a WHERE clause or TRUNCATE.
//   - COPY is a reserved word on GMS (not on MariaDB): quote such names.
//   - CHARSET utf8mb4 without COLLATE gives utf8mb4_0900_ai_ci on GMS and
//     utf8mb4_general_ci on MariaDB: spell COLLATE=utf8mb4_general_ci.
//
// Limits of the GMS memory engine:
//   - Speed: every INSERT, UPDATE and DELETE of a row with a primary key
//     scans the whole table, so cost grows with the square of the table
//     size. 1000-row INSERTs load 5,000 rows at about 4,000 rows/s and
//     20,000 rows at about 900 rows/s (the last ones at 400 rows/s);
//     200,000 rows would take most of an hour. UPDATE or DELETE of a few
//     thousand rows in a 20,000-row table takes tens of seconds.
//     MariaDB inserts the same 200,000 rows at about 90,000-110,000 rows/s.
//     Keep demo tables to a few thousand rows.
//   - Concurrency: each session works on copies of the tables it touches
//     and its commit puts them back whole. This package runs one command at
//     a time, so autocommit statements from many connections are safe, but
//     an explicit transaction (BEGIN/START TRANSACTION, autocommit=0) that
//     ends with COMMIT overwrites what other connections committed since it
//     began to the tables it read or wrote, even when it only read. End
//     read-only and snapshot transactions with ROLLBACK (fine on MariaDB).
//   - System variables and logrus logging are process-wide in GMS: Start
//     sets local_infile=1 globally and points logrus at Options.Logger.
package mysqlserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/sirupsen/logrus"
)

// Default credentials used when Options leaves them empty.
const (
	DefaultUser     = "pushaudit"
	DefaultPassword = "pushaudit"
)

// sessionTimeZone is the time_zone of every session: NOW() answers in
// China Standard Time, and DATETIME values are stored and returned as wall
// clock without any conversion.
const sessionTimeZone = "+08:00"

// Options configures Start.
type Options struct {
	// Addr is the listen address. "", ":0" and "127.0.0.1:0" pick a free
	// port; the host, when given, must be a loopback address.
	Addr string
	// User and Password are the only account that may log in (as
	// user@localhost and user@%). Empty means DefaultUser/DefaultPassword.
	User, Password string
	// Logger receives go-mysql-server's log entries: debug entries when it
	// has debug enabled, otherwise warnings and errors only. Nil discards
	// them. go-mysql-server logs through the process-wide logrus standard
	// logger, so the most recently started Server decides where they go.
	Logger *slog.Logger
}

// Server is an in-process MySQL protocol server holding in-memory databases.
type Server struct {
	srv      *server.Server
	engine   *sqle.Engine
	addr     string
	guard    *guardHandler
	user     string
	password string
	done     chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start listens on opts.Addr, a loopback address ("" or ":0" picks a free
// port on 127.0.0.1), and serves until Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start mysql server: %w", err)
	}
	addr, err := loopbackAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	user, password := opts.User, opts.Password
	if user == "" {
		user = DefaultUser
	}
	if password == "" {
		password = DefaultPassword
	}
	configureLogging(opts.Logger)

	// LOAD DATA LOCAL INFILE is refused unless the global local_infile is 1.
	// System variables are process-wide in go-mysql-server.
	if err := sql.SystemVariables.SetGlobal(sql.NewContext(ctx), "local_infile", int8(1)); err != nil {
		return nil, fmt.Errorf("enable local_infile: %w", err)
	}

	// A provider without databases; clients CREATE and DROP them over the
	// wire. Native primary key indexes make lookups by key fast.
	pro := memory.NewDBProvider()
	pro.WithOption(memory.NativeIndexProvider(true))
	engine := sqle.NewDefault(pro)

	mysqlDb := engine.Analyzer.Catalog.MySQLDb
	ed := mysqlDb.Editor()
	mysqlDb.AddSuperUser(ed, user, "localhost", password)
	mysqlDb.AddSuperUser(ed, user, "%", password)
	ed.Close()

	nl, err := net.Listen("tcp", addr)
	if err != nil {
		_ = engine.Close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}

	cfg := server.Config{
		Protocol: "tcp",
		Address:  nl.Addr().String(),
		Listener: nl,
	}
	guard := &guardHandler{conns: make(map[*mysql.Conn]struct{})}
	wrap := func(h mysql.Handler) (mysql.Handler, error) {
		guard.Handler = h
		return guard, nil
	}
	// sql.NewContext is the context factory: nil panics on every connection.
	srv, err := server.NewServerWithHandler(cfg, engine, sql.NewContext, sessionBuilder(pro), nil, wrap)
	if err != nil {
		_ = nl.Close()
		_ = engine.Close()
		return nil, fmt.Errorf("create mysql server: %w", err)
	}

	s := &Server{
		srv:      srv,
		engine:   engine,
		addr:     nl.Addr().String(),
		guard:    guard,
		user:     user,
		password: password,
		done:     make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = srv.Start() // returns when the listener is closed
	}()
	return s, nil
}

// Addr returns the address the server listens on, "127.0.0.1:port".
func (s *Server) Addr() string {
	return s.addr
}

// DSN returns a go-sql-driver DSN "user:pass@tcp(127.0.0.1:port)/".
func (s *Server) DSN() string {
	return fmt.Sprintf("%s:%s@tcp(%s)/", s.user, s.password, s.Addr())
}

// Close stops accepting connections, closes the open client connections and
// releases the engine. The in-memory databases are lost.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if err := s.srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close mysql listener: %w", err))
		}
		s.guard.closeAll()
		<-s.done
		// The engine's background threads end with context.Canceled.
		if err := s.engine.Close(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("close mysql engine: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// loopbackAddr turns opts.Addr into a host:port on a loopback address.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("parse listen address %q: %w", addr, err)
	}
	switch host {
	case "", "localhost":
		host = "127.0.0.1"
	default:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return "", fmt.Errorf("listen address %q: host must be a loopback address", addr)
		}
	}
	return net.JoinHostPort(host, port), nil
}

// sessionBuilder wraps the memory session builder and sets the session time
// zone, so that NOW() and friends answer in +08:00.
func sessionBuilder(pro *memory.DbProvider) server.SessionBuilder {
	build := memory.NewSessionBuilder(pro)
	return func(ctx context.Context, conn *mysql.Conn, addr string) (sql.Session, error) {
		sess, err := build(ctx, conn, addr)
		if err != nil {
			return nil, fmt.Errorf("build session: %w", err)
		}
		sqlCtx := sql.NewContext(ctx, sql.WithSession(sess))
		if err := sess.SetSessionVariable(sqlCtx, "time_zone", sessionTimeZone); err != nil {
			return nil, fmt.Errorf("set session time_zone: %w", err)
		}
		for _, v := range []string{"collation_server", "collation_database", "collation_connection"} {
			if err := sess.SetSessionVariable(sqlCtx, v, "utf8mb4_general_ci"); err != nil {
				return nil, fmt.Errorf("set session %s: %w", v, err)
			}
		}
		return sess, nil
	}
}

// logMu serialises changes to the process-wide logrus standard logger.
var logMu sync.Mutex

// configureLogging routes go-mysql-server's logrus output to logger, or
// discards it when logger is nil.
func configureLogging(logger *slog.Logger) {
	logMu.Lock()
	defer logMu.Unlock()
	std := logrus.StandardLogger()
	std.SetOutput(io.Discard)
	hooks := make(logrus.LevelHooks)
	if logger == nil {
		std.SetLevel(logrus.ErrorLevel)
		std.ReplaceHooks(hooks)
		return
	}
	if logger.Enabled(context.Background(), slog.LevelDebug) {
		std.SetLevel(logrus.DebugLevel)
	} else {
		std.SetLevel(logrus.WarnLevel)
	}
	hooks.Add(slogHook{logger: logger})
	std.ReplaceHooks(hooks)
}

// slogHook forwards logrus entries to a slog.Logger.
type slogHook struct{ logger *slog.Logger }

func (h slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h slogHook) Fire(e *logrus.Entry) error {
	level := slog.LevelDebug
	switch {
	case e.Level <= logrus.ErrorLevel:
		level = slog.LevelError
	case e.Level == logrus.WarnLevel:
		level = slog.LevelWarn
	case e.Level == logrus.InfoLevel:
		level = slog.LevelInfo
	}
	attrs := make([]slog.Attr, 0, len(e.Data)+1)
	attrs = append(attrs, slog.String("component", "go-mysql-server"))
	for k, v := range e.Data {
		attrs = append(attrs, slog.Any(k, v))
	}
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	h.logger.LogAttrs(ctx, level, e.Message, attrs...)
	return nil
}

// guardHandler wraps the go-mysql-server handler. It
//   - runs one command at a time: each memory session works on its own copy
//     of the tables it touches and every autocommit statement, SELECTs
//     included, puts its copies back when it commits, so two connections
//     at work at the same time lose rows without any error. The results of
//     a command are spooled in memory while it runs and sent after it ends,
//     so a client that reads a large result slowly while it runs other
//     statements cannot block the server;
//   - turns a panic inside a command into an error for that command
//     (vitess would log it and drop the connection);
//   - remembers the open client connections so that Close can end them
//     (vitess only stops accepting new ones).
type guardHandler struct {
	mysql.Handler
	cmdMu sync.Mutex // held while a command runs

	mu     sync.Mutex // guards conns and closed
	conns  map[*mysql.Conn]struct{}
	closed bool
}

func (g *guardHandler) NewConnection(c *mysql.Conn) {
	g.mu.Lock()
	closed := g.closed
	if !closed {
		g.conns[c] = struct{}{}
	}
	g.mu.Unlock()
	if closed {
		c.Close()
	}
	g.Handler.NewConnection(c)
}

func (g *guardHandler) ConnectionClosed(c *mysql.Conn) {
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
	g.Handler.ConnectionClosed(c)
}

// spooled is one result of a command, kept until the command has ended.
type spooled struct {
	res  *sqltypes.Result
	more bool
}

// run runs one command under cmdMu and returns the results it produced.
// The command's error, or its panic turned into an error, goes to *err.
func (g *guardHandler) run(err *error, cmd func(spool mysql.ResultSpoolFn) error) []spooled {
	var out []spooled
	spool := func(r *sqltypes.Result, more bool) error {
		out = append(out, spooled{res: copyResult(r), more: more})
		return nil
	}
	func() {
		defer recoverCommand(err)
		g.cmdMu.Lock()
		defer g.cmdMu.Unlock()
		*err = cmd(spool)
	}()
	return out
}

func (g *guardHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	var err error
	results := g.run(&err, func(spool mysql.ResultSpoolFn) error {
		return g.Handler.ComQuery(ctx, c, query, spool)
	})
	for _, r := range results {
		if cerr := callback(r.res, r.more); cerr != nil {
			return cerr
		}
	}
	return err
}

// ComMultiQuery runs the first statement of query and returns the rest.
func (g *guardHandler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	var err error
	var rest string
	results := g.run(&err, func(spool mysql.ResultSpoolFn) error {
		var cerr error
		rest, cerr = g.Handler.ComMultiQuery(ctx, c, query, spool)
		return cerr
	})
	for _, r := range results {
		if cerr := callback(r.res, r.more); cerr != nil {
			return rest, cerr
		}
	}
	return rest, err
}

func (g *guardHandler) ComPrepare(ctx context.Context, c *mysql.Conn, query string, prepare *mysql.PrepareData) ([]*querypb.Field, error) {
	var err error
	var fields []*querypb.Field
	g.run(&err, func(mysql.ResultSpoolFn) error {
		var cerr error
		fields, cerr = g.Handler.ComPrepare(ctx, c, query, prepare)
		return cerr
	})
	return fields, err
}

func (g *guardHandler) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	var err error
	results := g.run(&err, func(spool mysql.ResultSpoolFn) error {
		return g.Handler.ComStmtExecute(ctx, c, prepare, func(r *sqltypes.Result) error { return spool(r, false) })
	})
	for _, r := range results {
		if cerr := callback(r.res); cerr != nil {
			return cerr
		}
	}
	return err
}

// copyResult copies r deeply: go-mysql-server reuses the buffers that hold
// the row values once the callback has returned.
func copyResult(r *sqltypes.Result) *sqltypes.Result {
	if r == nil {
		return nil
	}
	out := *r
	if r.Rows != nil {
		out.Rows = make([][]sqltypes.Value, len(r.Rows))
		for i, row := range r.Rows {
			vals := make([]sqltypes.Value, len(row))
			for j, v := range row {
				vals[j] = sqltypes.MakeTrusted(v.Type(), bytes.Clone(v.Raw()))
			}
			out.Rows[i] = vals
		}
	}
	return &out
}

// closeAll closes every open client connection and refuses later ones.
func (g *guardHandler) closeAll() {
	g.mu.Lock()
	g.closed = true
	conns := make([]*mysql.Conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// recoverCommand turns a panic of the current command into *err. A write in
// a READ ONLY transaction makes go-mysql-server v0.20.0 dereference nil in
// validateReadOnlyTransaction (the memory table is not a TemporaryTable);
// that panic becomes the error MySQL gives, 1792.
func recoverCommand(err *error) {
	r := recover()
	if r == nil {
		return
	}
	stack := debug.Stack()
	if bytes.Contains(stack, []byte("validateReadOnlyTransaction")) {
		*err = sql.CastSQLError(sql.ErrReadOnlyTransaction.New())
		return
	}
	logrus.WithField("panic", fmt.Sprint(r)).Errorf("command panicked:\n%s", stack)
	*err = mysql.NewSQLError(mysql.ERUnknownError, mysql.SSUnknownSQLState, "go-mysql-server panic: %v", r)
}
