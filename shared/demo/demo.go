// Package demo creates cloudscope's demo account on an AWS emulator through
// the real AWS APIs: instances, databases, buckets and functions spread over
// three regions, and for each waste rule a wasteful resource and its healthy
// twin (volumes, snapshots, Elastic IPs, NAT gateways, load balancers,
// tables), so that every capability has something to show.
// It refuses to run against anything but a loopback endpoint, so it can never
// create (and bill) resources in a real account.
package demo

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/awsconf/lambdaclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/rdsclient"
	"github.com/cloudscope/cloudscope/shared/awsconf/s3client"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
	"github.com/cloudscope/cloudscope/shared/loopback"
)

// Instance is a demo EC2 instance.
type Instance struct {
	Region, Name, Type string
	Stopped            bool
	Tags               map[string]string
}

// Database is a demo RDS instance.
type Database struct {
	Region, ID, Class, Engine string
	StorageGB                 int32
}

// Bucket is a demo S3 bucket.
type Bucket struct{ Region, Name string }

// Function is a demo Lambda function.
type Function struct {
	Region, Name, Runtime, Arch string
	MemoryMB, TimeoutSeconds    int32
}

// Account is what the demo creates.
type Account struct {
	Instances []Instance
	Databases []Database
	Buckets   []Bucket
	Functions []Function
	Waste     Waste
}

// Regions are the demo's regions.
var Regions = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}

// Default is the demo account: a web shop with a hot batch box, an idle
// reporting server and database, and a throttled webhook function.
var Default = Account{
	Instances: []Instance{
		{Region: "us-east-1", Name: "web-1", Type: "t3.large", Tags: map[string]string{"env": "prod", "team": "shop"}},
		{Region: "us-east-1", Name: "web-2", Type: "t3.large", Tags: map[string]string{"env": "prod", "team": "shop"}},
		{Region: "us-east-1", Name: "batch-worker", Type: "c5.xlarge", Tags: map[string]string{"env": "prod", "team": "data"}},
		{Region: "us-east-1", Name: "dev-sandbox", Type: "t3.micro", Stopped: true, Tags: map[string]string{"env": "dev", "team": "shop"}},
		{Region: "eu-west-1", Name: "api-eu", Type: "m5.large", Tags: map[string]string{"env": "prod", "team": "shop"}},
		{Region: "eu-west-1", Name: "legacy-reporting", Type: "m5.xlarge", Tags: map[string]string{"env": "prod", "team": "finance"}},
		{Region: "ap-southeast-2", Name: "api-apac", Type: "m5.large", Tags: map[string]string{"env": "prod", "team": "shop"}},
		{Region: "ap-southeast-2", Name: "ml-training", Type: "r5.2xlarge", Stopped: true, Tags: map[string]string{"env": "dev", "team": "data"}},
	},
	Databases: []Database{
		{Region: "us-east-1", ID: "orders-db", Class: "db.m5.large", Engine: "postgres", StorageGB: 200},
		{Region: "eu-west-1", ID: "reporting-db", Class: "db.t3.medium", Engine: "mysql", StorageGB: 100},
		{Region: "ap-southeast-2", ID: "sessions-db", Class: "db.t3.small", Engine: "postgres", StorageGB: 20},
	},
	Buckets: []Bucket{
		{Region: "us-east-1", Name: "cloudscope-demo-assets"},
		{Region: "eu-west-1", Name: "cloudscope-demo-invoices-eu"},
		{Region: "ap-southeast-2", Name: "cloudscope-demo-backups-apac"},
	},
	Functions: []Function{
		{Region: "us-east-1", Name: "image-resizer", Runtime: "python3.12", Arch: "arm64", MemoryMB: 1024, TimeoutSeconds: 30},
		{Region: "us-east-1", Name: "order-webhook", Runtime: "nodejs20.x", Arch: "x86_64", MemoryMB: 256, TimeoutSeconds: 10},
		{Region: "eu-west-1", Name: "invoice-pdf", Runtime: "provided.al2023", Arch: "arm64", MemoryMB: 512, TimeoutSeconds: 60},
	},
	Waste: DefaultWaste,
}

// Seeded describes what Seed created, with the ids AWS gave.
type Seeded struct {
	InstanceIDs     map[string]string // Name -> instance id
	VolumeIDs       map[string]string // Name -> volume id
	NATGatewayIDs   map[string]string // Name -> NAT gateway id
	LoadBalancerIDs map[string]string // Name -> id ("app/name/id", a classic one's name)
	// Waste lists every resource of the waste types the demo has, the
	// instances' root volumes included.
	Waste []Ref
}

// CheckEndpoint refuses any configuration that does not point at a loopback
// emulator: seeding a real account would create billable resources.
func CheckEndpoint(cfg aws.Config) error {
	if cfg.BaseEndpoint == nil {
		return fmt.Errorf("demo data goes only to an emulator: set AWS_ENDPOINT_URL to a loopback address (make demo does)")
	}
	u, err := url.Parse(*cfg.BaseEndpoint)
	if err != nil {
		return fmt.Errorf("endpoint %q: %w", *cfg.BaseEndpoint, err)
	}
	if host := u.Hostname(); !loopback.Host(host) {
		return fmt.Errorf("demo data goes only to an emulator on loopback, not to %s", host)
	}
	return nil
}

