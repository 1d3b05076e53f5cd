package snapshot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
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
	// A DSN without timeouts gets bounded ones (a stalled link must fail
	// the run); a DSN's own are kept.
	if cfg.Timeout != defaultDialTimeout || cfg.ReadTimeout != defaultReadTimeout || cfg.WriteTimeout != defaultWriteTimeout {
		t.Errorf("default timeouts: dial %v, read %v, write %v", cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout)
	}
	own, err := sourceConfig("audit:pw@tcp(db:3306)/biz?timeout=3s&readTimeout=2s&writeTimeout=4s")
	if err != nil {
		t.Fatal(err)
	}
	if own.Timeout != 3*time.Second || own.ReadTimeout != 2*time.Second || own.WriteTimeout != 4*time.Second {
		t.Errorf("the DSN's timeouts: dial %v, read %v, write %v; want 3s, 2s, 4s", own.Timeout, own.ReadTimeout, own.WriteTimeout)
	}
}
