package appconfig

import (
	"strings"
	"testing"
)

func TestNotificationSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := From(env(map[string]string{EnvChatTopic: " arn:aws:sns:us-east-1:123456789012:chat ", EnvDashboardURL: "https://d111111abcdef8.cloudfront.net/"}))
	if err != nil || c.ChatTopicARN != "arn:aws:sns:us-east-1:123456789012:chat" || c.DashboardURL != "https://d111111abcdef8.cloudfront.net/" {
		t.Errorf("set: %+v %v", c, err)
	}
	if c, err := From(env(nil)); err != nil || c.ChatTopicARN != "" || c.DashboardURL != "" {
		t.Errorf("unset: %q %q %v", c.ChatTopicARN, c.DashboardURL, err)
	}
	for k, v := range map[string]string{EnvChatTopic: "chat", EnvDashboardURL: "d111111abcdef8.cloudfront.net"} {
		if _, err := From(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: got %v, want an error naming the variable", k, v, err)
		}
	}
	if _, err := From(env(map[string]string{EnvDashboardURL: "ftp://example.com/"})); err == nil {
		t.Error("accepted an ftp address")
	}
}
