// Package notifier builds the notifier of a function that tells of a scan's
// findings: the SNS topic of the configuration, and its chat topic. It
// links SNS.
package notifier

import (
	"strings"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/snsclient"
	"github.com/cloudscope/cloudscope/shared/scan"
	"github.com/cloudscope/cloudscope/shared/snsnotify"
)

// For is the notifier of conf's topics, or nil when no topic is configured.
func For(conf appconfig.Config, clients *awsconf.Clients) scan.Notifier {
	if conf.TopicARN == "" {
		return nil
	}
	n := snsnotify.New(snsclient.In(clients, arnRegion(conf.TopicARN, clients.DefaultRegion())), conf.TopicARN)
	if conf.ChatTopicARN != "" {
		n.WithChat(snsclient.In(clients, arnRegion(conf.ChatTopicARN, clients.DefaultRegion())), conf.ChatTopicARN)
	}
	return n
}

// arnRegion is the region field of an ARN, or def.
func arnRegion(arn, def string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	return def
}
