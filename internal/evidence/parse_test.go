package evidence

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestDuckType(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"BIGINT", "BIGINT"}, {"int", "BIGINT"}, {"INT UNSIGNED", "BIGINT"}, {"TINYINT(1)", "BIGINT"},
		{"SMALLINT", "BIGINT"}, {"MEDIUMINT", "BIGINT"},
		{"DECIMAL(12,8)", "DECIMAL(12,8)"}, {"decimal( 5 , 2 )", "DECIMAL(5,2)"}, {"DECIMAL", "DECIMAL(10,0)"},
		{"DECIMAL(10)", "DECIMAL(10,0)"}, {"DECIMAL(65,2)", "VARCHAR"}, {"DECIMAL(x,2)", "VARCHAR"},
		{"DATETIME", "TIMESTAMP"}, {"DATETIME(3)", "TIMESTAMP"}, {"TIMESTAMP", "TIMESTAMP"}, {"DATE", "DATE"},
		{"VARCHAR(64)", "VARCHAR"}, {"TEXT", "VARCHAR"}, {"DOUBLE", "VARCHAR"}, {"TIME", "VARCHAR"}, {"", "VARCHAR"},
	} {
		if got := pipelines.DuckType(tt.in); got != tt.want {
			t.Errorf("DuckType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConvert(t *testing.T) {
	cols := map[string]*column{}
	for _, c := range columnsOf(fxResource()) {
		cols[c.Name] = &c
	}
	for _, tt := range []struct {
		col, in string
		serial  bool
		want    string // "!" + part of the message for an error
	}{
		{"name", " as is ", false, " as is "},
		{"n", "42", false, "42"},
		{"n", " -7 ", false, "-7"},
		{"n", "+5", false, "5"},
		{"n", "5.0", false, "5"},
		{"n", "1e3", false, "1000"},
		{"n", "5.5", false, "!not an integer"},
		{"n", "9223372036854775807", false, "9223372036854775807"},
		{"n", "9223372036854775808", false, "!out of range"},
		{"n", "0x10", false, "!not an integer"},
		{"n", "1_000", false, "!not an integer"},
		{"amount", "104.06312345", false, "104.06312345"},
		{"amount", "1.5", false, "1.50000000"},
		{"amount", "-0.0", false, "0.00000000"},
		{"amount", "+007", false, "7.00000000"},
		{"amount", "1.", false, "1.00000000"},
		{"amount", "9999", false, "9999.00000000"},
		{"amount", "", false, "!not a number"},
		{"amount", "-", false, "!not a number"},
		{"amount", ".", false, "!not a number"},
		{"amount", "-.5", false, "-0.50000000"},
		{"amount", "1.000000005", false, "1.00000001"}, // halves away from zero, as MySQL
		{"amount", "-1.000000005", false, "-1.00000001"},
		{"amount", "1.5E-3", false, "0.00150000"},
		{"amount", "9999.99999999", false, "9999.99999999"},
		{"amount", "9999.999999995", false, "!out of range for DECIMAL(12,8)"},
		{"amount", "10000", false, "!out of range"},
		{"amount", "1e999", false, "!out of range"},
		{"amount", "1e9999", false, "!not a number"},
		{"amount", "1/3", false, "!not a number"},
		{"amount", "NaN", false, "!not a number"},
		{"amount", "1,5", false, "!not a number"},
		{"day", "2026-11-20", false, "2026-11-20"},
		{"day", "2026/11/20", false, "2026-11-20"},
		{"day", "2026/1/2", false, "2026-01-02"},
		{"day", "20261120", false, "2026-11-20"},
		{"day", "2026年11月20日", false, "2026-11-20"},
		{"day", "2026-11-20 13:00:00", false, "2026-11-20"},
		{"day", "0000-00-00", false, "!not a date"},
		{"day", "2026-02-30", false, "!not a date"},
		{"day", "46346", false, "!not a date"},
		{"day", "46346", true, "2026-11-20"},
		{"reported_at", "2026-11-20 10:00:00", false, "2026-11-20 10:00:00"},
		{"reported_at", "2026-11-20T10:00:00", false, "2026-11-20 10:00:00"},
		{"reported_at", "2026-11-20 10:00", false, "2026-11-20 10:00:00"},
		{"reported_at", "2026-11-20 10:00:00.123456", false, "2026-11-20 10:00:00.123456"},
		{"reported_at", "2026-11-20T02:00:00Z", false, "2026-11-20 10:00:00"},
		{"reported_at", "2026-11-20T10:00:00+08:00", false, "2026-11-20 10:00:00"},
		{"reported_at", "2026/11/20 10:00:00", false, "2026-11-20 10:00:00"},
		{"reported_at", "2026-11-20", false, "2026-11-20 00:00:00"},
		{"reported_at", "46346.5", true, "2026-11-20 12:00:00"},
		{"reported_at", "46346.5", false, "!not a date and time"},
		{"reported_at", "2026-11-20 24:00:00", false, "!not a date and time"},
		{"reported_at", "yesterday", false, "!not a date and time"},
	} {
		got, msg := convert(cols[tt.col], tt.in, tt.serial)
		if strings.HasPrefix(tt.want, "!") {
			if msg == "" || !strings.Contains(msg, tt.want[1:]) {
				t.Errorf("%s %q: got %q, message %q; want an error %q", tt.col, tt.in, got, msg, tt.want[1:])
			}
			continue
		}
		if msg != "" || got != tt.want {
			t.Errorf("%s %q = %q (%s), want %q", tt.col, tt.in, got, msg, tt.want)
		}
		// The canonical form converts to itself.
		if again, msg := convert(cols[tt.col], got, false); msg != "" || again != got {
			t.Errorf("%s %q: canonical %q converts to %q (%s)", tt.col, tt.in, got, again, msg)
		}
	}
}

func TestDecodeText(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		line           int // of the error; -1: no error
	}{
		{"utf8", "编码\n", "编码\n", -1},
		{"bom", "\xef\xbb\xbf编码\n", "编码\n", -1},
		{"gbk", "\xb1\xe0\xc2\xeb\n", "编码\n", -1},
		{"gbk euro", "\x80\n", "€\n", -1},
		{"ascii", "code\n", "code\n", -1},
		{"neither", "a\nb\n\xff", "", 3},
		{"truncated gbk", "a\n\xb1", "", 2},
		{"bad trail", "\xb1\x20", "", 1},
		{"utf16", "\xff\xfea\x00", "", 1},
	} {
		got, line, err := decodeText([]byte(tt.in))
		if tt.line < 0 {
			if err != nil || got != tt.want {
				t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
			}
			continue
		}
		if err == nil || line != tt.line {
			t.Errorf("%s: line %d, %v; want an error on line %d", tt.name, line, err, tt.line)
		}
	}
}

func TestSchema_Bind(t *testing.T) {
	s := newSchema(fxResource())
	for _, tt := range []struct {
		header  []string
		unknown string
		err     string // column of the header error
	}{
		{header: []string{"code", "name"}},
		{header: []string{"CODE", " Name "}},
		{header: []string{"\ufeff编码", "名称", "到达时间"}},
		{header: []string{"名称", "编码", "备注", ""}, unknown: "备注,(empty header in column 4)"},
		{header: []string{"name"}, err: "code"},
		{header: []string{"code", "编码"}, err: "code"},
		{header: []string{"code", "arrived_at", "到达时间"}, err: "arrived_at"},
	} {
		b, unknown, he := s.bind(tt.header)
		switch {
		case tt.err != "":
			if he == nil || he.column != tt.err {
				t.Errorf("%q: %+v, want an error on %s", tt.header, he, tt.err)
			}
		case he != nil || b == nil:
			t.Errorf("%q: %+v", tt.header, he)
		case strings.Join(unknown, ",") != tt.unknown:
			t.Errorf("%q: unknown %q, want %q", tt.header, unknown, tt.unknown)
		}
	}
}

func TestMatchReceipts(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"fx_1.csv", "fx_2.xlsx", "fx_3.json", "fx_4.JSON", "fx_5.txt", "gx_1.csv",
		".fx_6.csv", "~$fx_7.xlsx", "fx_8.csv.bak", "fx_.csv"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, "fx_9.csv"), 0o755)
	got, skipped, err := matchReceipts(dir, "fx_*.csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := "fx_.csv fx_1.csv fx_2.xlsx fx_3.json fx_4.JSON"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if want := "fx_5.txt fx_8.csv.bak"; strings.Join(skipped, " ") != want {
		t.Errorf("skipped %q, want %q", skipped, want)
	}
	if got, _, err := matchReceipts(filepath.Join(dir, "missing"), "fx_*.csv"); err != nil || len(got) != 0 {
		t.Errorf("missing dir: %q, %v", got, err)
	}
	if _, _, err := matchReceipts(dir, "fx_[.csv"); err == nil {
		t.Error("bad pattern: no error")
	}
}

