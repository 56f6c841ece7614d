package main

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/httpapi"
)

// Dashboard is the web page and what it needs: a private bucket served by a
// CloudFront distribution, a Cognito user pool with its hosted UI for
// signing in, and a second HTTP API with the same routes and functions that
// takes the pool's tokens. The distribution serves that API under /api, so
// the page talks to its own origin only: no CORS, and a CSP whose
// connect-src is 'self' and the hosted UI.
type Dashboard struct {
	constructs.Construct
	Bucket       awss3.Bucket
	Logs         awss3.Bucket
	Distribution awscloudfront.Distribution
	Users        awscognito.UserPool
	Client       awscognito.UserPoolClient
	API          awsapigatewayv2.HttpApi
}

// stripAPIPrefix is the viewer-request function of the /api/* behaviour:
// the functions route on /resources, /metrics, ..., and the page calls
// /api/resources, /api/metrics, ... (CloudFront forwards the query string
// untouched; it is not part of the uri).
const stripAPIPrefix = `function handler(event) {
  var request = event.request;
  if (request.uri === '/api') {
    request.uri = '/';
  } else if (request.uri.indexOf('/api/') === 0) {
    request.uri = request.uri.substring(4);
  }
  return request;
}
`

// NewDashboard builds the page's bucket, distribution, sign-in and API, and
// deploys the page with the config.json it reads at start.
func NewDashboard(scope constructs.Construct, id string, s Settings, retention awslogs.RetentionDays, functions *Compute) *Dashboard {
	c := constructs.NewConstruct(scope, jsii.String(id))
	// S3 server access logs are allowed in by a bucket policy, not the
	// log-delivery ACL (which cfn-lint and AWS advise against).
	c.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	stack := awscdk.Stack_Of(c)
	d := &Dashboard{Construct: c}

	d.Users = newUserPool(c)
	// Its members may start scans from the page (POST /scans: a scan of a
	// large organization costs tens of dollars); every other person reads.
	// The routes read the group from the token's claims (httpapi.AdminGroup).
	awscognito.NewCfnUserPoolGroup(c, jsii.String("Admins"), &awscognito.CfnUserPoolGroupProps{
		UserPoolId: d.Users.UserPoolId(), GroupName: jsii.String(httpapi.AdminGroup),
		Description: jsii.String("cloudscope: may start scans from the dashboard; others only read"),
	})
	prefix := s.AuthDomainPrefix
	if prefix == "" { // the account id makes it unique in the region; Settings.Validate checked a given one
		prefix = "cloudscope-" + *stack.Account()
	}
	domain := d.Users.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(prefix)},
	})
	signIn := domain.BaseUrl(nil) // https://<prefix>.auth.<region>.amazoncognito.com

	// Created before the distribution (its origin); the routes follow once
	// the app client, whose callback is the distribution, exists.
	d.API = newHTTPAPI(constructs.NewConstruct(c, jsii.String("Api")),
		"cloudscope dashboard: every route needs a token of the dashboard's user pool", retention, "$context.authorizer.claims.sub")

	d.Logs = awss3.NewBucket(c, jsii.String("Logs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		// CloudFront standard logs are written with ACLs: the bucket must allow them.
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
		LifecycleRules:  &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(float64(s.LogRetentionDays)))}},
		// Access records outlive the stack; the lifecycle rule still empties it.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	d.Bucket = awss3.NewBucket(c, jsii.String("Assets"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		ServerAccessLogsBucket: d.Logs,
		ServerAccessLogsPrefix: jsii.String("assets/"),
		// RETAIN: DESTROY without auto-delete fails to delete a bucket that
		// still holds the page, and letting the deployment empty it
		// (retainOnDelete false) deletes the live files whenever CloudFormation
		// replaces the deployment resource. The files can be rebuilt; a
		// retained bucket is removed by hand (aws s3 rb --force).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	headers := newSecurityHeaders(c, signIn)
	apiDomain := awscdk.Fn_Join(jsii.String(""), &[]*string{
		d.API.ApiId(), jsii.String(".execute-api."), stack.Region(), jsii.String("."), stack.UrlSuffix()})
	d.Distribution = awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String("cloudscope dashboard"),
		DefaultRootObject: jsii.String("index.html"),
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging:     jsii.Bool(true),
		LogBucket:         d.Logs,
		LogFilePrefix:     jsii.String("cloudfront/"),
		// No error responses: they would also turn the API's JSON 404s into the page.
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(d.Bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			"/api/*": {
				Origin: awscloudfrontorigins.NewHttpOrigin(apiDomain, &awscloudfrontorigins.HttpOriginProps{
					ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
					OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
				}),
				ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
				AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
				// Authorization and the query string reach API Gateway; Host
				// must be API Gateway's own.
				OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
				ResponseHeadersPolicy: headers,
				FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
					EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
					Function: awscloudfront.NewFunction(c, jsii.String("StripApiPrefix"), &awscloudfront.FunctionProps{
						Code:    awscloudfront.FunctionCode_FromInline(jsii.String(stripAPIPrefix)),
						Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
						Comment: jsii.String("cloudscope: /api/<route> to /<route> for the dashboard's API"),
					}),
				}},
			},
		},
	})
	url := jsii.String("https://" + *d.Distribution.DistributionDomainName() + "/")

	d.Client = d.Users.AddClient(jsii.String("Dashboard"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false), // a page keeps no secret: PKCE instead
		AuthFlows:      &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL()},
			CallbackUrls: &[]*string{url},
			LogoutUrls:   &[]*string{url},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(12)),
		PreventUserExistenceErrors: jsii.Bool(true),
	})
	addRoutes(d.API, functions, awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("Cognito"), d.Users,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{UserPoolClients: &[]awscognito.IUserPoolClient{d.Client}}))

	deployPage(c, s, retention, d, signIn)

	awscdk.NewCfnOutput(stack, jsii.String("DashboardUrl"), &awscdk.CfnOutputProps{Value: url})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: d.Users.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: d.Client.UserPoolClientId()})

	// cdk-nag findings that do not apply to a dashboard for a few operators.
	cdknag.NagSuppressions_AddResourceSuppressions(d.Distribution, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String(
			"No geo restriction: the operators of an account may be anywhere; the page is static code and every API route needs a token of a closed, MFA-required user pool.")},
		{Id: jsii.String("AwsSolutions-CFR2"), Reason: jsii.String(
			"No WAF: a web ACL costs a monthly fee plus per-rule and per-request charges; the assets are public code by design, and API Gateway rejects a request without a valid token before any function runs, behind stage throttling.")},
		{Id: jsii.String("AwsSolutions-CFR4"), Reason: jsii.String(
			"No custom domain, so the distribution uses the default *.cloudfront.net certificate, whose security policy CloudFront fixes at TLSv1; a minimum of TLSv1.2 needs an own domain and ACM certificate.")},
	}, jsii.Bool(true))
	return d
}

