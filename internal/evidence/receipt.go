// Package evidence loads what the targets hold into the warehouse: receipt
// files of media copies (CSV in UTF-8 or GBK, XLSX, JSON), and checks of
// the front-end tables and push log that the snapshot already copied.
// Every adapter implements pipelines.Evidence.
package evidence

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ReceiptFiles loads the receipt files of a receipt resource: every file
// in Dir/<target key>/ whose name matches the resource's pattern (Table),
// with the pattern's extension replaced by any of .csv, .xlsx or .json
// (case-insensitive). Each file is one batch: batch_id is the file name,
// arrived_at the file's modification time (or, per row, the file's own
// arrived_at / 到达时间 column when it has one).
//
// Header names are the resource's column names (any case) or their
// Chinese names, in any order; unknown columns are ignored with a
// warning. An empty field, an empty cell, a JSON null and \N are NULL.
//
// A file larger than MaxBytes is not read: it fails with its size named,
// and the other files load.
type ReceiptFiles struct {
	Dir string
	// MaxBytes bounds one receipt file (0: DefaultReceiptMaxBytes). A
	// receipt is read whole: the bound keeps a stray dump in the folder
	// from taking the machine's memory.
	MaxBytes int64
}

// DefaultReceiptMaxBytes is ReceiptFiles.MaxBytes when unset: a receipt
// of the largest media copy (a year of a district's cases, one line
// each) is a few megabytes.
const DefaultReceiptMaxBytes = 64 << 20

var _ pipelines.Evidence = (*ReceiptFiles)(nil)

// Name implements pipelines.Evidence.
func (*ReceiptFiles) Name() string { return "receipt_files" }

// receiptExts are the file kinds a receipt may come in.
var receiptExts = map[string]func(file string, data []byte, s *schema, emit func(record) error) *parsed{
	".csv":  parseCSV,
	".xlsx": parseXLSX,
	".json": parseJSON,
}

// Load implements pipelines.Evidence.
func (e *ReceiptFiles) Load(ctx context.Context, wh pipelines.EvidenceWarehouse, res *pipelines.Resource, target *pipelines.Target) (pipelines.EvidenceReport, error) {
	table := pipelines.EvidenceTable(res, target)
	rep := pipelines.EvidenceReport{Adapter: e.Name(), Table: table}
	if res.Mode != pipelines.ModeReceipt {
		return rep, fmt.Errorf("evidence %s: %s is not a receipt resource (mode %s)", e.Name(), res.ID(), res.Mode)
	}
	dir := filepath.Join(e.Dir, target.Key)
	files, skipped, err := matchReceipts(dir, res.Table)
	if err != nil {
		return rep, fmt.Errorf("evidence %s %s: %w", e.Name(), res.ID(), err)
	}
	for _, name := range skipped {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: not read: a receipt is .csv, .xlsx or .json", name))
	}
	if len(files) == 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("no receipt file matches %s in %s", res.Table, dir))
	}
	s := newSchema(res)
	schemaName, tableName := splitTable(table)
	n, err := store(ctx, wh, schemaName, tableName, s.cols, func(add func([]driver.Value) error) error {
		row := make([]driver.Value, len(s.cols)+2)
		stems := map[string]string{}
		for _, name := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			ext := filepath.Ext(name)
			stem := strings.TrimSuffix(name, ext)
			if prev, ok := stems[stem]; ok {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s and %s are the same receipt in two formats: both are loaded", prev, name))
			}
			stems[stem] = name
			path := filepath.Join(dir, name)
			ef := pipelines.EvidenceFile{Name: name}
			st, err := os.Stat(path)
			var data []byte
			if err == nil {
				ef.ArrivedAt = st.ModTime().In(pipelines.Shanghai)
				if max := e.maxBytes(); st.Size() > max {
					err = fmt.Errorf("%d bytes, more than the %d a receipt file may have: not read", st.Size(), max)
				} else {
					data, err = os.ReadFile(path)
				}
			}
			if err != nil {
				ef.Failed = true
				rep.Errors = append(rep.Errors, pipelines.RowError{File: name, Msg: err.Error()})
				rep.Files = append(rep.Files, ef)
				continue
			}
			arrived := ef.ArrivedAt.Format("2006-01-02 15:04:05.999999")
			p := receiptExts[strings.ToLower(ext)](name, data, s, func(r record) error {
				for i, v := range r.vals {
					if v == nil {
						row[i] = nil
					} else {
						row[i] = *v
					}
				}
				row[len(s.cols)], row[len(s.cols)+1] = name, arrived
				if r.arrived != nil {
					row[len(s.cols)+1] = *r.arrived
				}
				return add(row)
			})
			if p.err != nil {
				return p.err
			}
			ef.Rows, ef.Rejected, ef.Failed = p.rows, p.rejected, p.failed
			rep.Errors = append(rep.Errors, p.errs...)
			rep.Warnings = append(rep.Warnings, p.warnings...)
			rep.Files = append(rep.Files, ef)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("evidence %s %s: load %s: %w", e.Name(), res.ID(), table, err)
	}
	rep.Rows = n
	return rep, nil
}

func (e *ReceiptFiles) maxBytes() int64 {
	if e.MaxBytes > 0 {
		return e.MaxBytes
	}
	return DefaultReceiptMaxBytes
}

// matchReceipts lists the files of dir that match pattern with any
// receipt extension, in name order, and the files that match it with
// another extension (not read). A missing dir has none.
func matchReceipts(dir, pattern string) (files, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	stem := strings.TrimSuffix(pattern, filepath.Ext(pattern))
	if _, err := filepath.Match(stem, ""); err != nil {
		return nil, nil, fmt.Errorf("receipt pattern %q: %w", pattern, err)
	}
	for _, en := range entries {
		name := en.Name()
		if en.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
			continue
		}
		ext := filepath.Ext(name)
		if ok, _ := filepath.Match(stem, strings.TrimSuffix(name, ext)); !ok {
			continue
		}
		if _, ok := receiptExts[strings.ToLower(ext)]; ok {
			files = append(files, name)
		} else {
			skipped = append(skipped, name)
		}
	}
	sort.Strings(files)
	sort.Strings(skipped)
	return files, skipped, nil
}
