package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// AWS managed CloudFront policies, by the ids the CloudFront documentation gives.
const (
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachingOptimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

const (
	// cdkAssetsBucket is the bootstrap's assets bucket (default qualifier).
	cdkAssetsBucket = "arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
	// signInURL is the hosted UI's address for the domain resource %s.
	signInURL = "https://${%s}.auth.${AWS::Region}.amazoncognito.com"
)

// one is the only resource of a type, or a failure.
func one(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	all := ofType(typ)
	if len(all) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(all), typ)
	}
	for id, r := range all {
		return id, r
	}
	return "", nil
}

func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, flat(e))
		}
	case nil:
	default:
		out = append(out, flat(x))
	}
	return out
}

// integrationFunctions maps each route key of an API to the logical id of
// the function its integration invokes.
func integrationFunctions(t *testing.T, routes map[string]map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for key, p := range routes {
		target := flat(p["Target"]) // integrations/${Id}
		id := strings.TrimSuffix(strings.TrimPrefix(target, "integrations/${"), "}")
		in, ok := resources[id]
		if !ok || in["Type"] != "AWS::ApiGatewayV2::Integration" {
			t.Errorf("route %s: target %s is no integration", key, target)
			continue
		}
		uri := flat(props(in)["IntegrationUri"]) // ${Function.Arn}
		out[key] = strings.TrimSuffix(strings.TrimPrefix(uri, "${"), ".Arn}")
	}
	return out
}

func TestDashboardAPITakesThePoolsTokensOnEveryRoute(t *testing.T) {
	iamAPI, jwtAPI := logicalID(t, stack, "Api", "Api"), logicalID(t, stack, "Dashboard", "Api", "Api")
	pool, client := logicalID(t, stack, "Dashboard", "Users"), logicalID(t, stack, "Dashboard", "Users", "Dashboard")
	authID, auth := one(t, "AWS::ApiGatewayV2::Authorizer")
	a := props(auth)
	jwt, _ := a["JwtConfiguration"].(map[string]any)
	if flat(a["ApiId"]) != "${"+jwtAPI+"}" || a["AuthorizerType"] != "JWT" ||
		!slices.Equal(strs(a["IdentitySource"]), []string{"$request.header.Authorization"}) ||
		!slices.Equal(strs(jwt["Audience"]), []string{"${" + client + "}"}) ||
		flat(jwt["Issuer"]) != "https://cognito-idp.${AWS::Region}.amazonaws.com/${"+pool+"}" {
		t.Errorf("the authorizer does not take the dashboard client's tokens of the pool: %v", a)
	}
	iam, dash := routesOf(iamAPI), routesOf(jwtAPI)
	for key, p := range iam {
		if p["AuthorizationType"] != "AWS_IAM" {
			t.Errorf("IAM API route %s has authorization %v", key, p["AuthorizationType"])
		}
	}
	for key, p := range dash {
		if p["AuthorizationType"] != "JWT" || flat(p["AuthorizerId"]) != "${"+authID+"}" {
			t.Errorf("dashboard API route %s has authorization %v by %v", key, p["AuthorizationType"], p["AuthorizerId"])
		}
	}
	// The same routes, each to the same function.
	iamFns, dashFns := integrationFunctions(t, iam), integrationFunctions(t, dash)
	if len(dash) != len(Routes) || len(iam) != len(Routes) {
		t.Errorf("%d dashboard routes, %d IAM routes, want %d each", len(dash), len(iam), len(Routes))
	}
	for _, r := range Routes {
		key, fn := r.Method+" "+r.Path, logicalID(t, stack, "Functions", title(r.Function))
		if iamFns[key] != fn || dashFns[key] != fn {
			t.Errorf("%s: the IAM API invokes %q, the dashboard API %q, want %q", key, iamFns[key], dashFns[key], fn)
		}
	}
}

