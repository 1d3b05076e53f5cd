package web

import (
	"net/http"
	"net/url"
	"strings"
)

// LoginPage is /login.
type LoginPage struct {
	Base
	Next  string
	Wrong bool
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext is next when it is a path of this site, else "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	b := s.base(r, "")
	b.Title = b.L["login"]
	s.render(w, r, http.StatusOK, "login", LoginPage{Base: b, Next: safeNext(r.URL.Query().Get("next"))})
}

// login checks the token typed in the form and starts a session: a
// cookie, HttpOnly and SameSite=Strict.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	name := ""
	if s.auth.hasTokens() {
		name = s.auth.check(r.PostFormValue("token"))
	}
	if name == "" {
		b := s.base(r, "")
		b.Title = b.L["login"]
		s.o.Logger.Warn("status pages: a login with a wrong token", "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login", LoginPage{Base: b, Next: next, Wrong: true})
		return
	}
	s.auth.start(w, r, name)
	s.o.Logger.Info("status pages: logged in", "by", name, "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}
