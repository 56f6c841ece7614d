package notify_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/notify"
	"github.com/cloudscope/cloudscope/shared/testkit/schematest"
)

const account = "123456789012"

var finished = time.Date(2026, 11, 23, 6, 3, 0, 0, time.UTC)

func finding(rule string, sev cloudscope.Severity, typ cloudscope.ResourceType, id, name string) cloudscope.Finding {
	return cloudscope.Finding{ID: rule + "/" + string(typ) + "/us-east-1/" + id, Rule: rule, Severity: sev, Title: "Something is wrong with " + id,
		ResourceType: typ, ResourceID: id, ResourceName: name, Region: "us-east-1", Observed: map[string]float64{"max_percent": 97.5},
		Threshold: cloudscope.Threshold{Value: 90, Op: ">", Unit: "percent", Source: "seed design"},
		Window:    cloudscope.Window{Start: finished.Add(-14 * 24 * time.Hour), End: finished},
		Evidence:  []cloudscope.Point{{T: cloudscope.At(finished), V: 97.5}}, Recommendation: "Move " + id + " to a larger size."}
}

// sample is a scan with findings of every severity on resources whose
// ARNs name the account (an S3 bucket's ARN names none).
func sample() (*cloudscope.Snapshot, []cloudscope.Finding) {
	fs := []cloudscope.Finding{
		finding("ec2.high_cpu", cloudscope.Critical, cloudscope.EC2, "i-0abc", "batch-worker"),
		finding("rds.low_storage", cloudscope.Critical, cloudscope.RDS, "orders-db", ""),
		finding("lambda.throttled", cloudscope.Warning, cloudscope.Lambda, "order-webhook", ""),
		finding("s3.example", cloudscope.Info, cloudscope.S3, "logs-bucket", ""),
	}
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "evt-2", FinishedAt: finished, Regions: []string{"us-east-1"}},
		Resources: []cloudscope.Resource{
			{Type: cloudscope.EC2, ID: "i-0abc", Region: "us-east-1", ARN: "arn:aws:ec2:us-east-1:" + account + ":instance/i-0abc"},
			{Type: cloudscope.RDS, ID: "orders-db", Region: "us-east-1", ARN: "arn:aws:rds:us-east-1:" + account + ":db:orders-db"},
			{Type: cloudscope.Lambda, ID: "order-webhook", Region: "us-east-1", ARN: "arn:aws:lambda:us-east-1:" + account + ":function:order-webhook"},
			{Type: cloudscope.S3, ID: "logs-bucket", Region: "us-east-1", ARN: "arn:aws:s3:::logs-bucket"},
		},
		Findings: fs}
	return snap, fs
}

const dash = "https://d111111abcdef8.cloudfront.net/"

// noJSON fails when text holds anything a JSON parser would take for an
// object or array.
func noJSON(t *testing.T, text string) {
	t.Helper()
	for _, marker := range []string{"{", "}", `":`, "JSON:"} {
		if strings.Contains(text, marker) {
			t.Errorf("the e-mail text holds %q:\n%s", marker, text)
			return
		}
	}
}