func TestDashboardBucketIsPrivateAndTLSOnly(t *testing.T) {
	bucket := logicalID(t, stack, "Dashboard", "Assets")
	p := props(resources[bucket])
	block, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if block[k] != true {
			t.Errorf("the bucket's %s is %v", k, block[k])
		}
	}
	if !strings.Contains(fmt.Sprint(p["BucketEncryption"]), "AES256") || p["WebsiteConfiguration"] != nil || p["AccessControl"] != nil {
		t.Errorf("the bucket is not a private, S3-encrypted bucket without website hosting: %v", p)
	}
	if resources[bucket]["DeletionPolicy"] != "Retain" {
		t.Errorf("the bucket's deletion policy is %v", resources[bucket]["DeletionPolicy"])
	}
	var policy map[string]any
	for _, r := range ofType("AWS::S3::BucketPolicy") {
		if flat(props(r)["Bucket"]) == "${"+bucket+"}" {
			policy = props(r)["PolicyDocument"].(map[string]any)
		}
	}
	tlsOnly, dist := false, logicalID(t, stack, "Dashboard", "Distribution")
	for _, st := range policy["Statement"].([]any) {
		s := st.(map[string]any)
		switch s["Effect"] {
		case "Deny":
			res := strs(s["Resource"])
			if fmt.Sprint(s["Condition"]) == "map[Bool:map[aws:SecureTransport:false]]" && s["Action"] == "s3:*" &&
				slices.Contains(res, "${"+bucket+".Arn}") && slices.Contains(res, "${"+bucket+".Arn}/*") {
				tlsOnly = true
			}
		case "Allow": // only CloudFront, for this distribution, reading objects
			if flat(s["Principal"].(map[string]any)["Service"]) != "cloudfront.amazonaws.com" || s["Action"] != "s3:GetObject" ||
				!strings.HasSuffix(fmt.Sprint(flat(s["Condition"].(map[string]any)["StringEquals"].(map[string]any)["AWS:SourceArn"])), ":distribution/${"+dist+"}") {
				t.Errorf("the bucket policy allows %v", s)
			}
		}
	}
	if !tlsOnly {
		t.Errorf("the bucket policy does not deny requests without TLS: %v", policy)
	}
}

func TestDistributionServesThePrivateBucketThroughOAC(t *testing.T) {
	oac, r := one(t, "AWS::CloudFront::OriginAccessControl")
	if c := props(r)["OriginAccessControlConfig"].(map[string]any); c["OriginAccessControlOriginType"] != "s3" || c["SigningBehavior"] != "always" || c["SigningProtocol"] != "sigv4" {
		t.Errorf("origin access control %v", c)
	}
	_, d := one(t, "AWS::CloudFront::Distribution")
	cfg := props(d)["DistributionConfig"].(map[string]any)
	bucket, logs := logicalID(t, stack, "Dashboard", "Assets"), logicalID(t, stack, "Dashboard", "Logs")
	s3Origin := ""
	for _, o := range cfg["Origins"].([]any) {
		o := o.(map[string]any)
		if flat(o["DomainName"]) == "${"+bucket+".RegionalDomainName}" {
			s3Origin = fmt.Sprint(o["Id"])
			if flat(o["OriginAccessControlId"]) != "${"+oac+".Id}" || flat(o["S3OriginConfig"].(map[string]any)["OriginAccessIdentity"]) != "" {
				t.Errorf("the bucket's origin does not use the origin access control: %v", o)
			}
		}
	}
	def := cfg["DefaultCacheBehavior"].(map[string]any)
	if s3Origin == "" || def["TargetOriginId"] != s3Origin {
		t.Errorf("the default behaviour's origin %v is not the bucket (%q)", def["TargetOriginId"], s3Origin)
	}
	if def["CachePolicyId"] != cachingOptimized {
		t.Errorf("the page's cache policy %v", def["CachePolicyId"])
	}
	for _, b := range append([]any{def}, cfg["CacheBehaviors"].([]any)...) {
		if v := b.(map[string]any)["ViewerProtocolPolicy"]; v != "redirect-to-https" {
			t.Errorf("a behaviour's viewer protocol policy is %v", v)
		}
	}
	if cfg["DefaultRootObject"] != "index.html" || cfg["PriceClass"] != "PriceClass_100" {
		t.Errorf("root object %v, price class %v", cfg["DefaultRootObject"], cfg["PriceClass"])
	}
	if l, _ := cfg["Logging"].(map[string]any); flat(l["Bucket"]) != "${"+logs+".RegionalDomainName}" {
		t.Errorf("access logs go to %v", cfg["Logging"])
	}
	// Error pages would apply to /api/* too, turning the API's JSON 404s into the page.
	if cfg["CustomErrorResponses"] != nil {
		t.Errorf("custom error responses %v", cfg["CustomErrorResponses"])
	}
}

