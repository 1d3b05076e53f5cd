package web

import (
	"net/http"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	c := s.o.Config()
	cat, err := c.LoadCatalog()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := s.base(r, "")
	b.Title = b.L["app"]
	var p HomePage
	err = s.read(r.Context(), func(wh *warehouse.Warehouse) error {
		var err error
		p, err = loadHome(r.Context(), wh.DB(), c, cat, s.o.Status(), s.o.Now(), b)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", p)
}

func (s *Server) target(w http.ResponseWriter, r *http.Request) {
	c := s.o.Config()
	cat, err := c.LoadCatalog()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p TargetPage
	err = s.read(r.Context(), func(wh *warehouse.Warehouse) error {
		var err error
		p, err = loadTarget(r.Context(), wh.DB(), cat, r.PathValue("target"), s.o.Now(), s.base(r, ""))
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title = p.Name
	s.render(w, r, http.StatusOK, "target", p)
}
