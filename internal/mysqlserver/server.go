package mysqlserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
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
