package web

import (
	"net/http/cookiejar"
	"os"
	"testing"
)

func newJar() (*cookiejar.Jar, error) { return cookiejar.New(nil) }

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
