package warehouse_test

import (
	"context"
	"database/sql"
	"os"
	"os/user"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestWarehouse_BeginRun(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 23, 15, 0, 123456789, pipelines.Shanghai)
	wh := MustOpen(t, warehouse.Options{Now: func() time.Time { return now }, Version: "v1.2.3"})

	run, err := wh.BeginRun(ctx, "snapshot", []string{"--mysql=audit:s3cret@tcp(db:3306)/biz", "snapshot"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := run.ID, "20261127T231500.123-snapshot"; got != want {
		t.Errorf("run id = %q, want %q", got, want)
	}
	// Same millisecond, same command: the next millisecond.
	run2, err := wh.BeginRun(ctx, "snapshot", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := run2.ID, "20261127T231500.124-snapshot"; got != want {
		t.Errorf("second run id = %q, want %q", got, want)
	}

	var (
		status, args, version, runBy, host string
		started                            time.Time
		finished                           sql.NullTime
	)
	row := wh.DB().QueryRowContext(ctx, `SELECT status, args, version, started_at, finished_at, run_by, host FROM audit.runs WHERE run_id = ?`, run.ID)
	if err := row.Scan(&status, &args, &version, &started, &finished, &runBy, &host); err != nil {
		t.Fatal(err)
	}
	// The audit log of pushaudit's own actions: who, from which host.
	if me, err := user.Current(); err == nil && runBy != me.Username {
		t.Errorf("run_by = %q, want the OS user %q", runBy, me.Username)
	}
	if h, _ := os.Hostname(); host != h {
		t.Errorf("host = %q, want %q", host, h)
	}
	if status != warehouse.RunRunning || version != "v1.2.3" || finished.Valid {
		t.Errorf("row = %s %s %v", status, version, finished)
	}
	if strings.Contains(args, "s3cret") {
		t.Errorf("args %q keep the password", args)
	}
	if got, want := started.Format("2006-01-02 15:04:05.000"), "2026-11-27 23:15:00.123"; got != want {
		t.Errorf("started_at = %s, want Shanghai wall clock %s", got, want)
	}

	now = now.Add(90 * time.Second)
	if err := run.Finish(ctx, warehouse.RunOK, "3 sources"); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(ctx, warehouse.RunFailed, "again"); err == nil {
		t.Error("finishing twice: want an error")
	}
	if err := run2.Finish(ctx, "done", ""); err == nil {
		t.Error("unknown status: want an error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := run2.Finish(cancelled, warehouse.RunFailed, "interrupted"); err != nil {
		t.Errorf("finish with a cancelled context: %v", err)
	}
	var msg string
	row = wh.DB().QueryRowContext(ctx, `SELECT status, message, finished_at FROM audit.runs WHERE run_id = ?`, run.ID)
	if err := row.Scan(&status, &msg, &finished); err != nil {
		t.Fatal(err)
	}
	if status != warehouse.RunOK || msg != "3 sources" || !finished.Valid ||
		finished.Time.Format("15:04:05") != "23:16:30" {
		t.Errorf("finished row = %s %q %v", status, msg, finished)
	}

	if _, err := wh.BeginRun(ctx, "Bad Command", nil); err == nil {
		t.Error("bad command: want an error")
	}
}

func TestScrubArgs(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []string
		want []string
	}{
		{"dsn flag with =", []string{"--mysql=audit:s3cret@tcp(10.0.0.5:3306)/biz?parseTime=true"},
			[]string{"--mysql=audit@tcp(10.0.0.5:3306)/biz?parseTime=true"}},
		{"dsn flag, separate value", []string{"--source", "audit:p@ss:w/rd@tcp(db:3306)/stats", "snapshot"},
			[]string{"--source", "audit@tcp(db:3306)/stats", "snapshot"}},
		{"dsn without password", []string{"--mysql=audit@tcp(db:3306)/biz"},
			[]string{"--mysql=audit@tcp(db:3306)/biz"}},
		{"NAME=DSN", []string{"--source=biz=audit:s3cret@tcp(db:3306)/biz"},
			[]string{"--source=biz=audit@tcp(db:3306)/biz"}},
		{"NAME=DSN, separate value", []string{"--source", "biz=audit:s3cret@tcp(db:3306)/biz"},
			[]string{"--source", "biz=audit@tcp(db:3306)/biz"}},
		{"source name, not a dsn", []string{"--source", "biz"}, []string{"--source", "biz"}},
		{"password flag", []string{"--password=hunter2", "--token", "abc"},
			[]string{"--password=" + warehouse.Redacted, "--token", warehouse.Redacted}},
		{"url elsewhere", []string{"--webhook=https://bot:t0ken@hooks.example/x"},
			[]string{"--webhook=https://bot:" + warehouse.Redacted + "@hooks.example/x"}},
		{"bare dsn", []string{"root:toor@tcp(127.0.0.1:3306)/"},
			[]string{"root:" + warehouse.Redacted + "@tcp(127.0.0.1:3306)/"}},
		{"plain", []string{"reconcile", "--day=2026-11-27", "--config", "a.yaml"},
			[]string{"reconcile", "--day=2026-11-27", "--config", "a.yaml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := warehouse.ScrubArgs(tt.in)
			if strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
				t.Errorf("ScrubArgs(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			for _, secret := range []string{"s3cret", "p@ss", "hunter2", "abc", "t0ken", "toor"} {
				if strings.Contains(strings.Join(got, " "), secret) {
					t.Errorf("%q left in %q", secret, got)
				}
			}
		})
	}
}