func TestFindingsBodies(t *testing.T) {
	snap, fs := sample()
	m := notify.Renderer{DashboardURL: dash}.Findings(snap, fs, "evt-1")

	// One body for people, one for every other protocol.
	if len(m.Bodies) != 2 || m.Bodies["email"] == "" || m.Bodies["default"] == "" {
		t.Fatalf("bodies %v", m.Bodies)
	}
	email := m.Bodies["email"]
	noJSON(t, email)
	// Grouped by severity, the most severe first; each finding in two
	// lines: the resource, region, account and what is wrong; what to do
	// and its link.
	crit, warn, info := strings.Index(email, "\nCRITICAL (2)\n"), strings.Index(email, "\nWARNING (1)\n"), strings.Index(email, "\nINFO (1)\n")
	if crit < 0 || warn < crit || info < warn {
		t.Errorf("severity groups at %d, %d, %d:\n%s", crit, warn, info, email)
	}
	wantLines := []string{
		"- batch-worker (EC2 instance i-0abc), us-east-1, account 123456789012: Something is wrong with i-0abc.\n" +
			"  What to do: Move i-0abc to a larger size. " + dash + "#bottlenecks?finding=ec2.high_cpu%2Fec2%2Fus-east-1%2Fi-0abc\n",
		"- S3 bucket logs-bucket, us-east-1: Something is wrong with logs-bucket.\n", // no account in an S3 ARN
		"What changed since the scan before: " + dash + "#history?base=evt-1&head=evt-2\n",
		"Every finding of this scan: " + dash + "#bottlenecks\n",
	}
	for _, l := range wantLines {
		if !strings.Contains(email, l) {
			t.Errorf("the e-mail lacks\n%s\nin\n%s", l, email)
		}
	}

	// The document, valid against its schema.
	doc := m.Bodies["default"]
	schematest.Validate(t, []byte(doc), notify.FindingsSchema)
	var d notify.FindingsDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	if d.Schema != notify.FindingsSchemaID || d.ScanID != "evt-2" || d.Counts != (notify.SeverityCounts{Total: 4, Critical: 2, Warning: 1, Info: 1}) ||
		len(d.Findings) != 4 || d.Omitted != 0 || d.Findings[0].AccountID != account || d.Findings[3].AccountID != "" ||
		d.Links.Diff != dash+"#history?base=evt-1&head=evt-2" || d.Links.Snapshot != dash+"#history?snapshot=evt-2" || strings.Contains(doc, "evidence") {
		t.Errorf("document %s", doc)
	}

	// Attributes to filter on.
	want := map[string]string{"kind": "findings", "highest_severity": "critical", "new_findings": "4", "critical": "2", "warning": "1", "info": "1"}
	if fmt.Sprint(m.Attributes) != fmt.Sprint(want) || fmt.Sprint(m.Lists["accounts"]) != "[123456789012]" ||
		fmt.Sprint(m.Lists["rules"]) != "[ec2.high_cpu lambda.throttled rds.low_storage s3.example]" {
		t.Errorf("attributes %v, lists %v", m.Attributes, m.Lists)
	}
	if m.Subject != "cloudscope: 4 new or worse findings, highest critical" {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestFindingsWithoutADashboardHaveNoLinks(t *testing.T) {
	snap, fs := sample()
	m := notify.Renderer{}.Findings(snap, fs, "evt-1")
	for name, body := range map[string]string{"email": m.Bodies["email"], "default": m.Bodies["default"], "chat": m.Chat} {
		if strings.Contains(body, "://") || strings.Contains(body, "#bottlenecks") {
			t.Errorf("%s links nowhere useful: %s", name, body)
		}
	}
	schematest.Validate(t, []byte(m.Bodies["default"]), notify.FindingsSchema)
}

// many is n findings of each severity, with long texts.
func many(n int) []cloudscope.Finding {
	var fs []cloudscope.Finding
	for _, sev := range cloudscope.Severities {
		for i := range n {
			f := finding("rule."+string(sev), sev, cloudscope.EC2, fmt.Sprintf("i-%s-%05d", sev, i), "")
			f.Title = strings.Repeat("a long title ", 8)
			f.Recommendation = strings.Repeat("do this and that ", 12)
			fs = append(fs, f)
		}
	}
	return fs
}

func TestFindingsPastTheSizeLimitKeepTheMostSevere(t *testing.T) {
	fs := many(1000)
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "big", FinishedAt: finished}}
	m := notify.Renderer{DashboardURL: dash}.Findings(snap, fs, "")
	if size := notify.Size(m); size > notify.MaxMessageBytes || size < notify.MaxMessageBytes*9/10 {
		t.Errorf("%d bytes, want just under %d", size, notify.MaxMessageBytes)
	}
	// Counted apart from Size: every body together, as SNS counts them.
	raw, _ := json.Marshal(m.Bodies)
	if len(raw) > 256*1024 {
		t.Errorf("the published structure is %d bytes, more than SNS takes", len(raw))
	}
	var d notify.FindingsDocument
	if err := json.Unmarshal([]byte(m.Bodies["default"]), &d); err != nil {
		t.Fatal(err)
	}
	kept := len(d.Findings)
	if kept == 0 || d.Omitted != 3000-kept || d.Counts.Total != 3000 || m.Attributes["new_findings"] != "3000" {
		t.Fatalf("kept %d, omitted %d, counts %+v", kept, d.Omitted, d.Counts)
	}
	// The most severe are kept: every critical one before any warning.
	for i, f := range d.Findings {
		if i < 1000 && f.Severity != cloudscope.Critical || i >= 1000 && f.Severity == cloudscope.Critical {
			t.Fatalf("finding %d is %s", i, f.Severity)
		}
	}
	// The e-mail lists the same findings and says how many are left out.
	email := m.Bodies["email"]
	if got := strings.Count(email, "\n  What to do: "); got != kept {
		t.Errorf("the e-mail lists %d findings, the document %d", got, kept)
	}
	if !strings.Contains(email, fmt.Sprintf("%d more findings are left out of this message", 3000-kept)) {
		t.Errorf("the e-mail does not count what it left out")
	}
	schematest.Validate(t, []byte(m.Bodies["default"]), notify.FindingsSchema)
	noJSON(t, email)

	// A limit nothing fits in: every finding counted, none listed.
	tiny := notify.Renderer{MaxBytes: 100}.Findings(snap, many(2), "")
	if err := json.Unmarshal([]byte(tiny.Bodies["default"]), &d); err != nil || len(d.Findings) != 0 || d.Omitted != 6 {
		t.Errorf("under a tiny limit: %d kept, %d omitted", len(d.Findings), d.Omitted)
	}

	// Within the limit, nothing is left out.
	small := notify.Renderer{DashboardURL: dash}.Findings(snap, many(3), "")
	if err := json.Unmarshal([]byte(small.Bodies["default"]), &d); err != nil || d.Omitted != 0 || len(d.Findings) != 9 {
		t.Errorf("a small message lost findings: %d kept, %d omitted", len(d.Findings), d.Omitted)
	}
}

