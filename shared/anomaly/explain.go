package anomaly

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/costs/costquery"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// Scans are the stored scans the explanation reads (scan.Store has them).
type Scans interface {
	// List is the stored snapshots' headers, newest first.
	List(ctx context.Context, limit int) ([]cloudscope.SnapshotHeader, error)
	// Get is one stored snapshot with its resources (nil, nil when none).
	Get(ctx context.Context, id string) (*cloudscope.Snapshot, error)
}

// Prices answers list prices (pricing.Client).
type Prices interface {
	UnitPrice(ctx context.Context, region string, item cloudscope.PriceItem) cloudscope.UnitPrice
}

// scansLooked is how many stored scans the explanation looks through.
const scansLooked = 120

// serviceTypes are the resource types whose hours each Cost Explorer
// service bills, from the types' descriptors (their CostService). A service
// no type names has no inventory that cloudscope lists: its anomalies are
// not explained by resources.
var serviceTypes = func() map[string][]cloudscope.ResourceType {
	out := map[string][]cloudscope.ResourceType{}
	for _, d := range resourcetypes.All {
		out[d.CostService] = append(out[d.CostService], cloudscope.ResourceType(d.Name))
	}
	return out
}()

// explainer explains anomalies from the stored scans, loading each scan at
// most once per evaluation.
type explainer struct {
	scans   Scans
	prices  Prices
	headers []cloudscope.SnapshotHeader
	listed  bool
	listErr error
	loaded  map[string]*cloudscope.Snapshot
}

func newExplainer(scans Scans, prices Prices) *explainer {
	return &explainer{scans: scans, prices: prices, loaded: map[string]*cloudscope.Snapshot{}}
}

// around picks the scans around day [start, end): base, the newest one that
// began before the day (nil when none), and head, the first that began
// after the day ended, or else the newest that began during it (nil when
// none saw the inventory after the day began).
func (e *explainer) around(ctx context.Context, start, end time.Time) (base, head *cloudscope.SnapshotHeader, err error) {
	if !e.listed {
		e.listed = true
		if e.scans != nil {
			e.headers, e.listErr = e.scans.List(ctx, scansLooked)
		}
	}
	if e.listErr != nil {
		return nil, nil, e.listErr
	}
	for i := range e.headers { // newest first
		h := &e.headers[i]
		if h.Failed() {
			continue
		}
		switch {
		case h.StartedAt.Before(start):
			if base == nil {
				base = h
			}
		case !h.StartedAt.Before(end):
			head = h // older ones come later: the first after the day wins
		case head == nil || head.StartedAt.Before(end) && h.StartedAt.After(head.StartedAt):
			head = h
		}
	}
	return base, head, nil
}

func (e *explainer) get(ctx context.Context, id string) (*cloudscope.Snapshot, error) {
	if s, ok := e.loaded[id]; ok {
		return s, nil
	}
	s, err := e.scans.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", id, err)
	}
	e.loaded[id] = s
	return s, nil
}

// explain says what changed in the inventory on a's first day, each change
// priced for the hours it ran that day.
func (e *explainer) explain(ctx context.Context, a *cloudscope.Anomaly) *cloudscope.AnomalyExplanation {
	day, err := time.Parse(costquery.DateLayout, a.Start)
	if err != nil {
		return &cloudscope.AnomalyExplanation{Note: "the anomaly's day is not a date", Changes: []cloudscope.AnomalyChange{}}
	}
	start, end := day, day.AddDate(0, 0, 1)
	ex := &cloudscope.AnomalyExplanation{Changes: []cloudscope.AnomalyChange{}}
	excess := a.Excess
	if len(a.Days) > 0 {
		excess = a.Days[0].Actual.Sub(a.Days[0].Expected)
	}
	ex.Unexplained = excess
	baseH, headH, err := e.around(ctx, start, end)
	if err != nil {
		ex.Note = "the stored scans could not be read: " + err.Error()
		return ex
	}
	if headH == nil {
		ex.Note = fmt.Sprintf("no stored scan saw the inventory after %s began: what changed that day is unknown", a.Start)
		return ex
	}
	head, err := e.get(ctx, headH.ID)
	if err != nil || head == nil {
		ex.Note = fmt.Sprintf("snapshot %s could not be read", headH.ID)
		return ex
	}
	ex.Covered, ex.Head = true, head.ID
	var base *cloudscope.Snapshot
	if baseH != nil {
		if base, err = e.get(ctx, baseH.ID); err != nil || base == nil {
			base = nil
		} else {
			ex.Base = base.ID
		}
	}
	types, listed := serviceTypes[a.Service]
	if !listed {
		ex.Note = fmt.Sprintf("%s bills nothing that cloudscope lists: no inventory change can explain it", a.Service)
		return ex
	}
	before := map[string]*cloudscope.Resource{}
	if base != nil {
		for i := range base.Resources {
			r := &base.Resources[i]
			before[key(r)] = r
		}
	}
	for i := range head.Resources {
		r := &head.Resources[i]
		if !matches(r, a, types) {
			continue
		}
		c, ok := change(r, before[key(r)], base, start, end)
		if !ok {
			continue
		}
		e.price(ctx, &c, r, before[key(r)], a.Currency)
		if c.Cost != nil {
			ex.Explained = ex.Explained.Add(*c.Cost)
		} else {
			ex.Unpriced++
		}
		ex.Changes = append(ex.Changes, c)
	}
	ex.Unexplained = excess.Sub(ex.Explained)
	if ex.Unexplained.Cmp(cloudscope.Amount{}) < 0 {
		ex.Unexplained = cloudscope.Amount{}
	}
	switch {
	case len(ex.Changes) == 0 && base == nil:
		ex.Note = "no resource of this service was created that day; no earlier scan shows what else changed"
	case len(ex.Changes) == 0:
		ex.Note = "no resource of this service was created, started or resized that day"
	case ex.Unpriced > 0:
		ex.Note = fmt.Sprintf("%d of the changes have no list price in cloudscope yet (unpriced)", ex.Unpriced)
	}
	return ex
}