// csp parses a Content-Security-Policy into its directives.
func csp(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

func TestSecurityHeaders(t *testing.T) {
	id, r := one(t, "AWS::CloudFront::ResponseHeadersPolicy")
	h := props(r)["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
	signIn := fmt.Sprintf(signInURL, logicalID(t, stack, "Dashboard", "Users", "Domain"))
	c := h["ContentSecurityPolicy"].(map[string]any)
	policy := csp(flat(c["ContentSecurityPolicy"]))
	if c["Override"] != true {
		t.Errorf("the CSP does not override the origin's")
	}
	if src := policy["script-src"]; !slices.Equal(src, []string{"'self'"}) {
		t.Errorf("script-src %v, want exactly 'self'", src)
	}
	for _, src := range policy["connect-src"] {
		if strings.Contains(src, "*") {
			t.Errorf("connect-src allows %s", src)
		}
	}
	if src := policy["connect-src"]; !slices.Equal(src, []string{"'self'", signIn}) {
		t.Errorf("connect-src %v, want 'self' and the hosted UI %s", src, signIn)
	}
	want := map[string][]string{
		"default-src": {"'none'"}, "script-src": {"'self'"}, "style-src": {"'self'"}, "img-src": {"'self'", "data:"},
		"connect-src": {"'self'", signIn}, "frame-ancestors": {"'none'"}, "base-uri": {"'none'"}, "form-action": {"'self'"},
	}
	if fmt.Sprint(policy) != fmt.Sprint(want) {
		t.Errorf("CSP\n %v\nwant\n %v", policy, want)
	}
	hsts, _ := h["StrictTransportSecurity"].(map[string]any)
	if age, _ := hsts["AccessControlMaxAgeSec"].(float64); hsts["Override"] != true || age < 365*24*3600 {
		t.Errorf("HSTS %v, want at least a year", hsts)
	}
	if f, _ := h["FrameOptions"].(map[string]any); f["FrameOption"] != "DENY" {
		t.Errorf("X-Frame-Options %v", f)
	}
	if h["ContentTypeOptions"] == nil {
		t.Errorf("no X-Content-Type-Options")
	}
	if rp, _ := h["ReferrerPolicy"].(map[string]any); rp["ReferrerPolicy"] != "no-referrer" && rp["ReferrerPolicy"] != "strict-origin" {
		t.Errorf("Referrer-Policy %v", rp)
	}
	// Every behaviour sends them, the API's too.
	_, d := one(t, "AWS::CloudFront::Distribution")
	cfg := props(d)["DistributionConfig"].(map[string]any)
	for _, b := range append([]any{cfg["DefaultCacheBehavior"]}, cfg["CacheBehaviors"].([]any)...) {
		if flat(b.(map[string]any)["ResponseHeadersPolicyId"]) != "${"+id+"}" {
			t.Errorf("a behaviour without the security headers: %v", b)
		}
	}
}

func TestAPIBehaviourStripsThePrefixAndCachesNothing(t *testing.T) {
	_, d := one(t, "AWS::CloudFront::Distribution")
	cfg := props(d)["DistributionConfig"].(map[string]any)
	behaviours := cfg["CacheBehaviors"].([]any)
	if len(behaviours) != 1 {
		t.Fatalf("%d behaviours besides the default, want 1 (/api/*)", len(behaviours))
	}
	b := behaviours[0].(map[string]any)
	fnID, fn := one(t, "AWS::CloudFront::Function")
	if b["PathPattern"] != "/api/*" || b["CachePolicyId"] != cachingDisabled || b["OriginRequestPolicyId"] != allViewerExceptHostHeader {
		t.Errorf("/api/* behaviour %v: want caching disabled and every viewer header but Host", b)
	}
	methods := strs(b["AllowedMethods"])
	slices.Sort(methods)
	if !slices.Equal(methods, []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}) {
		t.Errorf("/api/* allows %v", methods)
	}
	if fa := fmt.Sprint(b["FunctionAssociations"]); fa != fmt.Sprintf("[map[EventType:viewer-request FunctionARN:map[Fn::GetAtt:[%s FunctionARN]]]]", fnID) {
		t.Errorf("/api/* functions %s", fa)
	}
	jwtAPI := logicalID(t, stack, "Dashboard", "Api", "Api")
	for _, o := range cfg["Origins"].([]any) {
		o := o.(map[string]any)
		if o["Id"] != b["TargetOriginId"] {
			continue
		}
		custom, _ := o["CustomOriginConfig"].(map[string]any)
		if flat(o["DomainName"]) != "${"+jwtAPI+"}.execute-api.${AWS::Region}.${AWS::URLSuffix}" || o["OriginPath"] != nil ||
			custom["OriginProtocolPolicy"] != "https-only" || !slices.Equal(strs(custom["OriginSSLProtocols"]), []string{"TLSv1.2"}) {
			t.Errorf("/api/* goes to %v, want the dashboard API over TLS 1.2", o)
		}
	}

	// Run the function's code on sample viewer requests.
	p := props(fn)
	if p["FunctionConfig"].(map[string]any)["Runtime"] != "cloudfront-js-2.0" {
		t.Errorf("function runtime %v", p["FunctionConfig"])
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH (jsii needs it too)")
	}
	cases := [][2]string{
		{"/api/resources", "/resources"}, {"/api/snapshots/2025-01-02T03:04:05Z/diff", "/snapshots/2025-01-02T03:04:05Z/diff"},
		{"/api/costs/forecast", "/costs/forecast"}, {"/api/", "/"}, {"/api", "/"},
		{"/apiary/x", "/apiary/x"}, {"/index.html", "/index.html"}, {"/resources/api/x", "/resources/api/x"},
	}
	var events []map[string]any
	for _, c := range cases {
		events = append(events, map[string]any{"version": "1.0", "context": map[string]any{"eventType": "viewer-request"},
			"viewer": map[string]any{"ip": "192.0.2.1"},
			"request": map[string]any{"method": "GET", "uri": c[0],
				"querystring": map[string]any{"region": map[string]any{"value": "eu-west-1"}, "api": map[string]any{"value": "/api/x"}},
				"headers":     map[string]any{"authorization": map[string]any{"value": "Bearer token"}}, "cookies": map[string]any{}}})
	}
	in, _ := json.Marshal(events)
	cmd := exec.Command(node, "-e", `const handler = new Function(process.env.CODE + "\nreturn handler;")();
const events = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(events.map((e) => handler(e))));`)
	cmd.Env = append(os.Environ(), "CODE="+fmt.Sprint(p["FunctionCode"]))
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []map[string]any
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("the function returned %s (%v)", out, err)
	}
	for i, c := range cases {
		want := events[i]["request"].(map[string]any)
		if got[i]["uri"] != c[1] || fmt.Sprint(got[i]["querystring"]) != fmt.Sprint(want["querystring"]) ||
			fmt.Sprint(got[i]["headers"]) != fmt.Sprint(want["headers"]) || got[i]["method"] != "GET" {
			t.Errorf("%s: the function returned %v, want uri %s and the rest untouched", c[0], got[i], c[1])
		}
	}
}

