package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

//go:embed templates/*.html
var files embed.FS

// pages are the templates, each page parsed with the layout.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, p := range []string{"home", "target", "finding", "incident", "login", "error"} {
		out[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+p+".html"))
	}
	return out
}()

var funcs = template.FuncMap{
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(pipelines.Shanghai).Format("2006-01-02 15:04:05")
	},
	"hm": func(t time.Time) string { return t.In(pipelines.Shanghai).Format("15:04") },
}

// Base is what every page shows: its title, language and labels.
type Base struct {
	Title string
	Lang  string // zh or en
	L     map[string]string
	Now   time.Time
	// Query is "?lang=en" on the English pages, for links.
	Query string
	// Refresh is how often the page reloads itself, in seconds.
	Refresh int
}

func (s *Server) base(r *http.Request, title string) Base {
	b := Base{Title: title, Lang: "zh", L: labelsOf(r), Now: s.o.Now(), Refresh: int(s.o.Refresh / time.Second)}
	if r.URL.Query().Get("lang") == "en" {
		b.Lang, b.Query = "en", "?lang=en"
	}
	return b
}

// render writes page p with data, or a 500 if the template fails.
func (s *Server) render(w http.ResponseWriter, _ *http.Request, code int, p string, data any) {
	var buf bytes.Buffer
	if err := pages[p].Execute(&buf, data); err != nil {
		s.o.Logger.Error("status page template", "page", p, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Base
	Message string
}
