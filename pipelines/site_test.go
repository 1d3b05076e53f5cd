package pipelines_test

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestStaleRuns_EmptyNotLogged: an exchange that logs no empty push leaves
// quiet windows (q: nothing to push, no push) without an entry; they are
// no missing push, and a run is judged on the windows that had rows.
func TestStaleRuns_EmptyNotLogged(t *testing.T) {
	now := sh(2026, 11, 21, 6, 0)
	start := sh(2026, 11, 20, 0, 0)
	tests := []struct{ name, windows, want string }{
		{"a quiet night is not stale", "PqqqqqqqqP", ".........."},
		{"quiet windows inside an outage are part of it", "P..qq..P", ".SSSSSS."},
		{"quiet windows at the edges are not", "Pqq....qqP", "...SSSS..."},
		{"quiet windows inside a run count towards its span", "P.qqq.P", ".SSSSS."},
		{"short runs stay short", "P.q.P", "....."},
		// s: quiet, but due while the exchange's heartbeat was silent.
		{"a silent night is stale", "PqssssssqP", "..SSSSSS.."},
		{"silent windows join an outage", "P..sss.P", ".SSSSSS."},
		{"a short silence is no run", "PqsqqP", "......"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ws []pipelines.Window
			var fs []pipelines.Facts
			for i, c := range tc.windows {
				w := pipelines.Window{Start: start.Add(time.Duration(i) * 30 * time.Minute)}
				w.End = w.Start.Add(30 * time.Minute)
				f := pipelines.Facts{Deadline: w.End.Add(30 * time.Minute), Now: now, Expected: 3, EmptyNotLogged: true}
				switch c {
				case 'P':
					f.Batches, f.Succeeded = 1, 1
				case 'q':
					f.Expected = 0
				case 's':
					f.Expected, f.Silent = 0, true
				}
				ws, fs = append(ws, w), append(fs, f)
			}
			var b strings.Builder
			for _, s := range pipelines.StaleRuns(ws, fs, 2*time.Hour) {
				b.WriteByte(map[bool]byte{true: 'S', false: '.'}[s])
			}
			if got := b.String(); got != tc.want {
				t.Errorf("StaleRuns(%s) = %s, want %s", tc.windows, got, tc.want)
			}
		})
	}
	t.Run("logged: a quiet window without a push is a missing push", func(t *testing.T) {
		var ws []pipelines.Window
		var fs []pipelines.Facts
		for i := range 5 {
			w := pipelines.Window{Start: start.Add(time.Duration(i) * 30 * time.Minute)}
			w.End = w.Start.Add(30 * time.Minute)
			ws = append(ws, w)
			fs = append(fs, pipelines.Facts{Deadline: w.End, Now: now})
		}
		for i, s := range pipelines.StaleRuns(ws, fs, 2*time.Hour) {
			if !s {
				t.Errorf("window %d not stale", i)
			}
		}
	})
}

func TestEmptyNotLogged(t *testing.T) {
	tests := []struct {
		conv          string
		pushes, empty int64
		perRecord     bool
		want          bool
	}{
		{"logged", 10, 0, false, false},
		{"not_logged", 10, 3, false, true},
		{"auto", 10, 3, false, false},
		{"", 10, 0, false, true},
		{"auto", 0, 0, false, false}, // no history: nothing to go on
		{"auto", 10, 0, true, true},
	}
	for _, tc := range tests {
		if got := pipelines.EmptyNotLogged(tc.conv, tc.pushes, tc.empty, tc.perRecord); got != tc.want {
			t.Errorf("EmptyNotLogged(%q, %d, %d, %v) = %v, want %v", tc.conv, tc.pushes, tc.empty, tc.perRecord, got, tc.want)
		}
	}
}