func TestSignInClientAndPool(t *testing.T) {
	pool, client := logicalID(t, stack, "Dashboard", "Users"), logicalID(t, stack, "Dashboard", "Users", "Dashboard")
	dist := logicalID(t, stack, "Dashboard", "Distribution")
	url := "https://${" + dist + ".DomainName}/"
	c := props(resources[client])
	if !slices.Equal(strs(c["AllowedOAuthFlows"]), []string{"code"}) || c["AllowedOAuthFlowsUserPoolClient"] != true {
		t.Errorf("OAuth flows %v, want the authorization code grant only", c["AllowedOAuthFlows"])
	}
	if c["GenerateSecret"] == true {
		t.Errorf("the page's client has a secret")
	}
	if scopes := strs(c["AllowedOAuthScopes"]); !slices.Equal(scopes, []string{"openid", "email"}) {
		t.Errorf("scopes %v", scopes)
	}
	if cb, lo := strs(c["CallbackURLs"]), strs(c["LogoutURLs"]); !slices.Equal(cb, []string{url}) || !slices.Equal(lo, []string{url}) {
		t.Errorf("callback %v, logout %v, want %s", cb, lo, url)
	}
	if !slices.Equal(strs(c["SupportedIdentityProviders"]), []string{"COGNITO"}) {
		t.Errorf("identity providers %v", c["SupportedIdentityProviders"])
	}
	units, _ := c["TokenValidityUnits"].(map[string]any)
	for _, tok := range []string{"IdToken", "AccessToken"} {
		if units[tok] != "minutes" || fmt.Sprint(c[tok+"Validity"]) != "60" {
			t.Errorf("%s valid for %v %v, want 60 minutes", tok, c[tok+"Validity"], units[tok])
		}
	}
	if flat(c["UserPoolId"]) != "${"+pool+"}" {
		t.Errorf("the client belongs to %v", c["UserPoolId"])
	}
	p := props(resources[pool])
	if p["MfaConfiguration"] != "ON" || fmt.Sprint(p["AdminCreateUserConfig"]) != "map[AllowAdminCreateUserOnly:true]" {
		t.Errorf("pool: MFA %v, sign-up %v", p["MfaConfiguration"], p["AdminCreateUserConfig"])
	}
	if n := len(ofType("AWS::Cognito::UserPoolClient")); n != 1 {
		t.Errorf("%d app clients", n)
	}
	_, dom := one(t, "AWS::Cognito::UserPoolDomain")
	if d := props(dom); flat(d["Domain"]) != "cloudscope-${AWS::AccountId}" || flat(d["UserPoolId"]) != "${"+pool+"}" {
		t.Errorf("domain %v", d)
	}
	raw, _ := json.Marshal(template.ToJSON())
	var doc struct{ Outputs map[string]map[string]any }
	_ = json.Unmarshal(raw, &doc)
	for name, want := range map[string]string{"DashboardUrl": url, "UserPoolId": "${" + pool + "}", "UserPoolClientId": "${" + client + "}"} {
		if got := flat(doc.Outputs[name]["Value"]); got != want {
			t.Errorf("output %s is %s, want %s", name, got, want)
		}
	}
}

