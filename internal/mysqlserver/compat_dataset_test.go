package mysqlserver

// The deterministic src.cases dataset of the compatibility tests.

import (
	"fmt"
	"strings"
	"time"
)

// dataset is the deterministic content of src.cases and what the queries
// over it must answer. The ts of its n rows spread evenly over two days.
type dataset struct {
	n         int
	base      time.Time     // first ts, wall clock in Asia/Shanghai
	step      time.Duration // ts distance between consecutive ids
	from, to  time.Time     // the INSERT ... SELECT window
	districts int           // src.districts holds ids 1..districts
}

const (
	numDistrictIDs = 20 // district_id in src.cases is 1..20
	numDistricts   = 18 // src.districts has 1..18, so the JOIN drops some rows
)

func newDataset(n int, loc *time.Location) *dataset {
	return &dataset{
		n:         n,
		base:      time.Date(2026, 11, 20, 0, 0, 0, 0, loc),
		step:      (48 * time.Hour / time.Duration(n)).Truncate(time.Millisecond),
		from:      time.Date(2026, 11, 20, 23, 0, 0, 0, loc),
		to:        time.Date(2026, 11, 21, 0, 0, 0, 0, loc),
		districts: numDistricts,
	}
}

func (d *dataset) ts(i int) time.Time { return d.base.Add(time.Duration(i) * d.step) }
func (d *dataset) district(i int) int { return i%numDistrictIDs + 1 }
func (d *dataset) status(i int) int   { return (i / 3) % 4 }
func (d *dataset) hasReporter(i int) bool {
	return i%11 != 0
}

// amountMicros is amount * 1e6.
func (d *dataset) amountMicros(i int) int64 { return int64(i%10000)*1_000_000 + int64(i%1_000_000) }

func formatMicros(m int64) string { return fmt.Sprintf("%d.%06d", m/1_000_000, m%1_000_000) }

// windowCount counts the rows of the INSERT ... SELECT window that join a district.
func (d *dataset) windowCount() int64 {
	var n int64
	for i := 1; i <= d.n; i++ {
		ts := d.ts(i)
		if !ts.Before(d.from) && ts.Before(d.to) && d.district(i) <= d.districts {
			n++
		}
	}
	return n
}

// rowSQL renders row i as an SQL tuple.
func (d *dataset) rowSQL(b *strings.Builder, i int) {
	reporter := "NULL"
	if d.hasReporter(i) {
		reporter = quote(fmt.Sprintf("网格员%03d", i%500))
	}
	closed := "NULL"
	if d.status(i) >= 2 {
		closed = quote(d.ts(i).Add(2 * time.Hour).Format("2006-01-02 15:04:05.000"))
	}
	sources := [...]string{"巡查", "12345热线", "视频智能识别"}
	fmt.Fprintf(b, "(%d,%s,%d,%s,%d,%d,%s,%s,%.6f,%.6f,%s,%s,%s,%s,%.1f)",
		i,
		quote(fmt.Sprintf("CD%010d", i)),
		d.district(i),
		quote(fmt.Sprintf("街道%02d", i%97)),
		i%9,
		d.status(i),
		reporter,
		quote(fmt.Sprintf("市民反映'井盖'破损\\需维修 #%d", i)),
		104.0+float64(i%1000)/10000,
		30.6+float64(i%997)/10000,
		formatMicros(d.amountMicros(i)),
		quote(d.ts(i).Format("2006-01-02 15:04:05.000")),
		closed,
		quote(sources[i%3]),
		float64(i%100)/10,
	)
}

// quote renders s as a single-quoted SQL string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}
