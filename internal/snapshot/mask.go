package snapshot

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlarrow"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Masks: personal data hidden at snapshot time.
//
// A column masked by hash, null or truncate(N) is read from the source as
// it is and changed in the reader, before its batch reaches the warehouse:
// the clear value is never written to the warehouse file, not even to a
// staging table. A dropped column is not read at all. The hash is keyed
// (HMAC-SHA256 with the site's key, which stays in the process): hashing
// the same value in MySQL would put the key in the query text, which the
// server shows in its process list and may log.
//
// A mask is part of the table's definition (its signature): adding,
// changing or removing one, or changing the hash key, copies the table
// again, so no clear value survives in a copy kept because the table did
// not change. It is recorded in audit.snapshot_columns.mask. Key columns
// and an incremental table's watermark cannot be masked: the load needs
// them as they are.
//
// Verification (--verify) compares what it can: a truncated column by its
// prefix, a nulled one as NULL, a hashed one by whether it is NULL.

// applyMasks sets t's masks from rules (column → rule): dropped columns
// leave t.Columns, the others are kept in t.masks. key is the hash key.
func (t *table) applyMasks(rules map[string]pipelines.Mask, key []byte, watermark string) error {
	if len(rules) == 0 {
		return nil
	}
	index := map[string]int{}
	for i, c := range t.Columns {
		index[c.Name] = i
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		m := rules[name]
		i, ok := index[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("mask %s on column %s: no such column (a mask that masks nothing would leave the data it was meant to hide)", m, name))
		case t.Columns[i].Key:
			problems = append(problems, fmt.Sprintf("mask %s on column %s: it is part of the primary key, which the load needs as it is", m, name))
		case name == watermark:
			problems = append(problems, fmt.Sprintf("mask %s on column %s: it is the incremental watermark, which the load needs as it is", m, name))
		case m.TextOnly() && t.Columns[i].Kind != mysqlarrow.KindText:
			problems = append(problems, fmt.Sprintf("mask %s on column %s: %s is not a text column (use null or drop)", m, name, t.Columns[i].ColumnType))
		case m.Kind == pipelines.MaskHash && len(key) == 0:
			problems = append(problems, fmt.Sprintf("mask hash on column %s: no hash key given", name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	cols := t.Columns[:0:0]
	var masks []pipelines.Mask
	for _, c := range t.Columns {
		m, ok := rules[c.Name]
		if ok && m.Kind == pipelines.MaskDrop {
			continue
		}
		if ok && m.Kind == pipelines.MaskNull {
			c.Nullable = true
		}
		cols = append(cols, c)
		masks = append(masks, m)
	}
	if !slices.ContainsFunc(masks, func(m pipelines.Mask) bool { return m.Kind != "" }) {
		masks = nil // only drops: the batches go through as they are
	}
	t.Columns, t.masks, t.maskKey = cols, masks, key
	t.maskSig = maskSignature(rules, key)
	return nil
}

// maskSignature describes the masks and the hash key (by a fingerprint
// that does not reveal it) for the table's signature.
func maskSignature(rules map[string]pipelines.Mask, key []byte) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		b.WriteString(strconv.Quote(name) + "=" + rules[name].String() + ";")
	}
	if len(key) > 0 {
		b.WriteString("key=" + pipelines.Mask{Kind: pipelines.MaskHash}.MaskText(key, "pushaudit mask key fingerprint")[:16])
	}
	return b.String()
}

// maskOf is column i's mask (the zero Mask: none).
func (t *table) maskOf(i int) pipelines.Mask {
	if i < len(t.masks) {
		return t.masks[i]
	}
	return pipelines.Mask{}
}

// masked reports whether any kept column of t is masked.
func (t *table) masked() bool { return t.masks != nil }

// maskRecord returns rec with t's masks applied, releasing rec when it
// made a new one.
func (t *table) maskRecord(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if rec == nil || !t.masked() {
		return rec, nil
	}
	mem := memory.DefaultAllocator
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		m := t.maskOf(i)
		col := rec.Column(i)
		switch m.Kind {
		case "":
			col.Retain()
			cols[i] = col
		case pipelines.MaskNull:
			cols[i] = array.MakeArrayOfNull(mem, col.DataType(), col.Len())
		case pipelines.MaskHash, pipelines.MaskTruncate:
			texts, ok := col.(interface {
				arrow.Array
				Value(int) string
			})
			if !ok {
				return nil, fmt.Errorf("mask %s on column %s: the batch holds %s, not text", m, t.Columns[i].Name, col.DataType())
			}
			b := array.NewBuilder(mem, col.DataType())
			sb, ok := b.(interface {
				array.Builder
				Append(string)
			})
			if !ok {
				b.Release()
				return nil, fmt.Errorf("mask %s on column %s: cannot build %s", m, t.Columns[i].Name, col.DataType())
			}
			sb.Reserve(col.Len())
			for r := 0; r < col.Len(); r++ {
				if texts.IsNull(r) {
					sb.AppendNull()
					continue
				}
				sb.Append(m.MaskText(t.maskKey, texts.Value(r)))
			}
			cols[i] = sb.NewArray()
			sb.Release()
		default:
			return nil, fmt.Errorf("mask %s on column %s: unknown kind", m, t.Columns[i].Name)
		}
	}
	out := array.NewRecordBatch(rec.Schema(), cols, rec.NumRows())
	rec.Release()
	return out, nil
}