func TestClassify_NoClaim(t *testing.T) {
	now := sh(2026, 11, 21, 6, 0)
	base := pipelines.Facts{Mode: pipelines.ModeRows, Deadline: sh(2026, 11, 20, 12, 0), Now: now, NoClaim: true}
	tests := []struct {
		name string
		f    func(*pipelines.Facts)
		want pipelines.Status
	}{
		{"all arrived", func(f *pipelines.Facts) { f.Expected, f.Received = 5, 5 }, pipelines.StatusOK},
		{"nothing arrived", func(f *pipelines.Facts) { f.Expected = 5 }, pipelines.StatusMissed},
		{"nothing to push", func(f *pipelines.Facts) {}, pipelines.StatusOK},
		{"part arrived", func(f *pipelines.Facts) { f.Expected, f.Received, f.Missing = 5, 3, 2 }, pipelines.StatusShort},
		{"twice", func(f *pipelines.Facts) { f.Expected, f.Received, f.Duplicate = 5, 6, 1 }, pipelines.StatusDuplicate},
	}
	for _, tc := range tests {
		f := base
		tc.f(&f)
		if got := pipelines.Classify(f); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// not yet due but complete: not pending.
	f := base
	f.Now = sh(2026, 11, 20, 11, 0)
	f.Expected, f.Received = 5, 5
	if got := pipelines.Classify(f); got != pipelines.StatusOK {
		t.Errorf("complete before the deadline: %s, want ok", got)
	}
}

func TestPushLogSpec_YAML(t *testing.T) {
	var plain struct {
		PushLog pipelines.PushLogSpec `yaml:"push_log"`
	}
	if err := yaml.Unmarshal([]byte("push_log: exchange.push_log\n"), &plain); err != nil {
		t.Fatal(err)
	}
	if got := plain.PushLog.Table(); got != "exchange.push_log" || !plain.PushLog.Plain() {
		t.Errorf("plain form: table %q, plain %v", got, plain.PushLog.Plain())
	}
	if got := plain.PushLog.Relation(); got != `"exchange"."push_log"` {
		t.Errorf("plain relation %s", got)
	}
	out, err := yaml.Marshal(plain)
	if err != nil || string(out) != "push_log: exchange.push_log\n" {
		t.Errorf("plain form written back as %q, %v", out, err)
	}

	var m struct {
		PushLog pipelines.PushLogSpec `yaml:"push_log"`
	}
	doc := `push_log:
  table: exg.t_push
  columns: {rows_sent: record_count, status: state, error: ""}
  status_ok: [成功]
  status_failed: [失败]
  time_format: epoch_ms
`
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	s := m.PushLog
	if s.Table() != "exg.t_push" || s.Source() != "exg" || s.Plain() {
		t.Errorf("mapping: table %q source %q plain %v", s.Table(), s.Source(), s.Plain())
	}
	if err := s.Validate("evidence.push_log"); err != nil {
		t.Errorf("valid mapping: %v", err)
	}
	if s.Column("rows_sent") != "record_count" || s.Column("batch_id") != "batch_id" || s.Column("error") != "" {
		t.Errorf("columns: %q %q %q", s.Column("rows_sent"), s.Column("batch_id"), s.Column("error"))
	}
	q := s.Query()
	for _, want := range []string{`p."record_count"`, `'成功'`, `'失败'`, `make_timestamp(`, `CAST(NULL AS VARCHAR) AS error`, `FROM "exg"."t_push" p`} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %s:\n%s", want, q)
		}
	}
}

func TestPushLogSpec_Validate(t *testing.T) {
	tests := []struct {
		name string
		spec pipelines.PushLogSpec
		want string
	}{
		{"plain without a dot", pipelines.PlainPushLog("push_log"), `evidence.push_log: "push_log" is not source.table`},
		{"mapping without a dot", pipelines.PushLogSpec{TableName: "push_log"}, `evidence.push_log.table: "push_log" is not source.table`},
		{"unknown field", pipelines.PushLogSpec{TableName: "e.p", Columns: map[string]string{"rows": "n"}}, `evidence.push_log.columns.rows: not a push-log field`},
		{"required field unmapped", pipelines.PushLogSpec{TableName: "e.p", Columns: map[string]string{"batch_id": ""}}, `evidence.push_log.columns.batch_id: empty`},
		{"not a column name", pipelines.PushLogSpec{TableName: "e.p", Columns: map[string]string{"status": "a b"}}, `evidence.push_log.columns.status: "a b" is not a column name`},
		{"status both ways", pipelines.PushLogSpec{TableName: "e.p", StatusOK: []string{"1"}, StatusFailed: []string{"1"}}, `evidence.push_log.status_failed[0]: "1" is also in status_ok`},
		{"empty status", pipelines.PushLogSpec{TableName: "e.p", StatusOK: []string{" "}}, `evidence.push_log.status_ok[0]: empty`},
		{"time format", pipelines.PushLogSpec{TableName: "e.p", TimeFormat: "unix"}, `evidence.push_log.time_format: "unix" is not datetime, timestamp, epoch_ms or epoch_s`},
		{"rows", pipelines.PushLogSpec{TableName: "e.p", Rows: "each"}, `evidence.push_log.rows: "each" is not per_push or per_record`},
		{"rows_sent needed per push", pipelines.PushLogSpec{TableName: "e.p", Columns: map[string]string{"rows_sent": ""}}, `evidence.push_log.columns.rows_sent: empty`},
	}
	for _, tc := range tests {
		err := tc.spec.Validate("evidence.push_log")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	ok := pipelines.PushLogSpec{TableName: "e.p", Rows: pipelines.RowsPerRecord, Columns: map[string]string{"rows_sent": ""}}
	if err := ok.Validate("evidence.push_log"); err != nil {
		t.Errorf("per record without rows_sent: %v", err)
	}
}
