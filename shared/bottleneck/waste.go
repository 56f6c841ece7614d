package bottleneck

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// gp3's baseline, included in its price at any size (AWS EBS volume types).
const (
	gp3IOPS = 3000
	gp3MBps = 125
)

// gp2 performance by size (AWS EBS volume types): 3 IOPS per GB, at least
// 100 and at most 16,000; 128 MiB/s up to 170 GB, 250 MiB/s above.
func gp2IOPS(sizeGB int32) int64 { return min(max(3*int64(sizeGB), 100), 16000) }

func gp2MBps(sizeGB int32) int64 {
	if sizeGB <= 170 {
		return 128
	}
	return 250
}

// ELB publishes a load balancer's request metrics only for periods with
// requests (Elastic Load Balancing's CloudWatch documentation): a day
// without a point had none, once the load balancer is old enough and its
// metrics were read.
var lbRequestMetric = map[string][2]string{
	"application": {"AWS/ApplicationELB", "RequestCount"},
	"network":     {"AWS/NetworkELB", "NewFlowCount"},
	"classic":     {"AWS/ELB", "RequestCount"},
}

// dynamoItems are a table's capacity prices by table class (Standard-IA:
// true): provisioned RCU and WCU, on-demand read and write request units.
var dynamoItems = map[bool][4]cloudscope.PriceItem{
	false: {cloudscope.PriceDynamoRCU, cloudscope.PriceDynamoWCU, cloudscope.PriceDynamoReadRU, cloudscope.PriceDynamoWriteRU},
	true:  {cloudscope.PriceDynamoIARCU, cloudscope.PriceDynamoIAWCU, cloudscope.PriceDynamoIAReadRU, cloudscope.PriceDynamoIAWriteRU},
}

var lbPrice = map[string]cloudscope.PriceItem{"application": cloudscope.PriceALB, "network": cloudscope.PriceNLB, "classic": cloudscope.PriceCLB}

// natMetrics are the bytes a NAT gateway processes, in both directions.
var natMetrics = []string{"BytesOutToDestination", "BytesOutToSource", "BytesInFromSource", "BytesInFromDestination"}

// volumesByInstance indexes the inputs' volumes, and the Elastic IPs
// associated with an instance, by "account/instance".
func volumesByInstance(among []cloudscope.Resource) map[string][]cloudscope.Resource {
	out := map[string][]cloudscope.Resource{}
	for _, r := range among {
		switch {
		case r.Type == cloudscope.Volume && r.Volume != nil:
			for _, inst := range r.Volume.AttachedTo {
				out[r.AccountID+"/"+inst] = append(out[r.AccountID+"/"+inst], r)
			}
		case r.Type == cloudscope.Address && r.Address != nil && r.Address.InstanceID != "":
			out[r.AccountID+"/"+r.Address.InstanceID] = append(out[r.AccountID+"/"+r.Address.InstanceID], r)
		}
	}
	return out
}

// seriesIn is a metric's points in a namespace (any namespace when the
// series does not say one) for a statistic, and the seconds each covers.
func (c *check) seriesIn(namespace, metric, stat string) ([]cloudscope.Point, int32) {
	if c.in.Metrics == nil {
		return nil, 0
	}
	for _, m := range c.in.Metrics.Metrics {
		if m.Name == metric && (m.Namespace == "" || m.Namespace == namespace) {
			return m.Stats[stat], m.Period
		}
	}
	return nil, 0
}

func hoursOf(pts []cloudscope.Point, period int32) float64 {
	return float64(len(pts)) * float64(period) / 3600
}

