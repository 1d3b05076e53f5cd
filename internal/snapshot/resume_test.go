package snapshot

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// Environment of the helper process of TestSnapshot_KillAndResume.
const (
	envHelperWarehouse = "PUSHAUDIT_SNAPSHOT_HELPER_WAREHOUSE"
	envHelperDSN       = "PUSHAUDIT_SNAPSHOT_HELPER_DSN"
)

// resumeRows is the size of the table the kill-and-resume test copies.
const resumeRows = 120_000

// resumeOpts read slowly in small chunks, so that the helper can be
// killed in the middle of the table.
func resumeOpts() Options {
	return Options{AllowPrimary: true, ChunkRows: 4000, ChunkTime: -1,
		Throttle: Throttle{MaxRowsPerSec: 30_000}}
}

// TestSnapshotHelperProcess is not a test: TestSnapshot_KillAndResume runs
// the test binary with it to snapshot in a child process it can kill -9.
// It prints "chunk N ROWS" after every committed chunk.
func TestSnapshotHelperProcess(t *testing.T) {
	path := os.Getenv(envHelperWarehouse)
	if path == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	run, err := wh.BeginRun(ctx, "snapshot", nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	opts := resumeOpts()
	opts.hooks.afterChunk = func(schema, table string, chunks, rows int64) {
		fmt.Printf("chunk %d %d\n", chunks, rows)
	}
	_, err = Snapshot(ctx, wh, run, []Source{{Name: "biz", DSN: os.Getenv(envHelperDSN), Tables: []string{"big"}}}, opts)
	fmt.Println("done", err)
	os.Exit(0)
}

// TestSnapshot_KillAndResume kills a snapshot in a child process with
// SIGKILL in the middle of a table, checks that the warehouse opens with
// the previous snapshot intact, then runs again: the run resumes after
// the last committed chunk (it reads fewer chunks) and publishes exact,
// complete data.
func TestSnapshot_KillAndResume(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE big (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL,
			amount DECIMAL(12,2) NOT NULL, ts DATETIME(3) NOT NULL)`,
		`INSERT INTO big SELECT seq * 3, CONCAT('案卷-', seq), seq / 100, '2026-11-20 00:00:00.001' + INTERVAL seq SECOND
			FROM seq_1_to_`+strconv.Itoa(resumeRows/2))
	path := filepath.Join(t.TempDir(), "warehouse.duckdb")

	// Run 1, in process: the previous snapshot, half the rows.
	wh, err := warehouse.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Snapshot(ctx, wh, MustBeginRun(t, wh), []Source{{Name: "biz", DSN: db.DSN, Tables: []string{"big"}}}, Options{AllowPrimary: true}); err != nil {
		t.Fatal(err)
	}
	want1 := bigDigest(t, wh)
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, `INSERT INTO big SELECT seq * 3, CONCAT('案卷-', seq), seq / 100, '2026-11-20 00:00:00.001' + INTERVAL seq SECOND
			FROM seq_`+strconv.Itoa(resumeRows/2+1)+`_to_`+strconv.Itoa(resumeRows))

	// Run 2, in a child process, killed after a few chunks.
	cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelperWarehouse+"="+path, envHelperDSN+"="+db.DSN)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killedAt := int64(-1)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		var chunks, rows int64
		if n, _ := fmt.Sscanf(line, "chunk %d %d", &chunks, &rows); n == 2 && chunks >= 4 {
			_ = cmd.Process.Kill() // SIGKILL
			killedAt = rows
			break
		}
	}
	_ = cmd.Wait()
	if killedAt < 0 {
		t.Fatalf("helper finished before it could be killed: %q", lines)
	}
	if killedAt >= resumeRows {
		t.Fatalf("killed after %d rows: the whole table was read", killedAt)
	}

	// The warehouse opens, the previous snapshot intact, the progress kept.
	wh, err = warehouse.Open(ctx, path)
	if err != nil {
		t.Fatalf("warehouse after kill -9: %v", err)
	}
	defer wh.Close()
	if got := bigDigest(t, wh); got != want1 {
		t.Errorf("after the kill biz.big = %s, want the previous snapshot %s", got, want1)
	}
	prog := queryStrings(t, wh, `SELECT chunks, rows_done, done FROM audit.snapshot_progress WHERE source = 'biz' AND table_name = 'big'`)
	if len(prog) != 1 || prog[0][2] != "false" {
		t.Fatalf("progress after the kill = %q", prog)
	}
	keptRows, _ := strconv.ParseInt(prog[0][1], 10, 64)
	keptChunks, _ := strconv.ParseInt(prog[0][0], 10, 64)
	if keptRows < killedAt || keptRows == 0 {
		t.Errorf("progress kept %d rows, the helper reported %d committed", keptRows, killedAt)
	}

	// Run 3: resumes after the last committed chunk.
	var chunksRead int64
	opts := Options{AllowPrimary: true, ChunkRows: 4000, ChunkTime: -1}
	opts.hooks.afterChunk = func(schema, table string, chunks, rows int64) { chunksRead++ }
	rep, err := Snapshot(ctx, wh, MustBeginRun(t, wh), []Source{{Name: "biz", DSN: db.DSN, Tables: []string{"big"}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := rep.Sources[0].Tables[0]
	t.Logf("killed after %d committed rows; resumed %d rows in %d chunks, read %d more chunks", killedAt, tr.ResumedRows, keptChunks, chunksRead)
	if tr.ResumedRows != keptRows || tr.Chunks != keptChunks+chunksRead || tr.RowsLoaded != resumeRows {
		t.Errorf("resumed run: resumed %d rows (want %d), chunks %d = %d kept + %d read, loaded %d (want %d)",
			tr.ResumedRows, keptRows, tr.Chunks, keptChunks, chunksRead, tr.RowsLoaded, resumeRows)
	}
	if got, want := bigDigest(t, wh), sourceDigest(t, db); got != want {
		t.Errorf("published biz.big = %s, source %s", got, want)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM audit.snapshot_progress`); n != 0 {
		t.Errorf("%d progress rows after the resumed run published", n)
	}
	row := queryStrings(t, wh, `SELECT resumed_rows, read_whole, chunk_key FROM audit.snapshots WHERE run_id = ? AND table_name = 'big'`, rep.RunID)
	if len(row) != 1 || row[0][0] != strconv.FormatInt(keptRows, 10) || row[0][1] != "false" || row[0][2] != "id" {
		t.Errorf("audit.snapshots of the resumed run = %q", row)
	}
}

