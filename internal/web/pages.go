package web

import (
	"context"
	"net/http"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// loader reads one page from the warehouse.
type loader[P any] func(ctx context.Context, wh *warehouse.Warehouse, c *config.Config, cat *pipelines.Catalog) (P, error)

// serve reads page name with load while it holds the warehouse, lets
// finish complete it (nil: nothing to add), and renders it; an error is
// the error page.
func serve[P any](s *Server, w http.ResponseWriter, r *http.Request, name string, load loader[P], finish func(*P)) {
	c := s.o.Config()
	cat, err := c.LoadCatalog()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p P
	err = s.read(r.Context(), func(wh *warehouse.Warehouse) error {
		var err error
		p, err = load(r.Context(), wh, c, cat)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if finish != nil {
		finish(&p)
	}
	s.render(w, r, http.StatusOK, name, p)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	b := s.base(r, "")
	b.Title = b.L["app"]
	serve(s, w, r, "home", func(ctx context.Context, wh *warehouse.Warehouse, c *config.Config, cat *pipelines.Catalog) (HomePage, error) {
		return loadHome(ctx, wh.DB(), c, cat, s.o.Status(), s.o.Now(), b)
	}, nil)
}

func (s *Server) target(w http.ResponseWriter, r *http.Request) {
	serve(s, w, r, "target", func(ctx context.Context, wh *warehouse.Warehouse, _ *config.Config, cat *pipelines.Catalog) (TargetPage, error) {
		return loadTarget(ctx, wh.DB(), cat, r.PathValue("target"), s.o.Now(), s.base(r, ""))
	}, func(p *TargetPage) { p.Title = p.Name })
}

func (s *Server) finding(w http.ResponseWriter, r *http.Request) {
	serve(s, w, r, "finding", func(ctx context.Context, wh *warehouse.Warehouse, c *config.Config, cat *pipelines.Catalog) (FindingPage, error) {
		return loadFinding(ctx, wh, c, cat, r.PathValue("id"), s.o.Now(), s.o.Logger, s.base(r, ""))
	}, func(p *FindingPage) {
		p.CSRF = s.auth.csrfFor(w, r)
		p.AskName = !s.auth.hasTokens()
		p.Acked = r.URL.Query().Get("acked") == "1"
	})
}