var chatTitle = regexp.MustCompile(`^[^\n]{1,120}$`)

func TestFindingsChat(t *testing.T) {
	snap, fs := sample()
	for name, findings := range map[string][]cloudscope.Finding{"four": fs, "3000": many(1000)} {
		m := notify.Renderer{DashboardURL: dash}.Findings(snap, findings, "evt-1")
		schematest.Validate(t, []byte(m.Chat), notify.ChatSchema)
		var c notify.ChatNotification
		if err := json.Unmarshal([]byte(m.Chat), &c); err != nil {
			t.Fatal(err)
		}
		if c.Version != "1.0" || c.Source != "custom" || c.Content.TextType != "client-markdown" || !chatTitle.MatchString(c.Content.Title) ||
			len(c.Content.Description) > notify.ChatDescriptionMax || len(m.Chat) > 8*1024 {
			t.Errorf("%s: %s", name, m.Chat)
		}
		if !strings.Contains(c.Content.Description, "batch-worker") && name == "four" ||
			!strings.Contains(strings.Join(c.Content.NextSteps, " "), dash+"#history?base=evt-1&head=evt-2") {
			t.Errorf("%s: %+v", name, c.Content)
		}
		if name == "3000" && !strings.Contains(c.Content.Description, "more: see the dashboard") {
			t.Errorf("a long list does not say it is cut: %s", c.Content.Description)
		}
	}
}

// A scan of several accounts: the findings carry their accounts (the same
// bucket name may not, but the same instance id can be in two accounts),
// and every body names the account of each.
func TestFindingsOfSeveralAccountsNameTheirAccounts(t *testing.T) {
	const a, b = "111111111111", "222222222222"
	fa := finding("ec2.high_cpu", cloudscope.Critical, cloudscope.EC2, "i-0abc", "")
	fa.AccountID = a
	fb := finding("ec2.high_cpu", cloudscope.Warning, cloudscope.EC2, "i-0abc", "")
	fb.AccountID = b
	fs := []cloudscope.Finding{fa, fb}
	snap := &cloudscope.Snapshot{SnapshotHeader: cloudscope.SnapshotHeader{ID: "org-2", FinishedAt: finished, Regions: []string{"us-east-1"}},
		Resources: []cloudscope.Resource{
			{AccountID: a, Type: cloudscope.EC2, ID: "i-0abc", Region: "us-east-1", ARN: "arn:aws:ec2:us-east-1:" + a + ":instance/i-0abc"},
			{AccountID: b, Type: cloudscope.EC2, ID: "i-0abc", Region: "us-east-1", ARN: "arn:aws:ec2:us-east-1:" + b + ":instance/i-0abc"},
		}, Findings: fs}
	m := notify.Renderer{DashboardURL: dash}.Findings(snap, fs, "org-1")
	for _, acct := range []string{a, b} {
		if !strings.Contains(m.Bodies["email"], "EC2 instance i-0abc, us-east-1, account "+acct+":") {
			t.Errorf("the e-mail does not name %s:\n%s", acct, m.Bodies["email"])
		}
		if !strings.Contains(m.Chat, "us-east-1, account "+acct+":") {
			t.Errorf("the chat message does not name %s:\n%s", acct, m.Chat)
		}
	}
	doc := m.Bodies["default"]
	schematest.Validate(t, []byte(doc), notify.FindingsSchema)
	var d notify.FindingsDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d.Accounts) != "["+a+" "+b+"]" || d.Findings[0].AccountID != a || d.Findings[1].AccountID != b {
		t.Errorf("document %s", doc)
	}
	if fmt.Sprint(m.Lists["accounts"]) != "["+a+" "+b+"]" {
		t.Errorf("lists %v", m.Lists)
	}
}