// bigDigest summarises biz.big in the warehouse.
func bigDigest(t *testing.T, wh *warehouse.Warehouse) string {
	t.Helper()
	r := queryStrings(t, wh, `SELECT count(*), count(DISTINCT id), sum(id)::VARCHAR, sum(amount)::VARCHAR,
		sum(length(name))::VARCHAR, min(name), max(name), strftime(min(ts), '%Y-%m-%d %H:%M:%S.%g'), strftime(max(ts), '%Y-%m-%d %H:%M:%S.%g')
		FROM biz.big`)
	return strings.Join(r[0], "|")
}

// sourceDigest is bigDigest computed by MariaDB.
func sourceDigest(t *testing.T, db *testDatabase) string {
	t.Helper()
	var vals [9]string
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.Admin.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), SUM(CHAR_LENGTH(name)),
		MIN(name COLLATE utf8mb4_bin), MAX(name COLLATE utf8mb4_bin),
		DATE_FORMAT(MIN(ts), '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(MAX(ts), '%Y-%m-%d %H:%i:%s.%f') FROM big`).Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	vals[7], vals[8] = vals[7][:23], vals[8][:23]
	return strings.Join(vals[:], "|")
}

// TestSnapshot_Chunks reads tables in many small chunks: signed keys with
// gaps and negatives, unsigned keys above 2^63, and a table without a
// primary key, read whole and said so.
func TestSnapshot_Chunks(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE s (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20))`,
		`INSERT INTO s SELECT CAST(seq AS SIGNED) * 7 - 20000, CONCAT('v', seq) FROM seq_1_to_9999`,
		`INSERT INTO s VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max')`,
		`CREATE TABLE u (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT)`,
		`INSERT INTO u SELECT 18446744073709551615 - seq * 1000, seq FROM seq_0_to_2999`,
		`INSERT INTO u SELECT seq, seq FROM seq_0_to_2999`,
		`CREATE TABLE nokey (a INT, b VARCHAR(5))`,
		`INSERT INTO nokey SELECT seq % 10, 'x' FROM seq_1_to_2500`,
		`CREATE TABLE comp (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b))`,
		`INSERT INTO comp SELECT seq % 10, seq FROM seq_1_to_100`)
	wh := MustOpenWarehouse(t)
	run := MustBeginRun(t, wh)
	rep, err := Snapshot(ctx, wh, run, []Source{{Name: "biz", DSN: db.DSN}},
		Options{AllowPrimary: true, ChunkRows: 1000, ChunkTime: -1})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*TableReport{}
	for _, tr := range rep.Sources[0].Tables {
		byName[tr.Name] = tr
	}
	if tr := byName["s"]; tr.ReadWhole || tr.Chunks != 11 || tr.RowsLoaded != 10001 {
		t.Errorf("s: whole %v, %d chunks, %d rows", tr.ReadWhole, tr.Chunks, tr.RowsLoaded)
	}
	if tr := byName["u"]; tr.ReadWhole || tr.Chunks != 7 || tr.RowsLoaded != 6000 {
		t.Errorf("u: whole %v, %d chunks, %d rows", tr.ReadWhole, tr.Chunks, tr.RowsLoaded)
	}
	for _, n := range []string{"nokey", "comp"} {
		if tr := byName[n]; !tr.ReadWhole || tr.Chunks != 1 {
			t.Errorf("%s: whole %v, %d chunks", n, tr.ReadWhole, tr.Chunks)
		}
	}
	for q, want := range map[string]string{
		`SELECT count(*), count(DISTINCT id), sum(id)::VARCHAR, min(id)::VARCHAR, max(id)::VARCHAR FROM biz.s`: "10001|10001|" +
			strconv.Itoa(sumS()) + "|-9223372036854775808|9223372036854775807",
		`SELECT count(*), count(DISTINCT id), max(id)::VARCHAR, min(id)::VARCHAR, sum(v)::VARCHAR FROM biz.u`: "6000|6000|18446744073709551615|0|8997000",
		`SELECT count(*), sum(a)::VARCHAR FROM biz.nokey`:                                                     "2500|11250",
		`SELECT read_whole, chunk_key IS NULL FROM audit.snapshots WHERE table_name = 'nokey'`:                "true|true",
		`SELECT read_whole, chunk_key FROM audit.snapshots WHERE table_name = 's'`:                            "false|id",
	} {
		if got := strings.Join(queryStrings(t, wh, q)[0], "|"); got != want {
			t.Errorf("%s\n got %s\nwant %s", q, got, want)
		}
	}
}

// sumS is the sum of the ids of table s of TestSnapshot_Chunks.
func sumS() int {
	n := -9223372036854775808 + 9223372036854775807
	for seq := 1; seq <= 9999; seq++ {
		n += seq*7 - 20000
	}
	return n
}
