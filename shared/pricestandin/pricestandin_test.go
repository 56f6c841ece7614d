package pricestandin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"github.com/aws/smithy-go"

	"github.com/cloudscope/cloudscope/shared/pricestandin"
)

// Every record says where it was copied from and has the shape of a
// GetProducts answer: a product with a SKU and one on-demand term.
func TestEveryRecordHasItsSource(t *testing.T) {
	recs := pricestandin.Records()
	if len(recs) == 0 {
		t.Fatal("no records")
	}
	for i, r := range recs {
		var doc struct {
			ServiceCode string `json:"serviceCode"`
			Product     struct {
				SKU        string            `json:"sku"`
				Attributes map[string]string `json:"attributes"`
			} `json:"product"`
			Terms struct {
				OnDemand map[string]json.RawMessage `json:"OnDemand"`
			} `json:"terms"`
		}
		if err := json.Unmarshal(r.Record, &doc); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if len(r.Source) < 40 || doc.ServiceCode == "" || doc.Product.SKU == "" || doc.Product.Attributes["usagetype"] == "" || len(doc.Terms.OnDemand) != 1 {
			t.Errorf("record %d (%s): source %q, service %q, usage type %q, %d on-demand terms", i, doc.Product.SKU, r.Source,
				doc.ServiceCode, doc.Product.Attributes["usagetype"], len(doc.Terms.OnDemand))
		}
	}
}

func client(t *testing.T, pageSize int) *pricing.Client {
	t.Helper()
	s, err := pricestandin.New(pricestandin.Records())
	if err != nil {
		t.Fatal(err)
	}
	s.PageSize = pageSize
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return pricing.New(pricing.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
}

func TestGetProductsFiltersAndPages(t *testing.T) {
	c := client(t, 1)
	ctx := context.Background()
	var found []string
	p := pricing.NewGetProductsPaginator(c, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), FormatVersion: aws.String("aws_v1"),
		Filters: []types.Filter{{Type: types.FilterTypeTermMatch, Field: aws.String("location"), Value: aws.String("US East (N. Virginia)")}}})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		found = append(found, out.PriceList...)
	}
	if len(found) != 5 || pages != 5 {
		t.Errorf("%d us-east-1 EC2 records in %d pages, want 5 in 5", len(found), pages)
	}
	// productFamily is beside the attributes; a record without the
	// attribute filtered on does not match (public IPv4 has no family).
	c = client(t, 100)
	for _, c2 := range []struct {
		service, field, value string
		want                  int
	}{
		{"AmazonEC2", "productFamily", "Storage", 5},
		{"AmazonEC2", "usagetype", "USE2-EBS:VolumeUsage.gp3", 1},
		{"AmazonVPC", "group", "VPCPublicIPv4Address", 2},
		{"AmazonVPC", "productFamily", "VPC Public IPv4 Address", 0},
		{"AmazonEC2", "regionCode", "us-east-1", 2}, // the t2 lines of 2023; the 2019 records have no regionCode
		{"AWSELB", "usagetype", "LoadBalancerUsage", 4},
		{"AWSELB", "productFamily", "Load Balancer-Application", 4}, // hours, capacity units, and both on Outposts
	} {
		out, err := c.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String(c2.service),
			Filters: []types.Filter{{Type: types.FilterTypeTermMatch, Field: aws.String(c2.field), Value: aws.String(c2.value)}}})
		if err != nil || len(out.PriceList) != c2.want {
			t.Errorf("%s %s=%s: %d records (%v), want %d", c2.service, c2.field, c2.value, len(out.PriceList), err, c2.want)
		}
	}
}

func TestAnotherOperationIsRefused(t *testing.T) {
	c := client(t, 100)
	_, err := c.DescribeServices(context.Background(), &pricing.DescribeServicesInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" {
		t.Errorf("DescribeServices: %v", err)
	}
	rec := httptest.NewRecorder()
	s, _ := pricestandin.New(pricestandin.Records())
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"ServiceCode":"AmazonEC2","NextToken":"x"}`)))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a request without the target: %d", rec.Code)
	}
}