// URL is the page's address: https://<distribution domain>/.
func (d *Dashboard) URL() *string {
	return jsii.String("https://" + *d.Distribution.DistributionDomainName() + "/")
}

// newUserPool is the dashboard's Cognito user pool: no self sign-up, strong
// passwords, MFA required.
func newUserPool(scope constructs.Construct) awscognito.UserPool {
	pool := awscognito.NewUserPool(scope, jsii.String("Users"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		PasswordPolicy: &awscognito.PasswordPolicy{MinLength: jsii.Number(12), RequireDigits: jsii.Bool(true),
			RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true), RequireSymbols: jsii.Bool(true)},
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	// (cdk-nag 2.38 has no COG3, advanced security mode, any more: threat
	// protection is part of the Plus feature plan that COG8 asks for.)
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-COG8"), Reason: jsii.String(
			"Threat protection needs the Plus feature plan, billed per active user; a few operators with closed sign-up and required MFA do not need it.")},
	}, jsii.Bool(true))
	return pool
}

// newSecurityHeaders is the response headers policy of every response: HSTS,
// no sniffing, no framing, no referrer, and a CSP that lets the page load
// only its own files and talk only to its own origin (the page and /api)
// and the hosted UI (the token endpoint, which the page calls with fetch).
func newSecurityHeaders(scope constructs.Construct, signIn *string) awscloudfront.ResponseHeadersPolicy {
	csp := dashboard.ContentSecurityPolicy(dashboard.Config{Auth: &dashboard.Auth{Domain: *signIn}}) // as cloudscope serve sends it
	stack := awscdk.Stack_Of(scope)
	return awscloudfront.NewResponseHeadersPolicy(scope, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		// Policy names are global to the account: the region keeps a second
		// deployment elsewhere from colliding.
		ResponseHeadersPolicyName: awscdk.Fn_Join(jsii.String("-"), &[]*string{stack.StackName(), stack.Region(), jsii.String("dashboard-headers")}),
		Comment:                   jsii.String("cloudscope dashboard: security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: jsii.String(csp), Override: jsii.Bool(true)},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true)},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:       &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:     &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
		},
	})
}

