package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/config"
)

// TestServer_Reload: a reloaded config's token file replaces the tokens;
// an unreadable one is refused and the old tokens stay; new tokens end the
// login sessions, the same tokens keep them.
func TestServer_Reload(t *testing.T) {
	f := newFixture(t)
	s := f.server(t, "0.0.0.0:9470", "ops "+testToken+"\n")
	mux := http.NewServeMux()
	s.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// a browser session logged in with the first token.
	browser := newClient(t)
	browser.CheckRedirect = noRedirect.CheckRedirect
	resp, err := browser.PostForm(srv.URL+"/login", url.Values{"token": {testToken}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loggedIn := func() bool {
		t.Helper()
		resp, err := browser.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if !loggedIn() {
		t.Fatal("the login did not open a session")
	}
	withTokens := func(body string) *config.Config {
		c := *f.cfg
		c.Serve.TokenFile = filepath.Join(t.TempDir(), "tokens")
		if err := os.WriteFile(c.Serve.TokenFile, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return &c
	}

	// the same token: the session stays.
	if err := s.Reload(withTokens("ops " + testToken + "\n")); err != nil {
		t.Fatal(err)
	}
	if !loggedIn() {
		t.Error("a reload with the same tokens ended the session")
	}

	// a new token: the old one and its session are gone.
	const newToken = "rotated-token-0123456789abcdef"
	if err := s.Reload(withTokens("ops " + newToken + "\n")); err != nil {
		t.Fatal(err)
	}
	if got := status(testToken); got != http.StatusUnauthorized {
		t.Errorf("the replaced token after the reload: %d, want 401", got)
	}
	if got := status(newToken); got != http.StatusOK {
		t.Errorf("the new token after the reload: %d, want 200", got)
	}
	if loggedIn() {
		t.Error("a session of the replaced token outlived the reload")
	}

	// an unreadable token file, or none off loopback: refused, the new
	// token still works, and the error shows no token.
	missing := *f.cfg
	missing.Serve.TokenFile = filepath.Join(t.TempDir(), "absent")
	none := *f.cfg
	none.Serve.TokenFile = ""
	for name, c := range map[string]*config.Config{"missing": &missing, "none": &none} {
		err := s.Reload(c)
		if err == nil || !strings.Contains(err.Error(), "token_file") || strings.Contains(err.Error(), newToken) {
			t.Errorf("reload with %s token file: %v, want refused naming serve.token_file", name, err)
		}
		if got := status(newToken); got != http.StatusOK {
			t.Errorf("after the refused reload (%s), the token in force: %d, want 200", name, got)
		}
	}
}
