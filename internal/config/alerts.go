package config

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// Alerts says where alert messages go and when (the `alerts` section);
// internal/alert sends them.
type Alerts struct {
	// BaseURL is where the status pages are reached; a message links to
	// BaseURL + /findings/{id}.
	BaseURL string `yaml:"base_url,omitempty"`
	// Lang of the messages: zh (default) or en; a group may override it.
	Lang string `yaml:"lang,omitempty"`
	// StateFile keeps which messages were sent (relative to the config
	// file), so a restart does not send them again; empty keeps it in
	// memory only.
	StateFile string     `yaml:"state_file,omitempty"`
	Retry     AlertRetry `yaml:"retry,omitempty"`
	// Groups by name: who is told about what.
	Groups map[string]AlertGroup `yaml:"groups,omitempty"`
}

// AlertRetry is how one message is retried before it is given up on.
type AlertRetry struct {
	// Attempts in all, the first included (default 4).
	Attempts int `yaml:"attempts,omitempty"`
	// Backoff before the first retry, doubled for each next (default 2s),
	// up to MaxBackoff (default 30s).
	Backoff    time.Duration `yaml:"backoff,omitempty"`
	MaxBackoff time.Duration `yaml:"max_backoff,omitempty"`
	// Timeout of one HTTP request (default 10s).
	Timeout time.Duration `yaml:"timeout,omitempty"`
}

// AlertGroup is one set of people told about the findings that match it,
// and how often.
type AlertGroup struct {
	// MinLevel is the least severe fault level sent: 3 sends 一级, 二级
	// and 三级 (default 3).
	MinLevel int `yaml:"min_level,omitempty"`
	// Targets limits the group to these targets (empty: every target).
	Targets []string `yaml:"targets,omitempty"`
	// ProgressLevel: findings of this level or more severe get a progress
	// message every RepeatInterval until resolved (default 2 = 二级 and
	// above, table 3-5; default interval 1h).
	ProgressLevel  int           `yaml:"progress_level,omitempty"`
	RepeatInterval time.Duration `yaml:"repeat_interval,omitempty"`
	// RateLimit messages per RatePer at most (default 20 per 1m, the
	// WeCom and DingTalk robots' own limit); the rest wait for the next
	// evaluation.
	RateLimit int           `yaml:"rate_limit,omitempty"`
	RatePer   time.Duration `yaml:"rate_per,omitempty"`
	// Lang overrides the alerts' language for this group.
	Lang      string          `yaml:"lang,omitempty"`
	Receivers []AlertReceiver `yaml:"receivers"`
}

// AlertReceiver is one webhook of a group. Secrets are never written in
// the config: each comes from an environment variable (…_env) or a file
// (…_file, relative to the config).
type AlertReceiver struct {
	// Name in logs and metrics (default: the kind, with its index when a
	// group has several of that kind).
	Name string `yaml:"name,omitempty"`
	// Kind is wecom (企业微信群机器人), dingtalk (钉钉群机器人) or webhook
	// (generic JSON).
	Kind string `yaml:"kind"`
	// URL of the endpoint, without its secret: wecom and dingtalk default
	// to their public APIs; a webhook needs it (or url_env / url_file
	// when the URL itself is a secret).
	URL     string `yaml:"url,omitempty"`
	URLEnv  string `yaml:"url_env,omitempty"`
	URLFile string `yaml:"url_file,omitempty"`
	// Key is the WeCom robot's key or the DingTalk robot's access_token.
	KeyEnv  string `yaml:"key_env,omitempty"`
	KeyFile string `yaml:"key_file,omitempty"`
	// Secret is the DingTalk robot's signing secret (SEC…) or the HMAC-SHA256
	// key a generic webhook's X-Pushaudit-Signature is made with.
	SecretEnv  string `yaml:"secret_env,omitempty"`
	SecretFile string `yaml:"secret_file,omitempty"`
}

