// Command infra is cloudscope's CDK app: `make synth` runs it to write the
// CloudFormation template into cdk.out, and `cdk deploy` (cdk.json) deploys it.
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	settings, err := SettingsFrom(app)
	if err != nil {
		os.Stderr.WriteString("infra: " + err.Error() + "\n")
		os.Exit(2)
	}
	props := &StackProps{Settings: settings}
	// The CLI names the account and region of the credentials; without them
	// (make synth on any machine) the template is environment-agnostic.
	if account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION"); account != "" && region != "" {
		props.Env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	NewStack(app, "Cloudscope", props)
	if settings.Organization.On() && settings.Organization.DelegatedAdmin {
		// Deployed apart, in the management account (management.go).
		NewManagementStack(app, ManagementStackName, &StackProps{Settings: settings})
	}
	app.Synth(nil)
}