var wasteRules = []rule{
	{EBSUnattached, cloudscope.Volume, func(c *check) {
		r := c.in.Resource
		v := r.Volume
		if v == nil || len(v.AttachedTo) > 0 || r.State != "available" {
			return
		}
		f := c.find(EBSUnattached, cloudscope.Warning, fmt.Sprintf("%d GB %s volume attached to nothing", v.SizeGB, v.VolumeType),
			map[string]float64{"size_gb": float64(v.SizeGB), "attachments": 0},
			threshold(0, "==", "attachments", Rules[EBSUnattached]), nil,
			"Nothing uses this volume but it bills by the GB-month: snapshot it if its data matters, then delete it.")
		var b bill
		addVolume(c, &b, v, "")
		f.Savings = b.savings("delete the volume")
	}},
	{EBSIdle, cloudscope.Volume, func(c *check) {
		r := c.in.Resource
		v := r.Volume
		if v == nil || len(v.AttachedTo) == 0 || v.Boot {
			return
		}
		days := c.t.VolumeIdleDays
		from := c.now.Add(-time.Duration(days) * 24 * time.Hour)
		reads, period := c.series("VolumeReadOps", "Sum")
		writes, wperiod := c.series("VolumeWriteOps", "Sum")
		reads, writes = since(reads, from), since(writes, from)
		// EBS publishes an attached volume's operations every period, idle
		// or not: most of the span must be measured, or the volume is undecided.
		need := float64(days*24) * spanCoverage
		if h := min(hoursOf(reads, period), hoursOf(writes, wperiod)); h < need {
			c.undecided(EBSIdle, h, days*24)
			return
		}
		ops := map[day]float64{}
		secs := daily(reads, func(ps []cloudscope.Point) float64 { return float64(len(ps)) * float64(period) })
		for d, n := range daily(reads, sum) {
			ops[d] += n
		}
		for d, n := range daily(writes, sum) {
			ops[d] += n
		}
		var perDay []cloudscope.Point
		busiest := 0.0
		for d, n := range ops {
			if secs[d] <= 0 {
				continue
			}
			iops := n / secs[d]
			busiest = max(busiest, iops)
			perDay = append(perDay, cloudscope.Point{T: cloudscope.At(d.time()), V: round(iops)})
		}
		if busiest >= c.t.VolumeIdleIOPS {
			return
		}
		sortPoints(perDay)
		f := c.find(EBSIdle, cloudscope.Warning, fmt.Sprintf("under %g IOPS every day for %d days", c.t.VolumeIdleIOPS, days),
			map[string]float64{"max_daily_average_iops": round(busiest), "days": float64(days), "size_gb": float64(v.SizeGB)},
			threshold(c.t.VolumeIdleIOPS, "<", "IOPS (daily average)", Rules[EBSIdle]), perDay,
			"The volume is attached but does almost no I/O: move what it holds elsewhere, snapshot it and delete it.")
		var b bill
		addVolume(c, &b, v, "")
		f.Savings = b.savings("delete the volume")
	}},
	{EBSGP2ToGP3, cloudscope.Volume, func(c *check) {
		r := c.in.Resource
		v := r.Volume
		if v == nil || v.VolumeType != "gp2" || v.SizeGB <= 0 || c.volumeToDelete() {
			return // a volume to delete is not worth modifying
		}
		size := cloudscope.AmountOf(int64(v.SizeGB))
		iops, mbps := gp2IOPS(v.SizeGB), gp2MBps(v.SizeGB)
		var b bill
		b.add(c, cloudscope.PriceVolumeStorage("gp2"), size, "GB", 1)
		b.add(c, cloudscope.PriceVolumeStorage("gp3"), size, "GB", -1)
		if extra := iops - gp3IOPS; extra > 0 {
			b.add(c, cloudscope.PriceGP3IOPS, cloudscope.AmountOf(extra), "IOPS above 3000", -1)
		}
		if extra := mbps - gp3MBps; extra > 0 {
			b.add(c, cloudscope.PriceGP3Throughput, cloudscope.AmountOf(extra), "MiB/s above 125", -1)
		}
		if b.unavailable == "" && b.total.Cmp(cloudscope.Amount{}) <= 0 {
			return // gp3 at the same performance costs as much or more here
		}
		gp3Extra := max(iops-gp3IOPS, 0)
		f := c.find(EBSGP2ToGP3, cloudscope.Info, fmt.Sprintf("gp2 volume of %d GB: gp3 gives its %d IOPS and %d MB/s for less", v.SizeGB, iops, mbps),
			map[string]float64{"size_gb": float64(v.SizeGB), "gp2_iops": float64(iops), "gp2_mbps": float64(mbps), "gp3_extra_iops": float64(gp3Extra)},
			threshold(0, ">", "USD/month saved", Rules[EBSGP2ToGP3]), nil,
			fmt.Sprintf("Modify the volume to gp3 (online, no detach) with %d IOPS and %d MB/s.", max(iops, gp3IOPS), max(mbps, gp3MBps)))
		if b.unavailable == "" {
			// The main line is the storage difference per GB.
			diff := *b.price
			if p := c.prices.UnitPrice(r.Region, cloudscope.PriceVolumeStorage("gp3")); p.Unavailable == "" {
				diff = diff.Sub(p.Amount)
			}
			b.price = &diff
		}
		f.Savings = b.savings("gp2 -> gp3")
	}},
	{SnapshotOrphaned, cloudscope.VolumeBackup, func(c *check) {
		r := c.in.Resource
		s := r.VolumeBackup
		// An unknown volume (nil) is not a gone one.
		if s == nil || r.CreatedAt == nil || s.VolumeExists == nil || *s.VolumeExists || len(s.Images) > 0 {
			return
		}
		age := c.now.Sub(*r.CreatedAt).Hours() / 24
		if age <= float64(c.t.SnapshotAgeDays) {
			return
		}
		f := c.find(SnapshotOrphaned, cloudscope.Info, fmt.Sprintf("snapshot %.0f days old of a deleted volume, used by no AMI", age),
			map[string]float64{"age_days": round(age), "size_gb": float64(s.SizeGB), "images": 0},
			threshold(float64(c.t.SnapshotAgeDays), ">", "days", Rules[SnapshotOrphaned]), nil,
			"Its volume is gone and no image needs it: delete it, or archive it if it must be kept.")
		item := cloudscope.PriceSnapshotStandard
		if s.StorageTier == "archive" {
			item = cloudscope.PriceSnapshotArchive
		}
		var b bill
		b.add(c, item, cloudscope.AmountOf(int64(s.SizeGB)), "GB", 1)
		f.Savings = b.savings("delete the snapshot (at most: the source volume's size; snapshots keep only changed blocks)")
	}},
	{EIPUnassociated, cloudscope.Address, func(c *check) {
		a := c.in.Resource.Address
		if a == nil || a.AssociationID != "" || a.InstanceID != "" || a.NetworkInterfaceID != "" {
			return
		}
		f := c.find(EIPUnassociated, cloudscope.Warning, "Elastic IP "+a.PublicIP+" is associated with nothing",
			map[string]float64{"associations": 0}, threshold(0, "==", "associations", Rules[EIPUnassociated]), nil,
			"An idle public IPv4 address bills every hour: release it if nothing will use it.")
		f.Savings = hourlySavings(c, cloudscope.PricePublicIPv4, "release the address")
	}},
	{NATIdle, cloudscope.NATGateway, func(c *check) {
		r := c.in.Resource
		if r.State != "available" {
			return
		}
		days := c.t.NATIdleDays
		from := c.now.Add(-time.Duration(days) * 24 * time.Hour)
		need := float64(days*24) * spanCoverage
		total, hours := 0.0, math.Inf(1)
		var evidence []cloudscope.Point
		for _, m := range natMetrics {
			pts, period := c.series(m, "Sum")
			pts = since(pts, from)
			hours = min(hours, hoursOf(pts, period))
			total += sum0(pts)
			if m == natMetrics[0] {
				evidence = pts
			}
		}
		// NAT gateways publish their byte counts every minute, idle or not:
		// a month not mostly measured is undecided.
		if hours < need {
			c.undecided(NATIdle, hours, days*24)
			return
		}
		if total > 0 {
			return
		}
		f := c.find(NATIdle, cloudscope.Warning, fmt.Sprintf("no bytes processed in %d days", days),
			map[string]float64{"bytes": 0, "days": float64(days)}, threshold(0, "==", "Bytes", Rules[NATIdle]), evidence,
			"Nothing goes through this NAT gateway: delete it (and release its Elastic IP) if no private subnet needs the internet.")
		f.Window = cloudscope.Window{Start: from, End: c.now}
		var b bill
		month := cloudscope.AmountOf(cloudscope.HoursPerMonth) // hours is the span measured, here
		b.add(c, cloudscope.PriceNATGateway, month, "hours", 1)
		// Its public IPv4 addresses bill by the hour too (since February 2024).
		if n := natPublicIPs(r); n > 0 {
			b.add(c, cloudscope.PricePublicIPv4InUse, month.Mul(cloudscope.AmountOf(n)), fmt.Sprintf("public IPv4 address-hours (%d address%s)", n, plural(n)), 1)
		}
		b.qty, b.unit, b.price = nil, "", nil // several lines: the estimate lists them
		f.Savings = b.savings("delete the NAT gateway and release its addresses")
	}},
	{LBNoHealthy, cloudscope.LoadBalancer, func(c *check) {
		lb := c.in.Resource.LoadBalancer
		if lb == nil || lb.HealthyTargets > 0 {
			return
		}
		f := c.find(LBNoHealthy, cloudscope.Warning, fmt.Sprintf("no healthy targets (%d registered)", lb.Targets),
			map[string]float64{"targets": float64(lb.Targets), "healthy_targets": 0},
			threshold(0, "==", "healthy targets", Rules[LBNoHealthy]), nil,
			"The load balancer can serve nothing: fix or register its targets, or delete it.")
		f.Savings = lbSavings(c, lb)
	}},
	{LBIdle, cloudscope.LoadBalancer, func(c *check) {
		r := c.in.Resource
		lb := r.LoadBalancer
		if lb == nil || lb.HealthyTargets == 0 {
			return // judged by elb.no_healthy_targets
		}
		m, ok := lbRequestMetric[lb.Kind]
		if !ok {
			return
		}
		days := c.t.LBIdleDays
		// The last full UTC days.
		today := dayOf(cloudscope.At(c.now))
		first := today - day(days)
		if c.in.Metrics == nil || r.CreatedAt == nil || r.CreatedAt.After(first.time()) {
			hours := 0.0
			if r.CreatedAt != nil {
				hours = max(c.now.Sub(*r.CreatedAt).Hours(), 0)
			}
			c.undecided(LBIdle, hours, days*24+int(c.now.Sub(today.time()).Hours()))
			return
		}
		pts, _ := c.seriesIn(m[0], m[1], "Sum")
		perDay := daily(pts, sum)
		var evidence []cloudscope.Point
		busiest := 0.0
		for d := first; d < today; d++ {
			n := perDay[d] // no point: no requests (see lbRequestMetric)
			busiest = max(busiest, n)
			evidence = append(evidence, cloudscope.Point{T: cloudscope.At(d.time()), V: n})
		}
		if busiest >= c.t.LBIdleRequests {
			return
		}
		f := c.find(LBIdle, cloudscope.Warning, fmt.Sprintf("under %.0f requests a day for %d days", c.t.LBIdleRequests, days),
			map[string]float64{"max_daily_requests": busiest, "days": float64(days)},
			threshold(c.t.LBIdleRequests, "<", m[1]+" a day", Rules[LBIdle]), evidence,
			"Almost nothing reaches this load balancer: delete it, or merge its rules into another one.")
		f.Window = cloudscope.Window{Start: first.time(), End: today.time()}
		f.Savings = lbSavings(c, lb)
	}},
	{EC2StoppedBilled, cloudscope.EC2, func(c *check) {
		r := c.in.Resource
		days, vols, eips, ok := c.stoppedBilled(r)
		if !ok {
			return
		}
		vols = slices.Clone(vols)
		slices.SortFunc(vols, func(a, b cloudscope.Resource) int { return strings.Compare(a.ID, b.ID) })
		gb := 0
		var ids []string
		var b bill
		for _, v := range vols {
			gb += int(v.Volume.SizeGB)
			ids = append(ids, v.ID)
			addVolume(c, &b, v.Volume, v.ID+" ")
		}
		// Its Elastic IPs bill as idle public IPv4 addresses while it is stopped.
		slices.SortFunc(eips, func(a, b cloudscope.Resource) int { return strings.Compare(a.ID, b.ID) })
		for _, a := range eips {
			b.add(c, cloudscope.PricePublicIPv4, hours, "hours of Elastic IP "+a.Address.PublicIP, 1)
		}
		f := c.find(EC2StoppedBilled, cloudscope.Warning, fmt.Sprintf("stopped for %.0f days; %d GB of volumes still bill", days, gb),
			map[string]float64{"days_stopped": round(days), "volumes": float64(len(vols)), "volume_gb": float64(gb)},
			threshold(float64(c.t.StoppedBilledDays), ">", "days", Rules[EC2StoppedBilled]), nil,
			"Its volumes ("+strings.Join(ids, ", ")+") bill while it is stopped"+eipNote(eips)+": snapshot them and terminate the instance if it is not coming back.")
		b.qty, b.price = nil, nil // several volumes: the estimate lists them
		what := "terminate the instance and delete its volumes"
		if len(eips) > 0 {
			what += " and release its Elastic IPs"
		}
		f.Savings = b.savings(what)
		if f.Savings.Monthly != nil {
			q := cloudscope.AmountOf(int64(gb))
			f.Savings.Quantity, f.Savings.Unit = &q, "GB-month"
		}
	}},
	{DynamoOnDemand, cloudscope.Table, func(c *check) {
		r := c.in.Resource
		t := r.Table
		if t == nil || t.BillingMode != "PROVISIONED" || t.ReadCapacityUnits+t.WriteCapacityUnits <= 0 {
			return
		}
		reads, rp := c.series("ConsumedReadCapacityUnits", "Sum")
		writes, wp := c.series("ConsumedWriteCapacityUnits", "Sum")
		h := min(hoursOf(reads, rp), hoursOf(writes, wp))
		if h < float64(c.t.MinDataHours) {
			c.undecided(DynamoOnDemand, h, c.t.MinDataHours)
			return
		}
		// Average units consumed per second; on demand bills each one as a
		// request unit, provisioned bills the capacity by the hour.
		readRate := sum0(reads) / (hoursOf(reads, rp) * 3600)
		writeRate := sum0(writes) / (hoursOf(writes, wp) * 3600)
		secondsPerMonth := float64(cloudscope.HoursPerMonth * 3600)
		readUnits := cloudscope.AmountFromFloat(math.Round(readRate * secondsPerMonth))
		writeUnits := cloudscope.AmountFromFloat(math.Round(writeRate * secondsPerMonth))
		items := dynamoItems[t.TableClass == "STANDARD_INFREQUENT_ACCESS"]
		var prov, od bill
		prov.add(c, items[0], cloudscope.AmountOf(t.ReadCapacityUnits*cloudscope.HoursPerMonth), "RCU-hours", 1)
		prov.add(c, items[1], cloudscope.AmountOf(t.WriteCapacityUnits*cloudscope.HoursPerMonth), "WCU-hours", 1)
		od.add(c, items[2], readUnits, "read request units", 1)
		od.add(c, items[3], writeUnits, "write request units", 1)
		// Its global secondary indexes' capacity bills apart. Their use is
		// not read; on demand it is priced at their full provisioned capacity,
		// which their use cannot pass: the saving is then the least.
		if ir, iw := t.IndexReadCapacityUnits, t.IndexWriteCapacityUnits; ir+iw > 0 {
			prov.add(c, items[0], cloudscope.AmountOf(ir*cloudscope.HoursPerMonth), "index RCU-hours", 1)
			prov.add(c, items[1], cloudscope.AmountOf(iw*cloudscope.HoursPerMonth), "index WCU-hours", 1)
			od.add(c, items[2], cloudscope.AmountOf(ir*cloudscope.HoursPerMonth*3600), "index read request units at most", 1)
			od.add(c, items[3], cloudscope.AmountOf(iw*cloudscope.HoursPerMonth*3600), "index write request units at most", 1)
		}
		if prov.unavailable != "" || od.unavailable != "" {
			return // without both prices there is no telling which costs less
		}
		if od.total.Cmp(prov.total) >= 0 {
			return
		}
		use := 100 * (readRate + writeRate) / float64(t.ReadCapacityUnits+t.WriteCapacityUnits)
		f := c.find(DynamoOnDemand, cloudscope.Info, fmt.Sprintf("%.1f%% of provisioned capacity used: on-demand costs less", use),
			map[string]float64{"read_capacity_used_percent": round(100 * readRate / float64(max(t.ReadCapacityUnits, 1))),
				"write_capacity_used_percent": round(100 * writeRate / float64(max(t.WriteCapacityUnits, 1))),
				"provisioned_monthly":         mustFloat(prov.total), "on_demand_monthly": mustFloat(od.total)},
			threshold(mustFloat(prov.total), "<", prov.currency+"/month on demand", Rules[DynamoOnDemand]), nil,
			"Switch the table to on-demand capacity (PAY_PER_REQUEST), or lower its provisioned capacity or let auto scaling set it.")
		saved := prov.total.Sub(od.total)
		s := prov.savings("provisioned -> on-demand")
		s.Monthly = &saved
		s.Quantity, s.Unit, s.UnitPrice = nil, "", nil // a difference of two bills: the estimate shows both
		s.PriceSource = prov.savings("").PriceSource + "; " + od.savings("").PriceSource
		s.Estimate = fmt.Sprintf("provisioned -> on-demand, (%s) - (%s) = %s %s/month",
			strings.Join(prov.lines, " "), strings.Join(od.lines, " "), saved.Cents(), prov.currency)
		f.Savings = s
	}},
}