// deployPage copies the page and its config.json into the bucket and
// invalidates the distribution's cache. The copying function runs as its own
// role: the logs of its own log group, the bucket grants BucketDeployment
// adds, and the invalidation.
func deployPage(c constructs.Construct, s Settings, retention awslogs.RetentionDays, d *Dashboard, signIn *string) {
	logs := awslogs.NewLogGroup(c, jsii.String("DeployLogs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(c, jsii.String("DeployRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("cloudscope dashboard deployment: copies the page into its bucket and invalidates the distribution"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("Logs"), Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn(), jsii.String(*logs.LogGroupArn() + ":*")},
	}))
	// The page's contract (shared/dashboard.Config): where the API is, and how
	// to sign in. The round trip through JSON keeps the field names the page
	// reads; the tokens in it are strings that CloudFormation fills in.
	var config map[string]any
	raw, _ := json.Marshal(dashboard.Config{API: "/api", Auth: &dashboard.Auth{
		Domain: *signIn, ClientID: *d.Client.UserPoolClientId(), Scopes: []string{"openid", "email"}}})
	if err := json.Unmarshal(raw, &config); err != nil {
		panic(err)
	}
	awss3deployment.NewBucketDeployment(c, jsii.String("Deploy"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: d.Bucket,
		// config.json last: it wins over any file of that name in the folder.
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(s.DashboardDir), nil),
			awss3deployment.Source_JsonData(jsii.String("config.json"), config, nil),
		},
		Distribution: d.Distribution, // invalidated after every deployment
		// The file names carry no hash: browsers revalidate every time, CloudFront
		// keeps a day (and is invalidated on deployment).
		CacheControl: &[]awss3deployment.CacheControl{awss3deployment.CacheControl_MaxAge(awscdk.Duration_Seconds(jsii.Number(0))),
			awss3deployment.CacheControl_MustRevalidate(), awss3deployment.CacheControl_SMaxAge(awscdk.Duration_Days(jsii.Number(1)))},
		Role:        role,
		LogGroup:    logs,
		MemoryLimit: jsii.Number(512),
	})

	// The grants below are BucketDeployment's, made for its handler (aws s3
	// cp and sync, GetBucketTagging, HeadObject, CreateInvalidation and its
	// waiter); they name the CDK assets bucket, this bucket and *.
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("BucketDeployment's own grants for its handler: read of the CDK assets bucket's objects, read/write of the dashboard " +
			"bucket's objects (s3:GetObject*, GetBucket*, List*, DeleteObject*, Abort*), and CloudFront invalidations, which it grants on * " +
			"although the handler invalidates only this distribution; log streams are addressed as <log group ARN>:*."),
		AppliesTo: &[]any{
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
			map[string]any{"regex": "/^Resource::<DashboardAssets[A-Z0-9]+\\.Arn>\\/\\*$/"},
			map[string]any{"regex": "/^Resource::<DashboardDeployLogs[A-Z0-9]+\\.Arn>:\\*$/"},
			"Resource::*",
		},
	}}, jsii.Bool(true))
	// The copying function is CDK's singleton, a child of the stack.
	for _, child := range *awscdk.Stack_Of(c).Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "Custom::CDKBucketDeployment") {
			cdknag.NagSuppressions_AddResourceSuppressions(child, &[]*cdknag.NagPackSuppression{{
				Id: jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK's BucketDeployment handler: its Python runtime is the one CDK builds and tests the handler with, " +
					"and it runs only while deploying."),
			}}, jsii.Bool(true))
		}
	}
}
