// Package web serves the daemon's status pages: server-rendered HTML (no
// JavaScript build) of each target's traffic light and open findings, the
// pipelines' last and next runs, a target's verdict grid for the day, and a
// finding with what explain shows and a form to acknowledge it. The pages
// read the warehouse through a function the daemon gives them, which opens
// it between runs; a held warehouse is a 503 page, never a hang. Off
// loopback every page but /healthz and /metrics needs a token from the
// serve.token_file (bearer or a login cookie); acknowledging needs it
// whenever a token file is configured.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// ErrBusy is wrapped by a Warehouse function that could not have the
// warehouse now (a run holds it): the page says so with a 503.
var ErrBusy = errors.New("the warehouse is busy with a run")

// Warehouse runs f with the warehouse open, between the daemon's runs.
// It must not wait long: when the warehouse is held it returns an error
// wrapping ErrBusy (or warehouse.ErrLocked).
type Warehouse func(ctx context.Context, f func(wh *warehouse.Warehouse) error) error

// Run is the last run of one of the daemon's jobs.
type Run struct {
	Job               string
	Started, Finished time.Time
	OK                bool
	Error             string // scrubbed
}

// Next is the next run of a job.
type Next struct {
	Job     string
	At      time.Time
	Running bool
}

// Status is what the daemon knows without the warehouse.
type Status struct {
	Last       []Run              // by job name
	Next       []Next             // soonest first
	ReplicaLag map[string]float64 // seconds, by source
}

// Options are what the pages need from the daemon.
type Options struct {
	Warehouse Warehouse
	Config    func() *config.Config
	Status    func() Status
	Now       func() time.Time
	// Listen is the address the pages are served on: off loopback they
	// need a token.
	Listen string
	Logger *slog.Logger
	// Refresh is how often a page reloads itself, keeping its scroll
	// position (default a minute).
	Refresh time.Duration
}

// Server holds the pages' handlers.
type Server struct {
	o    Options
	auth *auth
}

// Reload reads the token file of c, the config the daemon reloads: a file
// that cannot be read, or none off loopback, is refused and the old
// tokens stay; new tokens end every login session.
func (s *Server) Reload(c *config.Config) error {
	ts, err := s.auth.readFor(s.o.Listen, tokenPath(c))
	if err != nil {
		return err
	}
	s.auth.setTokens(ts)
	return nil
}

// New returns the pages of o. It refuses a listen address off loopback
// without a token file, and a token file it cannot read.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Refresh < time.Second {
		o.Refresh = time.Minute
	}
	if o.Status == nil {
		o.Status = func() Status { return Status{} }
	}
	c := o.Config()
	a, err := newAuth(o.Listen, tokenPath(c))
	if err != nil {
		return nil, err
	}
	return &Server{o: o, auth: a}, nil
}

func tokenPath(c *config.Config) string {
	if c.Serve.TokenFile == "" {
		return ""
	}
	return c.Path(c.Serve.TokenFile)
}

// Mount adds the pages to mux (beside /healthz and /metrics).
func (s *Server) Mount(mux *http.ServeMux) {
	mux.Handle("GET /{$}", s.auth.pages(http.HandlerFunc(s.home)))
	mux.Handle("GET /targets/{target}", s.auth.pages(http.HandlerFunc(s.target)))
	mux.Handle("GET /findings/{id}", s.auth.pages(http.HandlerFunc(s.finding)))
	mux.Handle("POST /findings/{id}/ack", s.auth.acks(http.HandlerFunc(s.ack)))
	mux.Handle("GET /incidents/{id}", s.auth.pages(http.HandlerFunc(s.incident)))
	mux.Handle("GET /workbooks/{name}", s.auth.pages(http.HandlerFunc(s.workbook)))
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
}

// read runs f on the warehouse, "no warehouse yet" when there is none.
func (s *Server) read(ctx context.Context, f func(wh *warehouse.Warehouse) error) error {
	c := s.o.Config()
	if _, err := os.Stat(c.Path(c.Warehouse)); err != nil {
		return errNoWarehouse
	}
	return s.o.Warehouse(ctx, f)
}

var errNoWarehouse = errors.New("no warehouse yet: the first run has not written it")

// fail writes an error page: 503 when the warehouse is busy or missing,
// 404 for what is not there, 500 otherwise (its text scrubbed).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	l := labelsOf(r)
	code, msg := http.StatusInternalServerError, l["error"]+": "+warehouse.ScrubText(err.Error())
	switch {
	case errors.Is(err, ErrBusy), errors.Is(err, warehouse.ErrLocked), errors.Is(err, context.DeadlineExceeded):
		code, msg = http.StatusServiceUnavailable, l["busy"]
	case errors.Is(err, errNoWarehouse):
		code, msg = http.StatusServiceUnavailable, l["nowarehouse"]
	case errors.Is(err, errNotFound):
		code, msg = http.StatusNotFound, l["notfound"]+": "+err.Error()
	}
	if code == http.StatusInternalServerError {
		s.o.Logger.Error("status page", "path", r.URL.Path, "err", warehouse.ScrubText(err.Error()))
	}
	w.Header().Set("Retry-After", "10")
	s.render(w, r, code, "error", errorPage{Base: s.base(r, l["error"]), Message: msg})
}

var errNotFound = errors.New("not found")

// workbook serves one workbook of the output directory.
func (s *Server) workbook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name != filepath.Base(name) || !strings.HasSuffix(name, ".xlsx") || strings.HasPrefix(name, ".") {
		s.fail(w, r, fmt.Errorf("%w: workbook %q", errNotFound, name))
		return
	}
	c := s.o.Config()
	p := filepath.Join(c.Path(c.OutputDir), name)
	if _, err := os.Stat(p); err != nil {
		s.fail(w, r, fmt.Errorf("%w: workbook %q", errNotFound, name))
		return
	}
	w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"")
	http.ServeFile(w, r, p)
}
