package snapshot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	err := redact(fmt.Errorf("connect: user:s3cret@x failed: %w", ErrSource), "s3cret", "")
	if strings.Contains(err.Error(), "s3cret") || !errors.Is(err, ErrSource) {
		t.Errorf("redact = %v", err)
	}
	if got := guessPassword("u:p@ss@tcp(h:1/db"); got != "p@ss" {
		t.Errorf("guessPassword = %q", got)
	}
	if got := guessPassword("tcp(h:1)/db"); got != "" {
		t.Errorf("guessPassword without user info = %q", got)
	}
}

func TestSourceConfig(t *testing.T) {
	cfg, err := sourceConfig("audit:pw@tcp(db:3306)/biz?time_zone=%27UTC%27")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ParseTime || cfg.Loc.String() != "Asia/Shanghai" || cfg.InterpolateParams || cfg.Params["time_zone"] != "'+08:00'" {
		t.Errorf("config = %+v", cfg)
	}
	if _, err := sourceConfig("audit:pw@tcp(db:3306)/"); err == nil {
		t.Error("DSN without database: want an error")
	}
}
