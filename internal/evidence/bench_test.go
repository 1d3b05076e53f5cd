package evidence

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkReceiptFiles_CSV loads a receipt of 200,000 components.
func BenchmarkReceiptFiles_CSV(b *testing.B) {
	const n = 200_000
	var buf bytes.Buffer
	buf.WriteString("code,name,amount,reported_at,day,n\n")
	for i := range n {
		fmt.Fprintf(&buf, "C-%07d,成华区 部件 %d,%d.%08d,2026-11-20 10:%02d:00,2026-11-20,%d\n", i, i, i%1000, i, i%60, i)
	}
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, fxTarget.Key, "fx_20261120.csv"), buf.Bytes(), t1)
	db := mustOpenDB(b)
	ev := &ReceiptFiles{Dir: dir}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		rep, err := ev.Load(context.Background(), db, fxResource(), fxTarget)
		if err != nil || rep.Rows != n || len(rep.Errors) != 0 {
			b.Fatalf("%v %d %v", err, rep.Rows, rep.Errors)
		}
	}
}