func TestReceiptFiles_NoFiles(t *testing.T) {
	db := mustOpenDB(t)
	rep, err := (&ReceiptFiles{Dir: t.TempDir()}).Load(context.Background(), db, fxResource(), fxTarget)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 0 || len(rep.Files) != 0 || len(rep.Warnings) != 1 {
		t.Errorf("%+v", rep)
	}
	// The table exists, empty, so that reconcile finds nothing received.
	if got := dumpTable(t, db, rep.Table, []string{"code"}); len(got) != 0 {
		t.Errorf("rows %q", got)
	}
}

func TestReceiptFiles_NotReceipt(t *testing.T) {
	res := fxResource()
	res.Mode, res.Table = pipelines.ModeRows, "fx"
	if _, err := (&ReceiptFiles{Dir: t.TempDir()}).Load(context.Background(), mustOpenDB(t), res, fxTarget); err == nil {
		t.Error("no error for a rows resource")
	}
}

func TestFrontendTables_Shape(t *testing.T) {
	ctx := context.Background()
	res := fxResource()
	res.Mode, res.Table = pipelines.ModeRows, "fx"
	db := mustOpenDB(t)
	ev := &FrontendTables{}
	if _, err := ev.Load(ctx, db, res, fxTarget); !errors.Is(err, pipelines.ErrNoEvidence) {
		t.Errorf("missing table: %v, want ErrNoEvidence", err)
	}
	mustExec(t, db, "CREATE SCHEMA fe_t", "CREATE TABLE fe_t.fx (code VARCHAR, name VARCHAR, amount DOUBLE, reported_at TIMESTAMP, day DATE, batch_id VARCHAR, arrived_at TIMESTAMP)")
	_, err := ev.Load(ctx, db, res, fxTarget)
	if !errors.Is(err, pipelines.ErrNoEvidence) || !strings.Contains(err.Error(), "column amount is DOUBLE") || !strings.Contains(err.Error(), "column n missing") {
		t.Errorf("wrong shape: %v", err)
	}
	if _, err := ev.Load(ctx, db, fxResource(), fxTarget); err == nil {
		t.Error("receipt resource: no error")
	}
}

