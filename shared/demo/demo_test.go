package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/mototest"
)

func TestClientsOnlyTalkToLoopback(t *testing.T) {
	if _, err := Clients(context.Background(), ""); err == nil {
		t.Error("no endpoint accepted")
	}
	if _, err := Clients(context.Background(), "https://ec2.us-east-1.amazonaws.com"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("an AWS endpoint accepted: %v", err)
	}
	clients, err := Clients(context.Background(), "http://127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	// Whatever redirects a call, the guard refuses it before it leaves.
	_, err = clients.EC2("us-east-1").DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{},
		func(o *ec2.Options) { o.BaseEndpoint = aws.String("https://ec2.us-east-1.amazonaws.com") })
	if err == nil || !strings.Contains(err.Error(), "refused a request to ec2.us-east-1.amazonaws.com") {
		t.Errorf("got %v", err)
	}
	if v, _ := clients.Config().Credentials.Retrieve(context.Background()); v.AccessKeyID != "testing" {
		t.Errorf("seeding uses credentials %q, not the emulator's", v.AccessKeyID)
	}
}

func TestSeedRefusesARealEndpoint(t *testing.T) {
	cfg, err := awsconf.Load(context.Background(), awsconf.Options{Region: "us-east-1", Credentials: mototest.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seed(context.Background(), awsconf.NewClients(cfg), Default, t.Logf); err == nil {
		t.Error("Seed ran without an emulator endpoint")
	}
}
