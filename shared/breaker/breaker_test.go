package breaker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// TestARegionThatDoesNotAnswerFailsFast: an EC2 client whose endpoint
// refuses every connection makes Threshold attempts in all (the SDK's
// retries included); its next calls fail at once as unavailable, without
// a connection; another region's calls are not held; after the cooldown
// the region is tried again, and an answer closes it.
func TestARegionThatDoesNotAnswerFailsFast(t *testing.T) {
	ctx := context.Background()
	// A port nobody listens on: every connection is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	alive := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><regionInfo/></DescribeRegionsResponse>`))
	}))
	defer alive.Close()

	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	counting := &counter{next: http.DefaultClient}
	b := New(counting, Options{Now: func() time.Time { return now }})
	client := func(region, endpoint string) *ec2.Client {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "secret", "")),
			config.WithRetryMaxAttempts(5), config.WithBaseEndpoint(endpoint))
		if err != nil {
			t.Fatal(err)
		}
		cfg.HTTPClient = b
		return ec2.NewFromConfig(cfg)
	}
	down := client("ap-east-1", dead)
	_, err = down.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err == nil || counting.n != 3 {
		t.Fatalf("first call: %v after %d attempts; want a failure after 3 (the threshold, though the SDK allows 5)", err, counting.n)
	}
	start := time.Now()
	for range 10 {
		_, err = down.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	}
	var open *OpenError
	if !errors.As(err, &open) || counting.n != 3 || time.Since(start) > time.Second {
		t.Fatalf("open region: %v, %d attempts in all, %s; want the breaker's error at once and no attempt", err, counting.n, time.Since(start))
	}
	if code := awserr.Classify(err); code != cloudscope.CodeUnavailable || !code.Transient() {
		t.Errorf("an open region classifies as %s, want unavailable (tried again later)", code)
	}
	if _, err := client("eu-west-1", alive.URL).DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
		t.Errorf("another region is held too: %v", err)
	}
	now = now.Add(31 * time.Second)
	_, err = client("ap-east-1", alive.URL).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Errorf("after the cooldown the region is not tried again: %v", err)
	}
	if st := b.regions["ec2 in ap-east-1"]; st == nil || st.failures != 0 || !st.openUntil.IsZero() {
		t.Errorf("an answer does not close the region: %+v", st)
	}
}

type counter struct {
	next HTTPClient
	n    int
}

func (c *counter) Do(r *http.Request) (*http.Response, error) {
	c.n++
	return c.next.Do(r)
}