// Alert defaults.
const (
	DefaultAlertAttempts       = 4
	DefaultAlertBackoff        = 2 * time.Second
	DefaultAlertMaxBackoff     = 30 * time.Second
	DefaultAlertTimeout        = 10 * time.Second
	DefaultAlertMinLevel       = 3
	DefaultAlertProgressLevel  = 2
	DefaultAlertRepeatInterval = time.Hour
	DefaultAlertRateLimit      = 20
	DefaultAlertRatePer        = time.Minute
	WeComURL                   = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
	DingTalkURL                = "https://oapi.dingtalk.com/robot/send"
)

// AlertSettings returns the alerts section with every default filled in
// and every receiver named.
func (c *Config) AlertSettings() Alerts {
	a := c.Alerts
	if a.Lang == "" {
		a.Lang = "zh"
	}
	a.StateFile = c.Path(a.StateFile)
	r := &a.Retry
	r.Attempts = orDefault(r.Attempts, DefaultAlertAttempts)
	r.Backoff = orDefault(r.Backoff, DefaultAlertBackoff)
	r.MaxBackoff = orDefault(r.MaxBackoff, DefaultAlertMaxBackoff)
	r.Timeout = orDefault(r.Timeout, DefaultAlertTimeout)
	a.Groups = make(map[string]AlertGroup, len(c.Alerts.Groups))
	for name, g := range c.Alerts.Groups {
		g.MinLevel = orDefault(g.MinLevel, DefaultAlertMinLevel)
		g.ProgressLevel = orDefault(g.ProgressLevel, DefaultAlertProgressLevel)
		g.RepeatInterval = orDefault(g.RepeatInterval, DefaultAlertRepeatInterval)
		g.RateLimit = orDefault(g.RateLimit, DefaultAlertRateLimit)
		g.RatePer = orDefault(g.RatePer, DefaultAlertRatePer)
		if g.Lang == "" {
			g.Lang = a.Lang
		}
		kinds := map[string]int{}
		for _, rc := range g.Receivers {
			kinds[rc.Kind]++
		}
		g.Receivers = append([]AlertReceiver(nil), g.Receivers...)
		for i := range g.Receivers {
			rc := &g.Receivers[i]
			if rc.Name == "" {
				rc.Name = rc.Kind
				if kinds[rc.Kind] > 1 {
					rc.Name = fmt.Sprintf("%s%d", rc.Kind, i+1)
				}
			}
			if rc.URL == "" && rc.URLEnv == "" && rc.URLFile == "" {
				switch rc.Kind {
				case "wecom":
					rc.URL = WeComURL
				case "dingtalk":
					rc.URL = DingTalkURL
				}
			}
		}
		a.Groups[name] = g
	}
	return a
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// AlertGroupNames returns the alert groups' names, sorted.
func (c *Config) AlertGroupNames() []string {
	out := make([]string, 0, len(c.Alerts.Groups))
	for k := range c.Alerts.Groups {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReceiverSecrets are a receiver's secrets, read from the environment or
// files. Never log them.
type ReceiverSecrets struct {
	URL, Key, Secret string
}

// AlertSecrets reads the secrets of receiver rc of group; the error names
// the field, never the value.
func (c *Config) AlertSecrets(group string, i int, rc AlertReceiver) (ReceiverSecrets, error) {
	field := fmt.Sprintf("alerts.groups.%s.receivers[%d]", group, i)
	var s ReceiverSecrets
	var err error
	s.URL = rc.URL
	if rc.URLEnv != "" || rc.URLFile != "" {
		if s.URL, err = c.readSecret(field, "url", rc.URLEnv, rc.URLFile); err != nil {
			return s, err
		}
	}
	if s.Key, err = c.readSecret(field, "key", rc.KeyEnv, rc.KeyFile); err != nil {
		return s, err
	}
	if s.Secret, err = c.readSecret(field, "secret", rc.SecretEnv, rc.SecretFile); err != nil {
		return s, err
	}
	return s, nil
}

// readSecret reads the secret name (password, key, …) of the config
// entry at field from the environment variable env or the file (relative
// to the config); "" when neither is given.
func (c *Config) readSecret(field, name, env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("config: %s: environment variable %s (%s_env) is not set", field, env, name)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(c.Path(file))
		if err != nil {
			return "", fmt.Errorf("config: %s: %s_file: %w", field, name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

// validateAlerts checks the alerts section; bad is Validate's collector.
func (c *Config) validateAlerts(bad func(string, ...any)) {
	a := c.Alerts
	switch a.Lang {
	case "", "zh", "en":
	default:
		bad("alerts.lang: %q is not zh or en", a.Lang)
	}
	if a.BaseURL != "" {
		if u, err := url.Parse(a.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("alerts.base_url: %q is not an http(s) URL", a.BaseURL)
		}
	}
	r := a.Retry
	if r.Attempts < 0 || r.Backoff < 0 || r.MaxBackoff < 0 || r.Timeout < 0 {
		bad("alerts.retry: attempts, backoff, max_backoff and timeout cannot be negative")
	}
	for _, name := range c.AlertGroupNames() {
		g := a.Groups[name]
		field := "alerts.groups." + name
		if g.MinLevel < 0 || g.MinLevel > 4 {
			bad("%s.min_level: %d is not a level 1..4", field, g.MinLevel)
		}
		if g.ProgressLevel < 0 || g.ProgressLevel > 4 {
			bad("%s.progress_level: %d is not a level 1..4", field, g.ProgressLevel)
		}
		if g.RepeatInterval < 0 || (g.RepeatInterval > 0 && g.RepeatInterval < time.Minute) {
			bad("%s.repeat_interval: %s is under a minute", field, g.RepeatInterval)
		}
		if g.RateLimit < 0 || g.RatePer < 0 {
			bad("%s: rate_limit and rate_per cannot be negative", field)
		}
		switch g.Lang {
		case "", "zh", "en":
		default:
			bad("%s.lang: %q is not zh or en", field, g.Lang)
		}
		if len(g.Receivers) == 0 {
			bad("%s.receivers: empty (a group needs a wecom, dingtalk or webhook receiver)", field)
		}
		for i, rc := range g.Receivers {
			validateReceiver(fmt.Sprintf("%s.receivers[%d]", field, i), rc, bad)
		}
	}
}

func validateReceiver(field string, rc AlertReceiver, bad func(string, ...any)) {
	pair := func(name, env, file string) bool {
		if env != "" && file != "" {
			bad("%s: give %s_env or %s_file, not both", field, name, name)
		}
		return env != "" || file != ""
	}
	hasURL := pair("url", rc.URLEnv, rc.URLFile)
	hasKey := pair("key", rc.KeyEnv, rc.KeyFile)
	hasSecret := pair("secret", rc.SecretEnv, rc.SecretFile)
	if rc.URL != "" {
		if hasURL {
			bad("%s: give url or url_env/url_file, not both", field)
		}
		u, err := url.Parse(rc.URL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad("%s.url: not an http(s) URL", field)
		case u.Query().Has("key") || u.Query().Has("access_token") || u.Query().Has("sign"):
			bad("%s.url: holds a key or token; the URL is written without it, the key comes from key_env or key_file", field)
		}
	}
	switch rc.Kind {
	case "wecom", "dingtalk":
		if !hasKey {
			what := map[string]string{"wecom": "the robot's key", "dingtalk": "the robot's access_token"}[rc.Kind]
			bad("%s: %s needs key_env or key_file (%s)", field, rc.Kind, what)
		}
		if rc.Kind == "wecom" && hasSecret {
			bad("%s: wecom robots are not signed; remove secret_env/secret_file", field)
		}
	case "webhook":
		if rc.URL == "" && !hasURL {
			bad("%s: webhook needs url, url_env or url_file", field)
		}
		if hasKey {
			bad("%s: webhook takes no key; sign it with secret_env or secret_file", field)
		}
	case "":
		bad("%s.kind: empty (wecom, dingtalk or webhook)", field)
	default:
		bad("%s.kind: %q is not wecom, dingtalk or webhook", field, rc.Kind)
	}
}
