package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/config"
)

// FuzzParse: any bytes give a config or an error that starts with the
// file's name, never a panic; an accepted config validates again, and its
// schedules and level rules can be built.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"../../testdata/bad/config", "../../testdata"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		"", "warehouse: w.duckdb\n", "sources: {biz: {database: biz, addr: 'h:1', user: u}}\n",
		"schedules: {hourly: {align: 30m, deadline_after: 1h}}\n", "schedules: {hourly: {align: 9999h}}\n",
		"fault_levels: {by_status: {missed: 2}}\n", "alerts: {groups: {g: {receivers: [{kind: webhook, url: 'http://x'}]}}}\n",
		"serve: {schedules: {snapshot: '*/5 * * * *'}}\n", "now: 2026-11-20T10:00:00+08:00\n", "\t\x00\xff",
	} {
		f.Add([]byte(s))
	}
	const name = "fuzz.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(bytes.NewReader(data), name, t.TempDir())
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config "+name+": ") {
				t.Fatalf("error does not name the file: %q", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config does not validate again: %v", err)
		}
		_ = c.ScheduleSet()
		_ = c.LevelRules()
		_ = c.SourceNames()
	})
}
