package warehouse

import (
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Redacted replaces a secret that cannot be removed structurally.
const Redacted = "***"

// dsnFlags name flags whose value is a MySQL DSN.
var dsnFlags = []string{"mysql", "source", "dsn"}

// secretFlags name flags whose whole value is a secret.
var secretFlags = []string{"password", "passwd", "secret", "token", "apikey", "api-key"}

// userinfoRE finds "user:password@" in DSNs and URLs: the password runs to
// the last '@' of the word, as go-sql-driver parses it, and does not start
// with "//" (the "https://" of a URL is no user name).
var userinfoRE = regexp.MustCompile(`([^\s:@/=,;"'()]+):(?:[^\s/][^\s]*)?@`)

// ScrubArgs returns a copy of command-line args with secrets removed:
// the password of a DSN given to --mysql, --source or a *dsn flag (parsed
// with mysql.ParseDSN, the password blanked), the value of --password,
// --token and similar flags, and any "user:password@" left in other args.
func ScrubArgs(args []string) []string {
	out := make([]string, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := splitFlag(a)
		switch {
		case name == "":
			out[i] = ScrubText(a)
		case hasValue:
			out[i] = name + "=" + scrubFlagValue(name, value)
		case flagIn(name, dsnFlags) || flagIn(name, secretFlags):
			// "--mysql DSN": the value is the next argument.
			out[i] = a
			if i+1 < len(args) {
				i++
				out[i] = scrubFlagValue(name, args[i])
			}
		default:
			out[i] = ScrubText(a)
		}
	}
	return out
}

// splitFlag splits "--name=value" or "-name=value"; name is "" when a is
// not a flag.
func splitFlag(a string) (name, value string, hasValue bool) {
	if len(a) < 2 || a[0] != '-' || a == "--" {
		return "", "", false
	}
	name, value, hasValue = strings.Cut(a, "=")
	return name, value, hasValue
}

func flagIn(name string, words []string) bool {
	n := strings.ToLower(strings.TrimLeft(name, "-"))
	for _, w := range words {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func scrubFlagValue(name, value string) string {
	switch {
	case flagIn(name, secretFlags):
		if value == "" {
			return ""
		}
		return Redacted
	case flagIn(name, dsnFlags):
		return ScrubDSN(value)
	default:
		return ScrubText(value)
	}
}

// ScrubDSN returns a go-sql-driver DSN without its password. A value that
// does not parse as a DSN gets ScrubText.
func ScrubDSN(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil || cfg.Passwd == "" {
		return ScrubText(dsn)
	}
	cfg.Passwd = ""
	return cfg.FormatDSN()
}

// ScrubText replaces the password of every "user:password@" in s.
func ScrubText(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userinfoRE.ReplaceAllString(s, "${1}:"+Redacted+"@")
}
