package pipelines

import (
	"fmt"
	"time"
)

// Cadence is how often a resource is pushed.
type Cadence string

// The cadences of the catalog.
const (
	Every10m       Cadence = "every_10m"
	Every30m       Cadence = "every_30m"
	Hourly         Cadence = "hourly"
	DailyAfter2300 Cadence = "daily_after_2300"
	Once           Cadence = "once"
	MediaCopy      Cadence = "media_copy"
)

// Cadences lists every cadence, most frequent first.
var Cadences = []Cadence{Every10m, Every30m, Hourly, DailyAfter2300, Once, MediaCopy}

// Valid reports whether c is a known cadence.
func (c Cadence) Valid() bool {
	for _, k := range Cadences {
		if c == k {
			return true
		}
	}
	return false
}

// Periodic reports whether the cadence has repeating windows.
func (c Cadence) Periodic() bool {
	switch c {
	case Every10m, Every30m, Hourly, DailyAfter2300:
		return true
	}
	return false
}

// Period is the length of one window of a periodic cadence (0 otherwise).
func (c Cadence) Period() time.Duration {
	switch c {
	case Every10m:
		return 10 * time.Minute
	case Every30m:
		return 30 * time.Minute
	case Hourly:
		return time.Hour
	case DailyAfter2300:
		return 24 * time.Hour
	}
	return 0
}

// ZH is the Chinese label of the cadence.
func (c Cadence) ZH() string {
	switch c {
	case Every10m:
		return "每10分钟"
	case Every30m:
		return "每半小时"
	case Hourly:
		return "每1小时"
	case DailyAfter2300:
		return "每天1次(23:00后)"
	case Once:
		return "一次性"
	case MediaCopy:
		return "介质拷贝"
	}
	return string(c)
}

// ParseCadence returns the cadence named s, or an error naming s.
func ParseCadence(s string) (Cadence, error) {
	c := Cadence(s)
	if !c.Valid() {
		return "", fmt.Errorf("%q is not a cadence", s)
	}
	return c, nil
}
