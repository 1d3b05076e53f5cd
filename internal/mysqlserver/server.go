// Package mysqlserver runs an in-process MySQL protocol server for the demo,
// backed by go-mysql-server's in-memory databases.
//
// COMPAT_DOC_PLACEHOLDER
package mysqlserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
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
	listener *trackingListener
	user     string
	password string
	done     chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start listens on 127.0.0.1 on addr (":0"/"" picks a free port) and serves until Close.
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
		engine.Close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	tl := newTrackingListener(nl)

	cfg := server.Config{
		Protocol: "tcp",
		Address:  nl.Addr().String(),
		Listener: tl,
	}
	srv, err := server.NewServer(cfg, engine, sql.NewContext, sessionBuilder(pro), nil)
	if err != nil {
		_ = tl.Close()
		engine.Close()
		return nil, fmt.Errorf("create mysql server: %w", err)
	}

	s := &Server{
		srv:      srv,
		engine:   engine,
		listener: tl,
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
	return s.listener.Addr().String()
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
		s.listener.closeConns()
		<-s.done
		if err := s.engine.Close(); err != nil {
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
	case "":
		host = "127.0.0.1"
	case "localhost":
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

// trackingListener remembers accepted connections so that Close can end
// them; vitess only stops accepting new ones.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: make(map[net.Conn]struct{})}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *trackingListener) forget(c net.Conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

func (l *trackingListener) closeConns() {
	l.mu.Lock()
	l.closed = true
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// trackedConn removes itself from its listener when closed.
type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.l.forget(c) })
	return c.Conn.Close()
}
