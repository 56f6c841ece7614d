package cloudscope

import "testing"

func TestValidRegionName(t *testing.T) {
	for name, want := range map[string]bool{
		"us-east-1": true, "eu-central-2": true, "us-gov-west-1": true, "cn-north-1": true, "ap-southeast-5": true,
		"mx-central-1": true, "eusc-de-east-1": true,
		"": false, "us-east": false, "US-EAST-1": false, "us_east_1": false, "us-east-1 ": false, "../x-1": false,
		"us-east-123": false, "a-b-1": false,
	} {
		if got := ValidRegionName(name); got != want {
			t.Errorf("%q: got %v, want %v", name, got, want)
		}
	}
}

func TestInvalidNamesTheParameter(t *testing.T) {
	err := Invalid("types", "unknown type %q", "vpc")
	if err.Message != `types: unknown type "vpc"` || err.Param != "types" || CodeOf(err) != CodeInvalid {
		t.Errorf("got %#v", err)
	}
}
