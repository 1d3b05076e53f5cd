package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

const testToken = "s3cret-token-0123456789"

// do sends r to h and returns the response.
func do(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPages_Loopback(t *testing.T) {
	f := newFixture(t)
	mux := f.mux(t, "127.0.0.1:9470", "")
	for path, want := range map[string]string{
		"/":                        f.target.NameZH,
		"/?lang=en":                "Open findings",
		"/targets/" + f.target.Key: pipelines.StatusMissed.ZH(),
		"/findings/" + f.missedID:  "batch-0800",
		"/findings/" + f.lateID:    "确认响应",
		"/workbooks/推送稽核日报_2026-11-20.xlsx": "PK",
	} {
		w := do(mux, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s: %d, want 200 with %q:\n%.400s", path, w.Code, want, w.Body.String())
		}
	}
	for _, path := range []string{"/findings/nosuch", "/targets/nosuch", "/workbooks/..%2Fw.duckdb", "/workbooks/x.duckdb"} {
		if w := do(mux, httptest.NewRequest("GET", path, nil)); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
}

func TestPages_BusyWarehouse(t *testing.T) {
	f := newFixture(t)
	f.hold = func(context.Context, func(*warehouse.Warehouse) error) error {
		return errors.Join(ErrBusy, errors.New("reconcile:hourly"))
	}
	w := do(f.mux(t, "127.0.0.1:0", ""), httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "数据仓库正被一次运行占用") {
		t.Errorf("busy: %d %.300s", w.Code, w.Body.String())
	}
}

// ackForm loads the finding page with the cookies of jar and posts its
// form with fields.
func ackForm(t *testing.T, srv *httptest.Server, client *http.Client, id string, fields url.Values) *http.Response {
	t.Helper()
	resp, err := client.Get(srv.URL + "/findings/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field on the finding page (%d):\n%.500s", resp.StatusCode, body)
	}
	fields.Set("csrf", m[1])
	resp, err = client.PostForm(srv.URL+"/findings/"+id+"/ack", fields)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func newClient(t *testing.T) *http.Client {
	jar, err := newJar()
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func (f *fixture) responded(t *testing.T, id string) ledger.Finding {
	t.Helper()
	var out ledger.Finding
	err := f.hold(context.Background(), func(wh *warehouse.Warehouse) error {
		fs, err := ledger.NewFindings(wh.DB()).Get(context.Background(), []string{id})
		out = fs[id]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAck_LoopbackWithoutTokens(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.mux(t, "127.0.0.1:0", ""))
	defer srv.Close()
	c := newClient(t)
	resp := ackForm(t, srv, c, f.missedID, url.Values{"by": {"张三"}, "note": {"已联系厂商"}})
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "张三") || !strings.Contains(body, "已响应") {
		t.Fatalf("ack: %d\n%.600s", resp.StatusCode, body)
	}
	got := f.responded(t, f.missedID)
	if got.RespondedBy != "张三" || got.ResponseNote != "已联系厂商" || !got.RespondedAt.Equal(f.now) {
		t.Errorf("recorded %q %q %v", got.RespondedBy, got.ResponseNote, got.RespondedAt)
	}
	// a form without the CSRF token of the session is refused.
	resp, err := c.PostForm(srv.URL+"/findings/"+f.lateID+"/ack", url.Values{"by": {"李四"}, "csrf": {"00"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden || f.responded(t, f.lateID).RespondedBy != "" {
		t.Errorf("ack with a bad CSRF token: %d, recorded %q", resp.StatusCode, f.responded(t, f.lateID).RespondedBy)
	}
	// no name: refused.
	if resp := ackForm(t, srv, c, f.lateID, url.Values{}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("ack without a name: %d, want 400", resp.StatusCode)
	}
}

func TestAuth_OffLoopback(t *testing.T) {
	f := newFixture(t)
	if _, err := New(Options{Warehouse: f.hold, Config: func() *config.Config { return f.cfg }, Listen: "0.0.0.0:9470"}); err == nil ||
		!strings.Contains(err.Error(), "token_file") {
		t.Errorf("off loopback without a token file: %v, want refused", err)
	}
	mux := f.mux(t, "0.0.0.0:9470", "# ops\nops "+testToken+"\n")
	srv := httptest.NewServer(mux)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/targets/" + f.target.Key, "/findings/" + f.missedID} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer wrong-token-0123456789")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong bearer token: %d, want 401", path, resp.StatusCode)
		}
		resp, err = noRedirect.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without a token: %d %s, want a redirect to /login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		if resp, err = noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with the token: %v %v, want 200", path, resp.StatusCode, err)
		}
	}
	// ack without a token: refused, nothing recorded.
	resp, err := http.PostForm(srv.URL+"/findings/"+f.missedID+"/ack", url.Values{"by": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || f.responded(t, f.missedID).RespondedBy != "" {
		t.Errorf("ack without a token: %d", resp.StatusCode)
	}
	// a wrong token at the login form, then the right one: the session
	// cookie is HttpOnly and SameSite=Strict, and the ack records the
	// token's name.
	c := newClient(t)
	resp, err = c.PostForm(srv.URL+"/login", url.Values{"token": {"nope"}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "令牌不正确") || strings.Contains(body, testToken) {
		t.Errorf("wrong login: %d", resp.StatusCode)
	}
	resp, err = noRedirect.PostForm(srv.URL+"/login", url.Values{"token": {testToken}, "next": {"//evil.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	ck := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") {
		t.Errorf("login: %d to %q, cookie %q", resp.StatusCode, resp.Header.Get("Location"), ck)
	}
	resp, err = c.PostForm(srv.URL+"/login", url.Values{"token": {testToken}, "next": {"/findings/" + f.missedID}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "确认响应") || strings.Contains(body, `name="by"`) {
		t.Fatalf("after login: %d %.300s", resp.StatusCode, body)
	}
	resp = ackForm(t, srv, c, f.missedID, url.Values{"note": {"处理中"}})
	readAll(t, resp)
	if got := f.responded(t, f.missedID); resp.StatusCode != http.StatusOK || got.RespondedBy != "ops" || got.ResponseNote != "处理中" {
		t.Errorf("ack after login: %d, recorded by %q note %q", resp.StatusCode, got.RespondedBy, got.ResponseNote)
	}
	// a bearer request acknowledges without a CSRF token.
	req, _ := http.NewRequest("POST", srv.URL+"/findings/"+f.lateID+"/ack", strings.NewReader("note=bearer"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+testToken)
	if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther || f.responded(t, f.lateID).RespondedBy != "ops" {
		t.Errorf("bearer ack: %v %v", resp.StatusCode, err)
	}
}

func TestAck_LoopbackWithTokens(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.mux(t, "127.0.0.1:0", testToken+"\n"))
	defer srv.Close()
	c := newClient(t)
	// the pages are open on loopback, the ack is not.
	resp := ackForm(t, srv, c, f.missedID, url.Values{"by": {"张三"}})
	if resp.StatusCode != http.StatusUnauthorized || f.responded(t, f.missedID).RespondedBy != "" {
		t.Errorf("ack on loopback without the token: %d", resp.StatusCode)
	}
}

func TestReadTokens_Errors(t *testing.T) {
	for _, body := range []string{"", "# only a comment\n", "Xq7t\n", "a b c\n"} {
		p := t.TempDir() + "/tokens"
		writeFile(t, p, body)
		_, err := readTokens(p)
		if err == nil {
			t.Errorf("token file %q: accepted", body)
			continue
		}
		if strings.Contains(err.Error(), "Xq7t") {
			t.Errorf("the error shows the token: %v", err)
		}
	}
}
