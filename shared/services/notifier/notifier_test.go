package notifier

import "testing"

func TestArnRegion(t *testing.T) {
	if arnRegion("arn:aws:sns:eu-west-1:123456789012:findings", "us-east-1") != "eu-west-1" || arnRegion("nonsense", "us-east-1") != "us-east-1" {
		t.Error("arnRegion")
	}
}