// Seed creates the account on the emulator the clients point at, reporting
// progress through logf.
func Seed(ctx context.Context, clients *awsconf.Clients, acct Account, logf func(string, ...any)) (*Seeded, error) {
	if err := CheckEndpoint(clients.Config()); err != nil {
		return nil, err
	}
	seeded := &Seeded{InstanceIDs: map[string]string{}, VolumeIDs: map[string]string{}, NATGatewayIDs: map[string]string{}, LoadBalancerIDs: map[string]string{}}
	for _, in := range acct.Instances {
		id, err := runInstance(ctx, ec2client.In(clients, in.Region), in)
		if err != nil {
			return nil, fmt.Errorf("instance %s in %s: %w", in.Name, in.Region, err)
		}
		seeded.InstanceIDs[in.Name] = id
	}
	logf("created %d EC2 instances", len(acct.Instances))
	for _, db := range acct.Databases {
		_, err := rdsclient.In(clients, db.Region).CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(db.ID),
			DBInstanceClass:      aws.String(db.Class),
			Engine:               aws.String(db.Engine),
			AllocatedStorage:     aws.Int32(db.StorageGB),
			MasterUsername:       aws.String("demo"),
			MasterUserPassword:   aws.String("demo-password-not-secret"),
			Tags:                 []rdstypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
		})
		if err != nil {
			return nil, fmt.Errorf("database %s in %s: %w", db.ID, db.Region, err)
		}
	}
	logf("created %d RDS databases", len(acct.Databases))
	for _, b := range acct.Buckets {
		in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
		if b.Region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(b.Region)}
		}
		if _, err := s3client.In(clients, b.Region).CreateBucket(ctx, in); err != nil {
			return nil, fmt.Errorf("bucket %s in %s: %w", b.Name, b.Region, err)
		}
	}
	logf("created %d S3 buckets", len(acct.Buckets))
	if len(acct.Functions) > 0 {
		if err := createFunctions(ctx, clients, acct.Functions); err != nil {
			return nil, err
		}
		logf("created %d Lambda functions", len(acct.Functions))
	}
	if err := seedWaste(ctx, clients, acct.Waste, seeded, logf); err != nil {
		return nil, err
	}
	return seeded, nil
}

func runInstance(ctx context.Context, client *ec2.Client, in Instance) (string, error) {
	tags := []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(in.Name)}}
	for k, v := range in.Tags {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId:           aws.String("ami-12c6146b"),
		InstanceType:      ec2types.InstanceType(in.Type),
		MinCount:          aws.Int32(1),
		MaxCount:          aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: tags}},
	})
	if err != nil {
		return "", err
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	if in.Stopped {
		if _, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
			return "", err
		}
	}
	return id, nil
}

func createFunctions(ctx context.Context, clients *awsconf.Clients, fns []Function) error {
	iamClient := iam.NewFromConfig(clients.Config())
	role, err := iamClient.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("cloudscope-demo-lambda"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		return fmt.Errorf("demo Lambda role: %w", err)
	}
	code, err := placeholderZip()
	if err != nil {
		return err
	}
	for _, fn := range fns {
		_, err := lambdaclient.In(clients, fn.Region).CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName:  aws.String(fn.Name),
			Role:          role.Role.Arn,
			Runtime:       lambdatypes.Runtime(fn.Runtime),
			Handler:       aws.String("index.handler"),
			Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(fn.Arch)},
			MemorySize:    aws.Int32(fn.MemoryMB),
			Timeout:       aws.Int32(fn.TimeoutSeconds),
			Code:          &lambdatypes.FunctionCode{ZipFile: code},
			Tags:          map[string]string{"env": "prod"},
		})
		if err != nil {
			return fmt.Errorf("function %s in %s: %w", fn.Name, fn.Region, err)
		}
	}
	return nil
}

// placeholderZip is a deployment package holding one file; the demo's
// functions are never invoked.
func placeholderZip() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.py")
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte("def handler(event, context):\n    return None\n")); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Clients returns AWS clients for the emulator at endpoint: the emulator's
// static test credentials, never the user's, the emulator's wire
// (awsconf.EmulatorWire), and a guard that fails any
// request addressed anywhere but loopback (a service-specific endpoint
// setting such as AWS_ENDPOINT_URL_EC2 could otherwise send one to AWS).
// Cost forecasts, which the emulator lacks, and the anomaly query's eight
// weeks come from the demo's own figures; extra options (tests) go after
// those.
func Clients(ctx context.Context, endpoint string, extra ...func(*middleware.Stack) error) (*awsconf.Clients, error) {
	if endpoint == "" {
		return nil, fmt.Errorf("demo data goes only to an emulator: set AWS_ENDPOINT_URL to a loopback address (make demo does)")
	}
	cfg, err := sdkconfig.Load(ctx, awsconf.Options{
		Region:      "us-east-1",
		EndpointURL: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		APIOptions:  append([]func(*middleware.Stack) error{loopbackGuard, forecastOption, anomalyWeeksOption}, extra...),
	})
	if err != nil {
		return nil, err
	}
	if err := CheckEndpoint(cfg); err != nil {
		return nil, err
	}
	return awsconf.NewClientsWith(cfg, awsconf.EmulatorWire), nil
}

// loopbackGuard fails a request, once its endpoint is resolved, unless it
// goes to a loopback host.
func loopbackGuard(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("demoLoopbackGuard",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			req, ok := in.Request.(*smithyhttp.Request)
			if !ok {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("demo guard: unexpected request type %T", in.Request)
			}
			if host := req.URL.Hostname(); !loopback.Host(host) {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("demo data goes only to an emulator on loopback; refused a request to %s", host)
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
