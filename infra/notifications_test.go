package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cloudscope/cloudscope/shared/appconfig"
)

// environments is each function's environment variables, by logical id.
func environments(res map[string]map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range res {
		if r["Type"] != "AWS::Lambda::Function" || !strings.HasPrefix(id, "Functions") {
			continue
		}
		env, _ := props(r)["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		out[id] = vars
	}
	return out
}

// TestNotificationsChatTopicDigestAndLinks: the stack of TestMain has the
// dashboard and cloudscope:chatTopic=true, and the digest by default.
func TestNotificationsChatTopicDigestAndLinks(t *testing.T) {
	chat := logicalID(t, stack, "Notifications", "Chat")
	notifiers := map[string]bool{logicalID(t, stack, "Functions", "Finalize"): true, logicalID(t, stack, "Functions", "Digest"): true}
	digest := logicalID(t, stack, "Functions", "Digest")
	distribution := logicalID(t, stack, "Dashboard", "Distribution")

	// The chat topic: encrypted, TLS only, its ARN an output.
	topic := resources[chat]
	if topic["Type"] != "AWS::SNS::Topic" || props(topic)["KmsMasterKeyId"] == nil {
		t.Errorf("chat topic %v", topic)
	}
	if n := len(ofType("AWS::SNS::Topic")); n != 2 {
		t.Errorf("%d topics, want the findings topic and the chat topic", n)
	}
	tlsOnly := false
	for _, p := range ofType("AWS::SNS::TopicPolicy") {
		pp := props(p)
		if strings.Contains(fmt.Sprint(pp["Topics"]), chat) && strings.Contains(fmt.Sprint(pp["PolicyDocument"]), "aws:SecureTransport:false") {
			tlsOnly = true
		}
	}
	if !tlsOnly {
		t.Error("the chat topic takes plain HTTP")
	}
	raw, _ := json.Marshal(template.ToJSON())
	var doc struct{ Outputs map[string]map[string]any }
	_ = json.Unmarshal(raw, &doc)
	if flat(doc.Outputs["ChatTopicArn"]["Value"]) != "${"+chat+"}" {
		t.Errorf("output ChatTopicArn %v", doc.Outputs["ChatTopicArn"])
	}

	// Only the functions that notify (the finalize, the digest) hear of the
	// chat topic and the dashboard.
	heard := 0
	for id, vars := range environments(resources) {
		chatARN, url := vars[appconfig.EnvChatTopic], vars[appconfig.EnvDashboardURL]
		if !notifiers[id] {
			if chatARN != nil || url != nil {
				t.Errorf("%s has notification settings %v %v", id, chatARN, url)
			}
			continue
		}
		heard++
		if flat(chatARN) != "${"+chat+"}" || flat(url) != "https://${"+distribution+".DomainName}/" {
			t.Errorf("%s: %s=%v, %s=%v", id, appconfig.EnvChatTopic, flat(chatARN), appconfig.EnvDashboardURL, flat(url))
		}
	}
	if heard != len(notifiers) {
		t.Errorf("%d of the finalize and digest functions have notification settings", heard)
	}

	// They may publish to the chat topic.
	check(t, "chat topic grant", func() {
		template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Sid": "ChatTopic", "Effect": "Allow", "Action": "sns:Publish", "Resource": map[string]any{"Ref": chat}}})},
			"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^FunctionsDigestRole"))}},
		})
	})

	// The weekly digest: Mondays 08:00 UTC, the digest function with {"digest": true}.
	rule := props(resources[logicalID(t, stack, "Notifications", "WeeklyDigest")])
	targets, _ := rule["Targets"].([]any)
	if rule["ScheduleExpression"] != DefaultDigestSchedule || DefaultDigestSchedule != "cron(0 8 ? * MON *)" || len(targets) != 1 {
		t.Fatalf("digest rule %v", rule)
	}
	target := targets[0].(map[string]any)
	if flat(target["Arn"]) != "${"+digest+".Arn}" || target["Input"] != `{"digest":true}` || target["RetryPolicy"] == nil {
		t.Errorf("digest target %v", target)
	}
}

// TestNotificationsCanBeTurnedOff: no chat topic, no digest, and without
// the dashboard no links.
func TestNotificationsCanBeTurnedOff(t *testing.T) {
	assets, _ := placeholders(t.TempDir())
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"cloudscope:assetDir": assets, "cloudscope:dashboard": "false",
		"cloudscope:chatTopic": "false", "cloudscope:digestSchedule": "off"}})
	settings, err := SettingsFrom(app)
	if err != nil {
		t.Fatal(err)
	}
	st := NewStack(app, "CloudscopeQuiet", &StackProps{Settings: settings})
	raw, _ := json.Marshal(assertions.Template_FromStack(st, nil).ToJSON())
	var doc struct{ Resources map[string]map[string]any }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	topics, rules := 0, 0
	for _, r := range doc.Resources {
		switch r["Type"] {
		case "AWS::SNS::Topic":
			topics++
		case "AWS::Events::Rule":
			rules++
		}
	}
	if topics != 1 || rules != 1 {
		t.Errorf("%d topics and %d rules, want the findings topic and the daily scan's rule", topics, rules)
	}
	for id, vars := range environments(doc.Resources) {
		if vars[appconfig.EnvChatTopic] != nil || vars[appconfig.EnvDashboardURL] != nil {
			t.Errorf("%s: %v", id, vars)
		}
	}
	app = awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"cloudscope:assetDir": assets, "cloudscope:dashboard": "false",
		"cloudscope:digestSchedule": "weekly"}})
	if _, err := SettingsFrom(app); err == nil || !strings.Contains(err.Error(), "digestSchedule") {
		t.Errorf("a bad digest schedule: %v", err)
	}
}
