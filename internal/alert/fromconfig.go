package alert

import (
	"net/http"

	"github.com/chengdu-cgw/pushaudit/internal/config"
)

// FromConfig builds the engine of the config's alerts section: its
// groups and receivers, their secrets read from the environment or files,
// the retry policy, the base URL, and a FileStore at alerts.state_file
// (in memory when unset). opt supplies the clock, logger and recorder;
// its other fields, when set, win over the config.
func FromConfig(c *config.Config, opt Options) (*Engine, error) {
	a := c.AlertSettings()
	client := &http.Client{Timeout: a.Retry.Timeout}
	var groups []Group
	for _, name := range c.AlertGroupNames() {
		gc := a.Groups[name]
		g := Group{
			Name: name, Lang: gc.Lang, RateLimit: gc.RateLimit, RatePer: gc.RatePer,
			Policy: Policy{MinLevel: gc.MinLevel, Targets: gc.Targets, ProgressLevel: gc.ProgressLevel, RepeatInterval: gc.RepeatInterval},
		}
		for i, rc := range gc.Receivers {
			s, err := c.AlertSecrets(name, i, rc)
			if err != nil {
				return nil, err
			}
			var p Provider
			switch rc.Kind {
			case "wecom":
				p = NewWeCom(s.URL, s.Key, client)
			case "dingtalk":
				p = NewDingTalk(s.URL, s.Key, s.Secret, client)
			default:
				w := NewWebhook(s.URL, s.Secret, client)
				if rc.URLEnv != "" || rc.URLFile != "" {
					w.HideURL()
					opt.Secrets = append(opt.Secrets, s.URL)
				}
				p = w
			}
			opt.Secrets = append(opt.Secrets, s.Key, s.Secret)
			g.Receivers = append(g.Receivers, Receiver{Name: rc.Name, Provider: p})
		}
		groups = append(groups, g)
	}
	if opt.BaseURL == "" {
		opt.BaseURL = a.BaseURL
	}
	if opt.Retry == (Retry{}) {
		opt.Retry = Retry{Attempts: a.Retry.Attempts, Backoff: a.Retry.Backoff, MaxBackoff: a.Retry.MaxBackoff}
	}
	if opt.Store == nil && a.StateFile != "" {
		opt.Store = &FileStore{Path: a.StateFile}
	}
	return NewEngine(groups, opt)
}
