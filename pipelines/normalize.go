package pipelines

import (
	"fmt"
	"sort"
)

// Normalizations are what two systems may legitimately write differently
// in one value, by the name a catalog column's normalize: gives them. Each
// is a DuckDB expression over %[1]s, the value as text of its front-end
// type (NULL kept), applied to both sides before values are compared.
var Normalizations = map[string]string{
	// trailing spaces: CHAR padding, a front end that pads.
	"rtrim": "rtrim(%[1]s)",
	// NULL and the empty string are one value.
	"null_is_empty": "nullif(%[1]s, '')",
	// a time to the second: DATETIME(3) at the source, DATETIME there.
	"seconds": "CAST(date_trunc('second', TRY_CAST(%[1]s AS TIMESTAMP)) AS VARCHAR)",
	// a number at any scale: 1.50 and 1.5, 2 and 2.000.
	"number": "CAST(TRY_CAST(%[1]s AS DOUBLE) AS VARCHAR)",
	// letters in one case: codes a front end upper-cases.
	"case": "lower(%[1]s)",
}

// NormalizationNames are the names of Normalizations, sorted.
func NormalizationNames() []string {
	out := make([]string, 0, len(Normalizations))
	for k := range Normalizations {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Normalized applies the column's normalisations, in order, to the SQL
// expression text (a value as VARCHAR).
func (c Column) Normalized(text string) string {
	for _, n := range c.Normalize {
		if f, ok := Normalizations[n]; ok {
			text = fmt.Sprintf(f, text)
		}
	}
	return text
}
