package main

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// personalMasks is how the test site masks its personal data, by column
// name, in every source that has the column: the business tables and the
// front-end copies of them alike, so that both sides of a resource carry
// the same masked value.
var personalMasks = map[string]string{
	"phone":       "hash",
	"address":     "truncate(3)",
	"description": "null",
}

// maskedSiteConfig returns the site config text with masks on every
// column personalMasks names, in every source whose database has it, and
// the mask key in site.maskkey beside it.
func maskedSiteConfig(t *testing.T, db *sql.DB, text string) string {
	t.Helper()
	var c map[string]any
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatal(err)
	}
	snap, _ := c["snapshot"].(map[string]any)
	if snap == nil {
		snap = map[string]any{}
		c["snapshot"] = snap
	}
	snap["mask_key_file"] = "site.maskkey"
	sources, _ := c["sources"].(map[string]any)
	masked := 0
	for name, s := range sources {
		src, _ := s.(map[string]any)
		database, _ := src["database"].(string)
		if database == "" {
			t.Fatalf("source %s has no database in the config", name)
		}
		rows, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = ? AND column_name IN ('phone', 'address', 'description')`, database)
		if err != nil {
			t.Fatal(err)
		}
		masks := map[string]any{}
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			m, _ := masks[table].(map[string]any)
			if m == nil {
				m = map[string]any{}
				masks[table] = m
			}
			m[col] = personalMasks[col]
			masked++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if len(masks) > 0 {
			src["masks"] = masks
		}
	}
	if masked < 5 {
		t.Fatalf("only %d columns to mask in the simulated sources", masked)
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clearValues are personal values as the source holds them, which no
// output of pushaudit may show once they are masked.
type clearValues struct {
	values []string
	find   *strings.Replacer // every value → a marker, in one pass
}

const leakMarker = "\x00LEAK\x00"

// mustClearPersonalData reads, from the simulated business database, the
// clear values of the columns personalMasks names. Left out: values that a
// mask keeps whole (an address of three characters or fewer), and values
// that are public labels too: the simulator describes a case by its
// category ("路灯问题"), which is also in a resource's name (路灯问题信息).
func mustClearPersonalData(t *testing.T, db *sql.DB, database string) *clearValues {
	t.Helper()
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var labels strings.Builder
	for _, tg := range cat.Targets {
		for _, r := range cat.ResourcesOf(tg.Key) {
			labels.WriteString(r.NameZH + "\n")
		}
	}
	cv := &clearValues{}
	for _, q := range []string{
		"SELECT DISTINCT phone FROM `" + database + "`.supervisors",
		"SELECT DISTINCT phone FROM `" + database + "`.staff",
		"SELECT DISTINCT address FROM `" + database + "`.cases",
		"SELECT DISTINCT description FROM `" + database + "`.cases",
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v sql.NullString
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v.Valid && utf8.RuneCountInString(v.String) > 3 && !strings.Contains(labels.String(), v.String) {
				cv.values = append(cv.values, v.String)
			}
		}
		rows.Close()
	}
	if len(cv.values) < 100 {
		t.Fatalf("only %d clear personal values in %s", len(cv.values), database)
	}
	pairs := make([]string, 0, 2*len(cv.values))
	for _, v := range cv.values {
		pairs = append(pairs, v, leakMarker+v+leakMarker)
	}
	cv.find = strings.NewReplacer(pairs...)
	return cv
}

func (cv *clearValues) n() int { return len(cv.values) }

// lookIn fails the test for every clear value that text shows.
func (cv *clearValues) lookIn(t *testing.T, where, text string) {
	t.Helper()
	marked := cv.find.Replace(text)
	if marked == text {
		return
	}
	parts := strings.Split(marked, leakMarker)
	var leaked []string
	for i := 1; i < len(parts); i += 2 {
		before, after := []rune(parts[i-1]), []rune(parts[i+1])
		before, after = before[max(0, len(before)-40):], after[:min(len(after), 40)]
		leaked = append(leaked, fmt.Sprintf("%q in …%s[%s]%s…", parts[i], string(before), parts[i], string(after)))
		if len(leaked) == 3 {
			break
		}
	}
	t.Errorf("%s shows %d clear personal values: %s", where, (len(parts)-1)/2, strings.Join(leaked, "; "))
}

// lookInWarehouse fails the test for every warehouse text column holding
// a clear value: the values go into a temporary table, joined to each.
func (cv *clearValues) lookInWarehouse(t *testing.T, wh *warehouse.Warehouse, cols [][3]string) {
	t.Helper()
	conn, err := wh.DB().Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `CREATE TEMP TABLE clear_values (v VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for _, v := range cv.values {
		if _, err := conn.ExecContext(t.Context(), `INSERT INTO clear_values VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cols {
		var n int
		var example sql.NullString
		q := fmt.Sprintf(`SELECT count(*), any_value(v) FROM "%s"."%s" t JOIN clear_values ON t."%s" = v`, c[0], c[1], c[2])
		if err := conn.QueryRowContext(t.Context(), q).Scan(&n, &example); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n > 0 {
			t.Errorf("warehouse %s.%s.%s holds %d clear personal values, such as %q", c[0], c[1], c[2], n, example.String)
		}
	}
}
