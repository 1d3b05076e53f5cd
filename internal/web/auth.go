package web

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// sessionCookie names the session cookie: a random id, tied to the name
// of the token it logged in with (none before a login).
const (
	sessionCookie = "pushaudit_session"
	sessionTTL    = 12 * time.Hour
	maxSessions   = 10000
)

// token is one line of the token file: "TOKEN" or "NAME TOKEN".
type token struct {
	name string
	sum  [32]byte // sha256 of the token: compared in constant time
}

// auth guards the pages: off loopback they need a token; acknowledging
// needs one whenever a token file is configured.
type auth struct {
	loopback bool
	key      []byte // signs the CSRF tokens

	mu       sync.Mutex
	tokens   []token // replaced whole by setTokens (a config reload)
	sessions map[string]session
}

type session struct {
	name    string // "" before a login
	expires time.Time
}

// newAuth reads the token file (none: path ""). Off loopback it is
// required. The errors never show a token.
func newAuth(listen, path string) (*auth, error) {
	a := &auth{loopback: isLoopback(listen), sessions: map[string]session{}, key: make([]byte, 32)}
	if _, err := rand.Read(a.key); err != nil {
		return nil, err
	}
	ts, err := a.readFor(listen, path)
	if err != nil {
		return nil, err
	}
	a.tokens = ts
	return a, nil
}

// readFor reads the token file at path (none: "") for pages served on
// listen: off loopback a token is required.
func (a *auth) readFor(listen, path string) ([]token, error) {
	var ts []token
	if path != "" {
		var err error
		if ts, err = readTokens(path); err != nil {
			return nil, err
		}
	}
	if !a.loopback && len(ts) == 0 {
		return nil, fmt.Errorf("status pages: %s is not loopback: serve.token_file is required", listen)
	}
	return ts, nil
}

// setTokens replaces the tokens (a config reload); when they changed, it
// ends every session: a session logged in with a token that is gone must
// not outlive it.
func (a *auth) setTokens(ts []token) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if slices.Equal(a.tokens, ts) {
		return
	}
	a.tokens = ts
	clear(a.sessions)
}

// readTokens reads a token file: one token a line, "TOKEN" or "NAME
// TOKEN"; blank lines and lines starting with # are skipped.
func readTokens(path string) ([]token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("serve.token_file: %w", err)
	}
	defer f.Close()
	var out []token
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Fields(s)
		t := token{name: "token"}
		switch len(fields) {
		case 1:
			t.sum = sha256.Sum256([]byte(fields[0]))
		case 2:
			t.name, t.sum = fields[0], sha256.Sum256([]byte(fields[1]))
		default:
			return nil, fmt.Errorf("serve.token_file %s line %d: not TOKEN or NAME TOKEN", path, line)
		}
		if len(fields[len(fields)-1]) < 16 {
			return nil, fmt.Errorf("serve.token_file %s line %d: the token is shorter than 16 characters", path, line)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("serve.token_file %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("serve.token_file %s: no token", path)
	}
	return out, nil
}

// isLoopback: the address is on a loopback interface only.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *auth) hasTokens() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.tokens) > 0
}

// check returns the name of the token t, "" when it is none of them.
func (a *auth) check(t string) string {
	sum := sha256.Sum256([]byte(t))
	name := ""
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 && name == "" {
			name = k.name
		}
	}
	return name
}

type userKey struct{}

// userOf is the name the request authenticated as ("" when none).
func userOf(r *http.Request) string {
	s, _ := r.Context().Value(userKey{}).(string)
	return s
}

// user authenticates r by its bearer token or its session cookie. bearer
// tells which: a bearer request carries no ambient credential, so it needs
// no CSRF token.
func (a *auth) user(r *http.Request) (name string, bearer bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return a.check(strings.TrimPrefix(h, "Bearer ")), true
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		if s, ok := a.sessions[c.Value]; ok && time.Now().Before(s.expires) {
			return s.name, false
		}
	}
	return "", false
}

// pages guards a page: off loopback it needs a token (a login page for a
// browser, 401 for a bearer request).
func (a *auth) pages(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, bearer := a.user(r)
		if name == "" && !a.loopback {
			a.refuse(w, r, bearer)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, name)))
	})
}

// acks guards the acknowledge form: a token whenever a token file is
// configured, and a CSRF token tied to the session unless the request
// carries a bearer token.
func (a *auth) acks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, bearer := a.user(r)
		if name == "" && (a.hasTokens() || !a.loopback) {
			a.refuse(w, r, bearer)
			return
		}
		if !bearer {
			c, err := r.Cookie(sessionCookie)
			if err != nil || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(a.csrf(c.Value))) {
				http.Error(w, "acknowledge: the form has expired or did not come from this site; reload the page", http.StatusForbidden)
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, name)))
	})
}

func (a *auth) refuse(w http.ResponseWriter, r *http.Request, bearer bool) {
	if bearer || r.Method != http.MethodGet {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pushaudit"`)
		http.Error(w, "a token is required (Authorization: Bearer TOKEN, or log in at /login)", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// csrf is the CSRF token of session id.
func (a *auth) csrf(id string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte("csrf:" + id))
	return hex.EncodeToString(m.Sum(nil))
}

// csrfFor returns the CSRF token of r's session, starting an anonymous
// session (loopback without a token file) when it has none.
func (a *auth) csrfFor(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		_, ok := a.sessions[c.Value]
		a.mu.Unlock()
		if ok {
			return a.csrf(c.Value)
		}
	}
	if _, bearer := a.user(r); bearer {
		return ""
	}
	return a.csrf(a.start(w, r, ""))
}

// start opens a session for name and sets its cookie.
func (a *auth) start(w http.ResponseWriter, r *http.Request, name string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	now := time.Now()
	a.mu.Lock()
	if len(a.sessions) >= maxSessions {
		for k, s := range a.sessions {
			if now.After(s.expires) || len(a.sessions) >= maxSessions {
				delete(a.sessions, k)
			}
		}
	}
	a.sessions[id] = session{name: name, expires: now.Add(sessionTTL)}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second)})
	return id
}