// TestConfigJSONIsThePagesContract reads config.json as the deployment will
// write it: the staged file with the deploy-time values in place.
func TestConfigJSONIsThePagesContract(t *testing.T) {
	_, dep := one(t, "Custom::CDKBucketDeployment")
	p := props(dep)
	if flat(p["DestinationBucketName"]) != "${"+logicalID(t, stack, "Dashboard", "Assets")+"}" ||
		flat(p["DistributionId"]) != "${"+logicalID(t, stack, "Dashboard", "Distribution")+"}" {
		t.Errorf("the deployment copies to %v and invalidates %v", p["DestinationBucketName"], p["DistributionId"])
	}
	keys, markers := strs(p["SourceObjectKeys"]), p["SourceMarkers"].([]any)
	if len(keys) != 2 || len(markers) != 2 {
		t.Fatalf("sources %v, want the page then config.json", keys)
	}
	staged := func(i int, name string) string {
		return filepath.Join(*awscdk.Stage_Of(stack).Outdir(), "asset."+strings.TrimSuffix(keys[i], ".zip"), name)
	}
	for _, f := range []string{"index.html", filepath.Join("vendor", "chart.umd.js")} {
		if _, err := os.Stat(staged(0, f)); err != nil {
			t.Errorf("the page's source lacks %s", f)
		}
	}
	raw, err := os.ReadFile(staged(1, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for marker, v := range markers[1].(map[string]any) {
		text = strings.ReplaceAll(text, marker, flat(v))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("config.json %s: %v", text, err)
	}
	want := map[string]any{"api": "/api", "auth": map[string]any{
		"domain":    fmt.Sprintf(signInURL, logicalID(t, stack, "Dashboard", "Users", "Domain")),
		"client_id": "${" + logicalID(t, stack, "Dashboard", "Users", "Dashboard") + "}",
		"scopes":    []any{"openid", "email"},
	}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("config.json\n %v\nwant\n %v", got, want)
	}
}

// TestDeploymentMayOnlyCopyThePage holds the dashboard's one role to what
// BucketDeployment's handler does, and makes any further role a failure
// until it has such a test.
func TestDeploymentMayOnlyCopyThePage(t *testing.T) {
	role, logs := logicalID(t, stack, "Dashboard", "DeployRole"), logicalID(t, stack, "Dashboard", "DeployLogs")
	bucket := logicalID(t, stack, "Dashboard", "Assets")
	// The state machine's roles: fleet_test.go holds them.
	known := []string{role, logicalID(t, stack, "Fleet", "ScanMachine", "Role"), logicalID(t, stack, "Fleet", "ScanMachine", "EventsRole")}
	for _, fn := range Functions {
		known = append(known, logicalID(t, stack, "Functions", title(fn)+"Role"))
	}
	for id := range ofType("AWS::IAM::Role") {
		if !slices.Contains(known, id) {
			t.Errorf("role %s has no test of what it may do", id)
		}
	}
	for id, r := range ofType("AWS::Lambda::Function") {
		if strings.HasPrefix(id, "CustomCDKBucketDeployment") {
			p := props(r)
			if flat(p["Role"]) != "${"+role+".Arn}" || flat(p["LoggingConfig"].(map[string]any)["LogGroup"]) != "${"+logs+"}" {
				t.Errorf("the copying function runs as %v and logs to %v", p["Role"], p["LoggingConfig"])
			}
		}
	}
	own := []string{"${" + bucket + ".Arn}", "${" + bucket + ".Arn}/*"}
	cdkAssets := []string{cdkAssetsBucket, cdkAssetsBucket + "/*"}
	for _, pol := range ofType("AWS::IAM::Policy") {
		pp := props(pol)
		if !slices.Contains(strs(pp["Roles"]), "${"+role+"}") {
			continue
		}
		for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := st.(map[string]any)
			actions, res := strs(s["Action"]), strs(s["Resource"])
			within := func(allowed []string) bool {
				for _, r := range res {
					if !slices.Contains(allowed, r) {
						return false
					}
				}
				return true
			}
			readOnly := true
			for _, a := range actions {
				readOnly = readOnly && (strings.HasPrefix(a, "s3:Get") || strings.HasPrefix(a, "s3:List"))
			}
			switch {
			case s["Effect"] != "Allow":
				t.Errorf("a %v statement", s["Effect"])
			case slices.Equal(actions, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) && within([]string{"${" + logs + ".Arn}", "${" + logs + ".Arn}:*"}):
			case strings.HasPrefix(actions[0], "s3:") && within(own):
			case strings.HasPrefix(actions[0], "s3:") && readOnly && within(cdkAssets):
			case slices.Equal(actions, []string{"cloudfront:GetInvalidation", "cloudfront:CreateInvalidation"}):
			default:
				t.Errorf("the deployment may %v on %v", actions, res)
			}
		}
	}
}

// TestNagSuppressionsAreScoped reads the cdk-nag report: each suppressed
// finding is on the resource it was written for, with a reason, and every
// IAM5 suppression names the wildcard it allows.
func TestNagSuppressionsAreScoped(t *testing.T) {
	f, err := os.Open(filepath.Join(*awscdk.Stage_Of(stack).Outdir(), "AwsSolutions--Cloudscope-NagReport.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]string{
		"AwsSolutions-IAM5": `^Cloudscope/(Functions/(Discovery|Metrics|Costs|Bottlenecks|Digest|Plan|Shard|Finalize)Role/DefaultPolicy|Dashboard/DeployRole/DefaultPolicy|Fleet/ScanMachine/(Role/DefaultPolicy|DistributedMapPolicy))/Resource$`,
		"AwsSolutions-S1":   `^Cloudscope/Fleet/Plans/Resource$`,
		"AwsSolutions-SQS3": `^Cloudscope/Schedule/ScanDeadLetters/Resource$`,
		"AwsSolutions-COG8": `^Cloudscope/Dashboard/Users/Resource$`,
		"AwsSolutions-CFR1": `^Cloudscope/Dashboard/Distribution/Resource$`,
		"AwsSolutions-CFR2": `^Cloudscope/Dashboard/Distribution/Resource$`,
		"AwsSolutions-CFR4": `^Cloudscope/Dashboard/Distribution/Resource$`,
		"AwsSolutions-L1":   `^Cloudscope/Custom::CDKBucketDeployment[0-9A-F]{32}\d+MiB/Resource$`,
	}
	suppressed := 0
	for _, row := range rows[1:] {
		rule, path, compliance, reason := row[0], row[1], row[2], row[3]
		if compliance != "Suppressed" {
			continue
		}
		suppressed++
		if re, ok := where[rule]; !ok || !regexp.MustCompile(re).MatchString(path) {
			t.Errorf("%s suppressed on %s", rule, path)
		}
		if rule == "AwsSolutions-IAM5" && !regexp.MustCompile(`^\[(Action|Resource)::[^\]]+(\][^\]]*)*\] `).MatchString(reason) {
			t.Errorf("IAM5 on %s suppressed for every finding: %q", path, reason)
		}
		if len(strings.TrimSpace(regexp.MustCompile(`^\[[^\]]*\]`).ReplaceAllString(reason, ""))) < 40 {
			t.Errorf("%s on %s: reason %q says too little", rule, path, reason)
		}
	}
	if suppressed == 0 {
		t.Errorf("no suppressed finding in the report: is it the verbose one?")
	}
	// Stack-wide suppressions: only the dead-letter queue's, which predates these.
	raw, _ := json.Marshal(template.ToJSON())
	var doc struct {
		Metadata struct {
			CdkNag struct {
				RulesToSuppress []struct{ ID string } `json:"rules_to_suppress"`
			} `json:"cdk_nag"`
		}
	}
	_ = json.Unmarshal(raw, &doc)
	for _, r := range doc.Metadata.CdkNag.RulesToSuppress {
		if r.ID != "AwsSolutions-SQS3" {
			t.Errorf("%s is suppressed for the whole stack", r.ID)
		}
	}
}

func TestSettingsValidateTheDashboard(t *testing.T) {
	assets, web := placeholders(t.TempDir())
	base := Settings{Schedule: "cron(0 6 * * ? *)", DigestSchedule: "off", RetentionDays: 90, LogRetentionDays: 30, AssetDir: assets, Dashboard: true, DashboardDir: web}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"cloudscope-123456789012", "a", "ops-2", strings.Repeat("a", 63)} {
		s := base
		s.AuthDomainPrefix = p
		if err := s.Validate(); err != nil {
			t.Errorf("prefix %q: %v", p, err)
		}
	}
	for _, p := range []string{"Ops", "-ops", "ops-", "ops_1", "ops.1", "my-aws-ops", "amazonian", "cognito-ops", strings.Repeat("a", 64)} {
		s := base
		s.AuthDomainPrefix = p
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "cloudscope:authDomainPrefix") {
			t.Errorf("prefix %q: %v", p, err)
		}
	}
	for _, f := range []string{filepath.Join("vendor", "chart.umd.js"), "index.html"} {
		if err := os.Remove(filepath.Join(web, f)); err != nil {
			t.Fatal(err)
		}
		if err := base.Validate(); err == nil || !strings.Contains(err.Error(), "run make web first") {
			t.Errorf("without %s: %v", f, err)
		}
	}
	off := base
	off.Dashboard, off.AuthDomainPrefix = false, "AWS"
	if err := off.Validate(); err != nil {
		t.Errorf("dashboard off, yet %v", err)
	}
	for ctx, want := range map[string]string{"cloudscope:jwt": "cloudscope:dashboard", "cloudscope:dashboard": "true or false"} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"cloudscope:assetDir": assets, ctx: "maybe"}})
		if _, err := SettingsFrom(app); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=maybe: %v", ctx, err)
		}
	}
}