func TestFindingsCarryTheirSavings(t *testing.T) {
	snap, fs := sample()
	monthly, _ := cloudscope.ParseAmount("3.65")
	eip := finding("eip.unassociated", cloudscope.Warning, cloudscope.Address, "eipalloc-1", "")
	eip.Savings = &cloudscope.Savings{Monthly: &monthly, Currency: "USD", Unit: "hour", Estimate: "release the address, 730 hours x 0.005 USD/hour = 3.65 USD/month",
		PriceSource: "AWS Price List AmazonVPC SKU X", PriceDate: "2026-11-01"}
	nat := finding("nat.idle", cloudscope.Warning, cloudscope.NATGateway, "nat-1", "")
	nat.Savings = &cloudscope.Savings{Unavailable: "no saving estimated: vpc.nat_gateway in cn-north-1: the AWS Price List API does not serve the aws-cn partition"}
	fs = append(fs, eip, nat)
	m := notify.Renderer{DashboardURL: dash}.Findings(snap, fs, "evt-1")
	schematest.Validate(t, []byte(m.Bodies["default"]), notify.FindingsSchema)
	var doc notify.FindingsDocument
	if err := json.Unmarshal([]byte(m.Bodies["default"]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Savings.Monthly.String() != "3.65" || doc.Savings.Priced != 1 || doc.Savings.Unpriced != 1 || doc.Savings.Currency != "USD" {
		t.Errorf("document savings %+v", doc.Savings)
	}
	email := m.Bodies["email"]
	for _, want := range []string{"Potential savings: 3.65 USD/month (1 finding; 1 more without a price).",
		"Saves: release the address, 730 hours x 0.005 USD/hour = 3.65 USD/month (price: AWS Price List AmazonVPC SKU X, 2026-11-01)",
		"Saves: no saving estimated: vpc.nat_gateway in cn-north-1"} {
		if !strings.Contains(email, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, email)
		}
	}
	if !strings.Contains(m.Chat, "Potential savings: 3.65 USD/month") {
		t.Errorf("the chat message lacks the savings:\n%s", m.Chat)
	}
}

// A stopped instance's saving counts its volume, which ebs.idle prices too:
// every body counts the volume once.
func TestFindingsCountEachResourceOnce(t *testing.T) {
	snap, fs := sample()
	amount := func(s string) *cloudscope.Amount {
		a, err := cloudscope.ParseAmount(s)
		if err != nil {
			t.Fatal(err)
		}
		return &a
	}
	inst := finding("ec2.stopped_volumes_billed", cloudscope.Warning, cloudscope.EC2, "i-0abc", "batch-worker")
	inst.Savings = &cloudscope.Savings{Monthly: amount("12.00"), Currency: "USD", Estimate: "terminate the instance and delete its volumes, ... = 12.00 USD/month",
		PriceSource: "AWS Price List AmazonEC2 SKU X", PriceDate: "2026-11-01",
		Resources: []cloudscope.ResourceRef{{Type: cloudscope.EC2, ID: "i-0abc"}, {Type: cloudscope.Volume, ID: "vol-a"}, {Type: cloudscope.Volume, ID: "vol-b"}}}
	vol := finding("ebs.idle", cloudscope.Warning, cloudscope.Volume, "vol-a", "")
	vol.Savings = &cloudscope.Savings{Monthly: amount("8.00"), Currency: "USD", Estimate: "delete the volume, 100 GB x 0.08 USD/GB-month = 8.00 USD/month",
		PriceSource: "AWS Price List AmazonEC2 SKU Y", PriceDate: "2026-11-01", Resources: []cloudscope.ResourceRef{{Type: cloudscope.Volume, ID: "vol-a"}}}
	fs = append(fs, inst, vol)
	cloudscope.CoverSavings(fs)
	m := notify.Renderer{DashboardURL: dash}.Findings(snap, fs, "evt-1")
	schematest.Validate(t, []byte(m.Bodies["default"]), notify.FindingsSchema)
	var doc notify.FindingsDocument
	if err := json.Unmarshal([]byte(m.Bodies["default"]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Savings.Monthly.String() != "12.00" || doc.Savings.Priced != 1 || doc.Savings.Covered != 1 {
		t.Errorf("document savings %+v", doc.Savings)
	}
	for _, e := range doc.Findings {
		if e.Rule == "ebs.idle" && (e.Savings == nil || e.Savings.CoveredBy != inst.ID || len(e.Savings.Resources) != 1) {
			t.Errorf("the volume's saving in the document: %+v", e.Savings)
		}
	}
	email := m.Bodies["email"]
	for _, want := range []string{"Potential savings: 12.00 USD/month (1 finding; 1 more counted in another's saving).",
		"= 8.00 USD/month (price: AWS Price List AmazonEC2 SKU Y, 2026-11-01); counted in the saving of " + inst.ID} {
		if !strings.Contains(email, want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, email)
		}
	}
	if !strings.Contains(m.Chat, "Potential savings: 12.00 USD/month (1 finding; 1 more counted in another's saving)") {
		t.Errorf("the chat message counts otherwise:\n%s", m.Chat)
	}
}

func TestFindingsCarryTheirRightsizeTarget(t *testing.T) {
	snap, fs := sample()
	cur, target, monthly := mustAmount(t, "0.384"), mustAmount(t, "0.308"), mustAmount(t, "55.48")
	rs := finding("ec2.rightsize", cloudscope.Info, cloudscope.EC2, "i-0abc", "batch-worker")
	om, pm := 20.0, 20.0
	rs.Rightsize = &cloudscope.Rightsizing{
		Current:   cloudscope.InstanceSize{Type: "m5.2xlarge", VCPU: 8, MemoryGiB: 32, Architecture: "x86_64", HourlyPrice: &cur, Currency: "USD"},
		Target:    cloudscope.InstanceSize{Type: "m6g.2xlarge", VCPU: 8, MemoryGiB: 32, Architecture: "arm64", HourlyPrice: &target, Currency: "USD"},
		Migration: true, Basis: "p99", HeadroomPercent: 80, ObservedCPUPercent: 20, ProjectedCPUPercent: 20,
		ObservedMemoryPercent: &om, ProjectedMemoryPercent: &pm, Alternative: "m5.xlarge",
	}
	rs.Savings = &cloudscope.Savings{Monthly: &monthly, Currency: "USD", Estimate: "m5.2xlarge -> m6g.2xlarge, 730 m5.2xlarge hours x 0.384 USD/hour - 730 m6g.2xlarge hours x 0.308 USD/hour = 55.48 USD/month"}
	under := finding("ec2.underutilised", cloudscope.Info, cloudscope.EC2, "i-0abc", "batch-worker")
	under.SeeAlso = rs.ID
	m := notify.Renderer{DashboardURL: dash}.Findings(snap, append(fs, rs, under), "evt-1")
	schematest.Validate(t, []byte(m.Bodies["default"]), notify.FindingsSchema)
	var doc notify.FindingsDocument
	if err := json.Unmarshal([]byte(m.Bodies["default"]), &doc); err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, e := range doc.Findings {
		switch e.Rule {
		case "ec2.rightsize":
			seen++
			if e.Rightsize == nil || e.Rightsize.Target.Type != "m6g.2xlarge" || e.Rightsize.Target.HourlyPrice.String() != "0.308" || *e.Rightsize.ProjectedMemoryPercent != 20 {
				t.Errorf("rightsize entry: %+v", e.Rightsize)
			}
		case "ec2.underutilised":
			seen++
			if e.SeeAlso != rs.ID {
				t.Errorf("see also %q", e.SeeAlso)
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d of the two findings in the document", seen)
	}
	// A rightsize proposal the schema does not know is refused.
	bad := strings.Replace(m.Bodies["default"], `"basis":"p99"`, `"basis":"p95"`, 1)
	sch, err := schematest.Compile(notify.FindingsSchema)
	if err != nil {
		t.Fatal(err)
	}
	if bad == m.Bodies["default"] || schematest.Check(sch, []byte(bad)) == nil {
		t.Errorf("an unknown basis passed the schema")
	}
}

func mustAmount(t *testing.T, s string) cloudscope.Amount {
	t.Helper()
	a, err := cloudscope.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