// lbSavings is a month of a load balancer's hourly charge (its capacity
// units, near zero when idle, are left out) and, internet-facing, of its
// public IPv4 addresses: one per Availability Zone (AWS adds more as it
// scales, so this is the least).
func lbSavings(c *check, lb *cloudscope.LoadBalancerDetails) *cloudscope.Savings {
	item, ok := lbPrice[lb.Kind]
	if !ok {
		return &cloudscope.Savings{Unavailable: "no saving estimated: cloudscope prices application, network and classic load balancers, not " + lb.Kind}
	}
	var b bill
	b.add(c, item, hours, "hours", 1)
	what := "delete the load balancer (its hourly charge)"
	if lb.Scheme == "internet-facing" && lb.Zones > 0 {
		n := int64(lb.Zones)
		b.add(c, cloudscope.PricePublicIPv4InUse, hours.Mul(cloudscope.AmountOf(n)), fmt.Sprintf("public IPv4 address-hours (%d address%s, one per zone)", n, plural(n)), 1)
		b.qty, b.unit, b.price = nil, "", nil
		what = "delete the load balancer (its hourly charge and public IPv4 addresses)"
	}
	return b.savings(what)
}

// natPublicIPs counts a public NAT gateway's public IPv4 addresses (one
// at least).
func natPublicIPs(r cloudscope.Resource) int64 {
	n := r.NATGateway
	if n == nil || n.ConnectivityType == "private" {
		return 0
	}
	return int64(max(len(n.PublicIPs), 1))
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "es"
}

// sum0 is the sum of the points, 0 when there are none.
func sum0(pts []cloudscope.Point) float64 {
	s := 0.0
	for _, p := range pts {
		s += p.V
	}
	return s
}

func mustFloat(a cloudscope.Amount) float64 { return a.Ratio(cloudscope.AmountOf(1)) }

// eipNote names a stopped instance's Elastic IPs, which bill too.
func eipNote(eips []cloudscope.Resource) string {
	if len(eips) == 0 {
		return ""
	}
	var ips []string
	for _, a := range eips {
		ips = append(ips, a.Address.PublicIP)
	}
	return ", and so do its Elastic IPs (" + strings.Join(ips, ", ") + ")"
}