func key(r *cloudscope.Resource) string {
	return r.AccountID + "/" + string(r.Type) + "/" + r.Region + "/" + r.ID
}

// matches reports whether r could bill under a: its service's types, its
// account and its region when the anomaly has them.
func matches(r *cloudscope.Resource, a *cloudscope.Anomaly, types []cloudscope.ResourceType) bool {
	if !slicesContains(types, r.Type) {
		return false
	}
	if a.AccountID != "" && r.AccountID != "" && r.AccountID != a.AccountID {
		return false
	}
	switch a.Region {
	case "", "global", "NoRegion":
		return true
	}
	return r.Region == a.Region || r.Region == cloudscope.Global
}

func slicesContains(ts []cloudscope.ResourceType, t cloudscope.ResourceType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// running reports whether a resource in state s bills for its hours.
func running(r *cloudscope.Resource) bool {
	switch r.State {
	case "stopped", "stopping", "terminated", "shutting-down", "deleted", "deleting", "failed":
		return false
	}
	return true
}

// change is what happened to r on day [start, end), against prev, its state
// in base (nil: it was not there): created, started or resized, and since
// when it ran that day.
func change(r, prev *cloudscope.Resource, base *cloudscope.Snapshot, start, end time.Time) (cloudscope.AnomalyChange, bool) {
	c := cloudscope.AnomalyChange{AccountID: r.AccountID, ResourceType: r.Type, ResourceID: r.ID, Name: r.Name, Region: r.Region}
	if !running(r) {
		return c, false
	}
	since := start
	if base != nil && base.StartedAt.After(since) {
		since = base.StartedAt
	}
	created := r.CreatedAt // EC2's is its launch time: a start or a resize moves it
	switch {
	case created != nil && !created.Before(end):
		return c, false // launched after the day
	case prev == nil && created != nil && created.Before(start):
		return c, false // older than the day: not a change of it
	case prev == nil && created == nil && base == nil:
		return c, false // nothing places it in time
	case prev == nil:
		c.Change = cloudscope.ChangeCreated
	case !running(prev):
		c.Change, c.Detail = cloudscope.ChangeStarted, prev.State+" -> "+r.State
	default:
		d := resized(prev, r)
		if d == "" {
			return c, false
		}
		c.Change, c.Detail = cloudscope.ChangeResized, d
	}
	if created != nil && !created.Before(start) {
		since = *created
	} else if prev != nil && base == nil {
		return c, false
	}
	c.Since = since.UTC()
	c.Hours = math.Round(end.Sub(since).Hours()*100) / 100
	return c, c.Hours > 0
}

// resized says how r differs from prev in what its hours cost: a type,
// class or size ("" when in none).
func resized(prev, r *cloudscope.Resource) string {
	switch {
	case r.EC2 != nil && prev.EC2 != nil && r.EC2.InstanceType != prev.EC2.InstanceType:
		return "instance type " + prev.EC2.InstanceType + " -> " + r.EC2.InstanceType
	case r.RDS != nil && prev.RDS != nil && r.RDS.InstanceClass != prev.RDS.InstanceClass:
		return "instance class " + prev.RDS.InstanceClass + " -> " + r.RDS.InstanceClass
	case r.Volume != nil && prev.Volume != nil && (r.Volume.VolumeType != prev.Volume.VolumeType || r.Volume.SizeGB != prev.Volume.SizeGB):
		return fmt.Sprintf("volume %s %d GiB -> %s %d GiB", prev.Volume.VolumeType, prev.Volume.SizeGB, r.Volume.VolumeType, r.Volume.SizeGB)
	case r.Table != nil && prev.Table != nil && (r.Table.ReadCapacityUnits != prev.Table.ReadCapacityUnits || r.Table.WriteCapacityUnits != prev.Table.WriteCapacityUnits):
		return fmt.Sprintf("capacity %d/%d -> %d/%d RCU/WCU", prev.Table.ReadCapacityUnits, prev.Table.WriteCapacityUnits, r.Table.ReadCapacityUnits, r.Table.WriteCapacityUnits)
	}
	return ""
}

// hourly is one list price a resource pays per hour of running: the item
// and how many of its units an hour takes.
type hourly struct {
	item     cloudscope.PriceItem
	perHour  cloudscope.Amount
	monthly  bool // the item is priced per month: an hour is 1/730 of it
	quantity int64
}

// hourlyItems are r's hourly list prices, or why it has none in cloudscope.
func hourlyItems(r *cloudscope.Resource) ([]hourly, string) {
	switch {
	case r.Type == cloudscope.NATGateway:
		return []hourly{{item: cloudscope.PriceNATGateway, quantity: 1}}, ""
	case r.Type == cloudscope.Address:
		return []hourly{{item: cloudscope.PricePublicIPv4, quantity: 1}}, ""
	case r.Type == cloudscope.LoadBalancer && r.LoadBalancer != nil:
		switch r.LoadBalancer.Kind {
		case "application":
			return []hourly{{item: cloudscope.PriceALB, quantity: 1}}, ""
		case "network":
			return []hourly{{item: cloudscope.PriceNLB, quantity: 1}}, ""
		case "classic":
			return []hourly{{item: cloudscope.PriceCLB, quantity: 1}}, ""
		}
		return nil, "no list price for a " + r.LoadBalancer.Kind + " load balancer in cloudscope yet"
	case r.Type == cloudscope.Volume && r.Volume != nil:
		return []hourly{{item: cloudscope.PriceVolumeStorage(r.Volume.VolumeType), quantity: int64(r.Volume.SizeGB), monthly: true}}, ""
	case r.Type == cloudscope.Table && r.Table != nil && r.Table.BillingMode == "PROVISIONED":
		return []hourly{{item: cloudscope.PriceDynamoRCU, quantity: r.Table.ReadCapacityUnits}, {item: cloudscope.PriceDynamoWCU, quantity: r.Table.WriteCapacityUnits}}, ""
	case r.Type == cloudscope.Table:
		return nil, "an on-demand table bills its requests, not its hours"
	case r.Type == cloudscope.EC2 && r.EC2 != nil:
		// The on-demand line of its type on its platform and tenancy (what
		// rightsizing prices too); a Spot or reserved hour bills less.
		o, ok := cloudscope.EC2OfferOf(r.EC2.Platform, r.EC2.Tenancy)
		if !ok {
			return nil, "no list price for an instance on " + r.EC2.Platform + " (" + r.EC2.Tenancy + ") in cloudscope yet"
		}
		return []hourly{{item: cloudscope.PriceEC2Instance(r.EC2.InstanceType, o), quantity: 1}}, ""
	}
	return nil, fmt.Sprintf("no list price for %s hours in cloudscope yet", r.Type)
}

// cost is the list price of items for hours, or why there is none.
func (e *explainer) cost(ctx context.Context, region string, items []hourly, hours cloudscope.Amount, currency string) (cloudscope.Amount, []cloudscope.UnitPrice, string) {
	var total cloudscope.Amount
	var prices []cloudscope.UnitPrice
	for _, h := range items {
		if h.quantity == 0 {
			continue
		}
		if e.prices == nil {
			return total, prices, "no price list consulted"
		}
		p := e.prices.UnitPrice(ctx, region, h.item)
		if p.Unavailable != "" {
			return total, prices, p.Unavailable
		}
		if currency != "" && p.Currency != currency {
			return total, prices, fmt.Sprintf("the list price is in %s, the bill in %s", p.Currency, currency)
		}
		prices = append(prices, p)
		amt := p.Amount.Mul(cloudscope.AmountOf(h.quantity)).Mul(hours)
		if h.monthly {
			amt = amt.Div(cloudscope.AmountOf(cloudscope.HoursPerMonth))
		}
		total = total.Add(amt)
	}
	return total, prices, ""
}

// price sets c's cost: the list price of r's hours on the day (for a
// resize, what the new size costs more than the old).
func (e *explainer) price(ctx context.Context, c *cloudscope.AnomalyChange, r, prev *cloudscope.Resource, currency string) {
	items, why := hourlyItems(r)
	if why != "" {
		c.Unpriced = why
		return
	}
	hours := cloudscope.AmountFromFloat(c.Hours)
	now, prices, why := e.cost(ctx, r.Region, items, hours, currency)
	if why != "" {
		c.Unpriced = why
		return
	}
	if c.Change == cloudscope.ChangeResized && prev != nil {
		was, _ := hourlyItems(prev)
		old, _, why := e.cost(ctx, prev.Region, was, hours, currency)
		if why != "" {
			c.Unpriced = why
			return
		}
		now = now.Sub(old)
	}
	c.Prices = prices
	rounded := roundCents(now)
	c.Cost = &rounded
}

// roundCents rounds a to ten places, Cost Explorer's precision: a price
// times fractional hours would otherwise carry a long tail of digits.
func roundCents(a cloudscope.Amount) cloudscope.Amount {
	v, err := cloudscope.ParseAmount(strings.TrimSpace(a.String()))
	if err != nil {
		return a
	}
	return v
}
