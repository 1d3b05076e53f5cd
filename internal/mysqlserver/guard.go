package mysqlserver

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/sirupsen/logrus"
)

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
