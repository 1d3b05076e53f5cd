package sim

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// statsDriftCounters are the counters a statistics drift flips.
var statsDriftCounters = []string{"close_cnt", "file_cnt", "dispatch_cnt", "handle_cnt", "ontime_close_cnt", "rework_cnt"}

// onceDrifts are changes to the source of one-time resources made after
// they were pushed. Each touches a table that feeds exactly one resource.
var onceDrifts = []struct {
	target, resource string
	table            string
	update           string // %s is the row id
}{
	{"city_cgw", "timing_management", "timing_rules", "UPDATE biz.timing_rules SET limit_minutes = limit_minutes + 30 WHERE id = %d"},
	{"city_cgw", "position", "positions", "UPDATE biz.positions SET name = CONCAT(name, '(调整)') WHERE id = %d"},
}

// drift applies the statistics and one-time source drifts.
func (s *simulation) drift(ctx context.Context, p *plan) error {
	r := s.rng(4)
	for _, n := range p.stats {
		day := s.o.Start.AddDate(0, 0, r.IntN(s.o.Days))
		counter := statsDriftCounters[r.IntN(len(statsDriftCounters))]
		var total int64
		q := s.sql(fmt.Sprintf("SELECT COUNT(*) FROM stats.case_eval WHERE stat_date = '%s'", day.Format(time.DateOnly)))
		if err := s.db.QueryRowContext(ctx, q).Scan(&total); err != nil {
			return fmt.Errorf("%w: %v", ErrServer, err)
		}
		if total == 0 {
			return fmt.Errorf("sim: fault %d (%s): no cases on %s", n, FaultStatsDrift, day.Format(time.DateOnly))
		}
		var caseID int64
		q = s.sql(fmt.Sprintf("SELECT case_id FROM stats.case_eval WHERE stat_date = '%s' ORDER BY case_id LIMIT 1 OFFSET %d", day.Format(time.DateOnly), r.Int64N(total)))
		if err := s.db.QueryRowContext(ctx, q).Scan(&caseID); err != nil {
			return fmt.Errorf("%w: %v", ErrServer, err)
		}
		if _, err := s.exec(ctx, fmt.Sprintf("UPDATE stats.case_eval SET %s = 1 - %s WHERE case_id = %d", counter, counter, caseID)); err != nil {
			return err
		}
		detail := fmt.Sprintf("case %d: %s flipped", caseID, counter)
		p.records = append(p.records, FaultRecord{N: n, Kind: FaultStatsDrift, Target: pipelines.StatsTarget, Resource: pipelines.StatsResource, From: rfc(day), To: rfc(day.AddDate(0, 0, 1)), Detail: detail})
		p.add(ManifestEntry{Target: pipelines.StatsTarget, Resource: pipelines.StatsResource, WindowStart: rfc(day), Kind: FaultStatsDrift, ExpectStatus: FaultStatsDrift.ExpectStatus(), Fault: n, Detail: detail})
	}
	var drifts []int
	for i, d := range onceDrifts {
		if res, ok := s.o.Catalog.Resource(d.target, d.resource); ok && res.Cadence == pipelines.Once {
			drifts = append(drifts, i)
		}
	}
	for _, n := range p.once {
		if len(drifts) == 0 {
			return fmt.Errorf("sim: fault %d (%s): the catalog has none of the one-time resources it drifts", n, FaultOnceDrift)
		}
		d := onceDrifts[drifts[r.IntN(len(drifts))]]
		var ids int64
		if err := s.db.QueryRowContext(ctx, s.sql("SELECT COUNT(*) FROM biz."+d.table)).Scan(&ids); err != nil {
			return fmt.Errorf("%w: %v", ErrServer, err)
		}
		var id int64
		if err := s.db.QueryRowContext(ctx, s.sql(fmt.Sprintf("SELECT id FROM biz.%s ORDER BY id LIMIT 1 OFFSET %d", d.table, r.Int64N(ids)))).Scan(&id); err != nil {
			return fmt.Errorf("%w: %v", ErrServer, err)
		}
		if _, err := s.exec(ctx, fmt.Sprintf(d.update, id)); err != nil {
			return err
		}
		w := pipelines.OneTimeWindow(s.o.Start)
		detail := fmt.Sprintf("biz.%s id %d changed after the one-time push", d.table, id)
		p.records = append(p.records, FaultRecord{N: n, Kind: FaultOnceDrift, Target: d.target, Resource: d.resource, From: rfc(w.Start), Detail: detail})
		p.add(ManifestEntry{Target: d.target, Resource: d.resource, WindowStart: rfc(w.Start), Kind: FaultOnceDrift, ExpectStatus: FaultOnceDrift.ExpectStatus(), Fault: n, Detail: detail})
	}
	return nil
}

// writeReceipts writes, for each media-copy resource, the receipt file the
// target returned: the records it holds, as CSV in UTF-8.
func (s *simulation) writeReceipts(ctx context.Context) error {
	w := pipelines.OneTimeWindow(s.o.Start)
	for i := range s.o.Catalog.Resources {
		res := &s.o.Catalog.Resources[i]
		if res.Mode != pipelines.ModeReceipt {
			continue
		}
		q, err := sourceSQL(res, w)
		if err != nil {
			return err
		}
		rows, err := s.db.QueryContext(ctx, s.sql(q+" ORDER BY 1"))
		if err != nil {
			return fmt.Errorf("%w: receipt %s: %v", ErrServer, res.ID(), err)
		}
		name := strings.ReplaceAll(res.Table, "*", s.o.Start.Format("20060102"))
		path := filepath.Join(s.o.ReceiptDir, res.Target, name)
		if err := writeCSV(path, res, rows); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
		// the receipt came back with the media copy, on the first morning.
		copied := s.o.Start.Add(3 * time.Hour)
		if err := os.Chtimes(path, copied, copied); err != nil {
			return fmt.Errorf("sim: receipt %s: %w", path, err)
		}
		s.res.Receipts = append(s.res.Receipts, path)
	}
	return nil
}

func writeCSV(path string, res *pipelines.Resource, rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("sim: receipt: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sim: receipt: %w", err)
	}
	cw := csv.NewWriter(f)
	head := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		head[i] = c.Name
	}
	cw.Write(head)
	vals := make([]any, len(head))
	ptrs := make([]any, len(head))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(head))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			f.Close()
			return fmt.Errorf("sim: receipt %s: %w", path, err)
		}
		for i, v := range vals {
			rec[i] = csvValue(v)
		}
		cw.Write(rec)
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		f.Close()
		return fmt.Errorf("sim: receipt %s: %w", path, err)
	}
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("sim: receipt %s: %w", path, err)
	}
	return f.Close()
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case time.Time:
		return x.In(pipelines.Shanghai).Format("2006-01-02 15:04:05")
	default:
		return fmt.Sprint(x)
	}
}
