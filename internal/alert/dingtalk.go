package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
)

// DingTalk is a DingTalk (钉钉) group robot: a markdown message POSTed to
// https://oapi.dingtalk.com/robot/send?access_token=TOKEN, signed when the
// robot has a signing secret (加签): &timestamp=MS&sign=S, S the base64
// HMAC-SHA256 of "MS\nSECRET" keyed with the secret. A robot takes 20
// messages a minute.
type DingTalk struct {
	url, token, secret string
	post               poster
	now                func() time.Time
}

var _ Provider = (*DingTalk)(nil)

// DingTalk robot errcode worth a retry: 130101, sending too fast.
const dingtalkTooFast = 130101

// NewDingTalk returns the robot at url (without the token) with its
// access token and signing secret ("" when the robot is not signed).
// The signature's timestamp is the real time, whatever the engine's
// clock: DingTalk refuses one more than an hour from its own.
func NewDingTalk(url, token, secret string, client *http.Client) *DingTalk {
	return &DingTalk{url: url, token: token, secret: secret, post: newPoster("dingtalk", client, token, secret), now: time.Now}
}

// DingTalkSign returns the signature of a request at timestamp (ms since
// the epoch) with secret, before URL encoding.
func DingTalkSign(timestamp int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Kind implements Provider.
func (d *DingTalk) Kind() string { return "dingtalk" }

// Validate implements Provider.
func (d *DingTalk) Validate() error { return validRobot("dingtalk", "access token", d.token, d.url) }

// Reach implements Provider.
func (d *DingTalk) Reach(ctx context.Context) error { return d.post.reach(ctx, d.url) }

// Send implements Provider.
func (d *DingTalk) Send(ctx context.Context, m Message) error {
	kv := []string{"access_token", d.token}
	if d.secret != "" {
		ts := d.now().UnixMilli()
		kv = append(kv, "timestamp", strconv.FormatInt(ts, 10), "sign", DingTalkSign(ts, d.secret))
	}
	u, err := withQuery(d.url, kv...)
	if err != nil {
		return d.post.fail(0, 0, false, "%v", err)
	}
	type markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	payload := struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
	}{"markdown", markdown{m.Title, m.Markdown}}
	return d.post.postRobot(ctx, u, payload, dingtalkTooFast)
}
