package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// mustTmpfs mounts a tmpfs of size (e.g. "256m") on a new directory and
// unmounts it after the test; it skips where mounting is not permitted
// (not root, no CAP_SYS_ADMIN).
func mustTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0750", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the disk-full test needs root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// resize gives a tmpfs of mustTmpfs another size, its files kept: the
// space returns.
func resize(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s size=%s: %v: %s", dir, size, err, out)
	}
}

// fillUp writes a file in dir until the file system has no space left,
// and returns its path: removing it gives the space back.
func fillUp(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			break
		}
	}
	// the last blocks, byte by byte
	for {
		if _, err := f.Write(buf[:1]); err != nil {
			break
		}
	}
	return path
}

// TestDiskFull: the warehouse and the workbooks on a file system that
// fills up. Each run on a full disk ends with exit 2 and an error that
// says the space ran out; the warehouse still opens and holds the last
// complete snapshot and reconcile run; when the space returns, the next
// runs complete with exactly the undisturbed results.
func TestDiskFull(t *testing.T) {
	t.Parallel() // beside the other long fault tests; no t.Setenv here
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	// The warehouse's file system starts too small for the first
	// snapshot; the workbooks' too small for a workbook.
	fs := mustTmpfs(t, "3m")
	outFS := mustTmpfs(t, "24k")
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "11", "--days", "1",
		"--cases-per-day", "300", "--faults", "5", "--write-config", site)
	text, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	whRE := regexp.MustCompile(`(?m)^warehouse: .*$`)
	outRE := regexp.MustCompile(`(?m)^output_dir: .*$`)
	ref := MustWriteFile(t, dir, "ref.yaml", whRE.ReplaceAllString(string(text), "warehouse: ref.duckdb"))
	full := string(text)
	full = whRE.ReplaceAllString(full, "warehouse: "+filepath.Join(fs, "w.duckdb"))
	full = outRE.ReplaceAllString(full, "output_dir: "+outFS)
	conf := MustWriteFile(t, dir, "full.yaml", full)

	MustRunMain(t, exitOK, "--config", ref, "snapshot")
	want := reconcileState(t, ref)
	noSpace := regexp.MustCompile(`(?i)no space left on device|disk is full|out of space`)
	onFullDisk := func(step string, args ...string) {
		t.Helper()
		r := runMain(t, append([]string{"--config", conf}, args...)...)
		if r.code != exitCannot {
			t.Fatalf("%s on a full disk: exit %d, want %d\n%s", step, r.code, exitCannot, tail(r.stderr, 10))
		}
		errText := strings.Join(withoutLogRecords(lines(r.stderr)), "\n")
		if !strings.HasPrefix(errText, "pushaudit: ") || !noSpace.MatchString(errText) {
			t.Errorf("%s on a full disk: the error does not say the space ran out:\n%s", step, tail(errText, 8))
		}
		t.Logf("%s on a full disk: exit 2: %s", step, tail(errText, 2))
	}

	// The disk fills up during the first snapshot.
	onFullDisk("the first snapshot", "snapshot")
	resize(t, fs, "256m")
	for k, g := range reconcileState(t, conf) {
		if st := statusOf(g); st != "unverifiable" && st != "pending" {
			t.Errorf("after the first snapshot failed on a full disk, window %s is %q, want unverifiable", k, g)
		}
	}
	MustRunMain(t, exitOK, "--config", conf, "snapshot")
	if d := diffStates(want, reconcileState(t, conf)); len(d) > 0 {
		t.Fatalf("once the space returned: %d windows differ:\n%s", len(d), strings.Join(d[:min(len(d), 10)], "\n"))
	}
	// The workbooks' disk fills up while a workbook is written: nothing
	// half-written is left, and the warehouse is untouched.
	onFullDisk("report", "report", "--period", "2026-11-20")
	if ents, err := os.ReadDir(outFS); err != nil || len(ents) > 0 {
		t.Errorf("after the workbook failed on a full disk the output dir holds %v (%v)", ents, err)
	}
	resize(t, outFS, "64m")
	if r := runMain(t, "--config", conf, "report", "--period", "2026-11-20"); r.code != exitOK && r.code != exitFindings {
		t.Fatalf("report once the space returned: exit %d\n%s", r.code, tail(r.stderr, 10))
	}

	// New rows at the source, so that the snapshot has to write.
	mustExec(t, db, "UPDATE "+prefix+"biz.cases SET updated_at = updated_at + INTERVAL 1 SECOND WHERE MOD(id, 3) = 0")
	// The disk full before the next run begins.
	filler := fillUp(t, fs)
	onFullDisk("snapshot", "snapshot")
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// The space is back: what was published is intact, and the next
	// runs complete.
	got := reconcileState(t, conf)
	for k, g := range got {
		if st := statusOf(g); st != "unverifiable" && st != "pending" && g != want[k] {
			t.Errorf("after the failed snapshot, window %s is %q; the last complete run said %q", k, g, want[k])
		}
	}
	MustRunMain(t, exitOK, "--config", ref, "snapshot")
	want = reconcileState(t, ref)
	MustRunMain(t, exitOK, "--config", conf, "snapshot")
	if d := diffStates(want, reconcileState(t, conf)); len(d) > 0 {
		t.Fatalf("after the space returned: %d windows differ from the undisturbed run:\n%s", len(d), strings.Join(d[:min(len(d), 10)], "\n"))
	}
	r := runMain(t, "--config", conf, "report", "--period", "2026-11-20")
	if r.code != exitOK && r.code != exitFindings {
		t.Fatalf("report after the space returned: exit %d\n%s", r.code, tail(r.stderr, 10))
	}
}
