package alert

import (
	"context"
	"net/http"
)

// WeCom is a WeCom (企业微信) group robot: a markdown message POSTed to
// https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY. A robot takes
// 20 messages a minute.
type WeCom struct {
	url, key string
	post     poster
}

var _ Provider = (*WeCom)(nil)

// WeCom robot errcodes worth a retry: 45009, over the frequency limit.
const wecomTooFast = 45009

// NewWeCom returns the robot at url (the send endpoint, without the key)
// with its key.
func NewWeCom(url, key string, client *http.Client) *WeCom {
	return &WeCom{url: url, key: key, post: newPoster("wecom", client, key)}
}

// Kind implements Provider.
func (w *WeCom) Kind() string { return "wecom" }

// Validate implements Provider.
func (w *WeCom) Validate() error { return validRobot("wecom", "key", w.key, w.url) }

// Reach implements Provider.
func (w *WeCom) Reach(ctx context.Context) error { return w.post.reach(ctx, w.url) }

// Send implements Provider.
func (w *WeCom) Send(ctx context.Context, m Message) error {
	u, err := withQuery(w.url, "key", w.key)
	if err != nil {
		return w.post.fail(0, 0, false, "%v", err)
	}
	type markdown struct {
		Content string `json:"content"`
	}
	payload := struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
	}{"markdown", markdown{m.Markdown}}
	return w.post.postRobot(ctx, u, payload, wecomTooFast)
}