func TestCompatible(t *testing.T) {
	for _, tt := range []struct {
		want, got string
		ok        bool
	}{
		{"BIGINT", "INTEGER", true}, {"BIGINT", "UTINYINT", true}, {"BIGINT", "VARCHAR", false},
		{"DECIMAL(12,8)", "DECIMAL(12,8)", true}, {"DECIMAL(12,8)", "DOUBLE", false},
		{"TIMESTAMP", "TIMESTAMP", true}, {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", false},
		{"DATE", "DATE", true}, {"VARCHAR", "VARCHAR", true}, {"VARCHAR", "BLOB", false},
	} {
		if got := compatible(tt.want, tt.got); got != tt.ok {
			t.Errorf("compatible(%s, %s) = %v", tt.want, tt.got, got)
		}
	}
}

// PushLog is the claimed side: its rows are batches, not the resource's
// records, so it is checked here rather than by testEvidence.
func TestPushLog_Load(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	ev := &PushLog{}
	if ev.Name() == "" {
		t.Error("empty name")
	}
	res := fxResource()
	if _, err := ev.Load(ctx, db, res, fxTarget); !errors.Is(err, pipelines.ErrNoEvidence) {
		t.Errorf("missing push log: %v, want ErrNoEvidence", err)
	}
	mustExec(t, db, "CREATE SCHEMA exchange", `CREATE TABLE exchange.push_log (id BIGINT, target VARCHAR, resource VARCHAR,
		window_start TIMESTAMP, window_end TIMESTAMP, batch_id VARCHAR, rows_sent INTEGER, status VARCHAR, error VARCHAR,
		started_at TIMESTAMP, finished_at TIMESTAMP)`,
		`INSERT INTO exchange.push_log VALUES
		 (1, 't', 'fx', '2026-11-20', '2026-11-21', 'b1', 3, 'success', NULL, '2026-11-20 23:01', '2026-11-20 23:02'),
		 (2, 't', 'fx', '2026-11-21', '2026-11-22', 'b2', 0, 'failed', 'timeout', '2026-11-21 23:01', NULL),
		 (3, 't', 'FX', '2026-11-21', '2026-11-22', 'b3', 1, 'success', NULL, '2026-11-21 23:01', NULL),
		 (4, 'u', 'fx', '2026-11-21', '2026-11-22', 'b4', 1, 'success', NULL, '2026-11-21 23:01', NULL)`)
	rep, err := ev.Load(ctx, db, res, fxTarget)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 2 || rep.Table != "exchange.push_log" {
		t.Errorf("%+v, want 2 batches of exchange.push_log", rep)
	}
	mustExec(t, db, "ALTER TABLE exchange.push_log DROP COLUMN rows_sent")
	if _, err := ev.Load(ctx, db, res, fxTarget); err == nil || !strings.Contains(err.Error(), "rows_sent") {
		t.Errorf("push log without rows_sent: %v", err)
	}
}

func TestPlainNumber(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"5.1013102000002E+13", "51013102000002"}, {"1e3", "1000"}, {"1.5e0", "1.5e0"},
		{"51013102000002", "51013102000002"}, {"abc", "abc"}, {"Ee", "Ee"}, {"1e25", "1e25"},
	} {
		if got := plainNumber(tt.in); got != tt.want {
			t.Errorf("plainNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
