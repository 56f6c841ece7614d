package cloudscope

import (
	"fmt"
	"strings"
)

// InstanceType is one EC2 instance type as the catalogue
// (ec2:DescribeInstanceTypes) describes it: what rightsizing compares.
// RDS classes are sized by their EC2 twin ("db.m5.large" by "m5.large").
type InstanceType struct {
	Name          string   `json:"name"`
	VCPU          int32    `json:"vcpu"`
	MemoryMiB     int64    `json:"memory_mib"`
	Architectures []string `json:"architectures"` // "x86_64", "arm64"
	Burstable     bool     `json:"burstable,omitempty"`
	Current       bool     `json:"current_generation,omitempty"`
}

// InstanceCatalogue is a region's instance types by name, as
// shared/instancetypes reads them.
type InstanceCatalogue map[string]InstanceType

// MemoryGiB is the type's memory in GiB.
func (t InstanceType) MemoryGiB() float64 { return float64(t.MemoryMiB) / 1024 }

// Arm reports whether the type runs on Graviton (arm64).
func (t InstanceType) Arm() bool {
	for _, a := range t.Architectures {
		if a == "arm64" {
			return true
		}
	}
	return false
}

// EC2InstanceOffer says which Price List line an instance runs on: the
// Price List's own attribute values (operatingSystem, tenancy,
// licenseModel, preInstalledSw), which its platform details decide.
type EC2InstanceOffer struct {
	OS       string // "Linux", "Windows", "RHEL", "SUSE", "Red Hat Enterprise Linux with HA", "Ubuntu Pro"
	Tenancy  string // "Shared", "Dedicated", "Host"
	License  string // "No License required", "Bring your own license"
	Software string // "NA", "SQL Std", "SQL Web", "SQL Ent"
}

// PriceEC2Instance is the on-demand hourly price of an instance type on an
// offer (capacitystatus Used: a running instance, not a reservation).
func PriceEC2Instance(instanceType string, o EC2InstanceOffer) PriceItem {
	return PriceItem(strings.Join([]string{priceEC2InstancePrefix, instanceType, o.OS, o.Tenancy, o.License, o.Software}, "|"))
}

// RDSInstanceOffer says which Price List line a database instance runs
// on, in the Price List's attribute values.
type RDSInstanceOffer struct {
	Engine     string // databaseEngine: "MySQL", "PostgreSQL", "Aurora MySQL", "SQL Server"
	Edition    string // databaseEdition, "" where the engine has none: "Standard", "Enterprise"
	Deployment string // deploymentOption: "Single-AZ", "Multi-AZ"
	License    string // licenseModel: "No license required", "License included", "Bring your own license"
}

// PriceRDSInstance is the on-demand hourly price of a database instance class on an offer.
func PriceRDSInstance(class string, o RDSInstanceOffer) PriceItem {
	return PriceItem(strings.Join([]string{priceRDSInstancePrefix, class, o.Engine, o.Edition, o.Deployment, o.License}, "|"))
}

const (
	priceEC2InstancePrefix = "ec2.instance"
	priceRDSInstancePrefix = "rds.instance"
)

// ParseInstancePrice reads an item made by PriceEC2Instance or
// PriceRDSInstance: its service ("ec2" or "rds"), type or class, and
// offer fields in order; ok is false for any other item.
func ParseInstancePrice(item PriceItem) (service, name string, fields []string, ok bool) {
	parts := strings.Split(string(item), "|")
	switch {
	case len(parts) == 6 && parts[0] == priceEC2InstancePrefix:
		return "ec2", parts[1], parts[2:], parts[1] != ""
	case len(parts) == 6 && parts[0] == priceRDSInstancePrefix:
		return "rds", parts[1], parts[2:], parts[1] != ""
	}
	return "", "", nil, false
}

// Rightsizing is a rightsize finding's proposal: the current size and the
// target, how loaded the target would be, and the two hourly prices.
type Rightsizing struct {
	Current InstanceSize `json:"current"`
	Target  InstanceSize `json:"target"`
	// Migration says the target changes the processor architecture
	// (Graviton): the software must be built for arm64.
	Migration bool `json:"migration"`
	// Basis is the CPU statistic judged: "p99" where the account has
	// percentiles, else "hourly maximum".
	Basis           string  `json:"basis"`
	HeadroomPercent float64 `json:"headroom_percent"`
	// ObservedCPUPercent is the high CPU seen (the window's 99th
	// percentile of the Basis series); ProjectedCPUPercent that load on
	// the target's vCPUs.
	ObservedCPUPercent  float64 `json:"observed_cpu_percent"`
	ProjectedCPUPercent float64 `json:"projected_cpu_percent"`
	// Memory, where measured (the CloudWatch agent's mem_used_percent);
	// nil otherwise, and MemoryNote says so.
	ObservedMemoryPercent  *float64 `json:"observed_memory_percent,omitempty"`
	ProjectedMemoryPercent *float64 `json:"projected_memory_percent,omitempty"`
	MemoryNote             string   `json:"memory_note,omitempty"`
	// Alternative, when the target is a migration, is the cheapest
	// candidate that keeps the architecture ("" for none).
	Alternative string `json:"alternative,omitempty"`
}

// InstanceSize is one side of a rightsizing: a type or class, its vCPUs
// and memory, and its on-demand hourly price (nil when unknown).
type InstanceSize struct {
	Type         string  `json:"type"`
	VCPU         int32   `json:"vcpu"`
	MemoryGiB    float64 `json:"memory_gib"`
	Architecture string  `json:"architecture"`
	HourlyPrice  *Amount `json:"hourly_price,omitempty"`
	Currency     string  `json:"currency,omitempty"`
}

// String is "m5.2xlarge (8 vCPU, 32 GiB)".
func (s InstanceSize) String() string {
	return fmt.Sprintf("%s (%d vCPU, %s GiB)", s.Type, s.VCPU, strings.TrimSuffix(fmt.Sprintf("%.2f", s.MemoryGiB), ".00"))
}

// EC2OfferOf is the Price List line of an instance from what EC2 says of
// it: its platform details (DescribeInstances' PlatformDetails: "Linux/UNIX",
// "Windows with SQL Server Standard", "Red Hat Enterprise Linux") and its
// placement tenancy ("default", "dedicated", "host"). ok is false for a
// platform cloudscope does not know the Price List name of.
func EC2OfferOf(platform, tenancy string) (EC2InstanceOffer, bool) {
	o := EC2InstanceOffer{License: "No License required", Software: "NA"}
	switch tenancy {
	case "", "default":
		o.Tenancy = "Shared"
	case "dedicated":
		o.Tenancy = "Dedicated"
	case "host":
		o.Tenancy = "Host"
	default:
		return o, false
	}
	os, sql, _ := strings.Cut(platform, " with SQL Server ")
	if sql != "" {
		sw, ok := map[string]string{"Standard": "SQL Std", "Web": "SQL Web", "Enterprise": "SQL Ent"}[sql]
		if !ok {
			return o, false
		}
		o.Software = sw
	}
	switch os {
	case "Linux/UNIX", "Linux":
		o.OS = "Linux"
	case "Windows":
		o.OS = "Windows"
	case "Windows BYOL":
		o.OS, o.License = "Windows", "Bring your own license"
	case "Red Hat Enterprise Linux":
		o.OS = "RHEL"
	case "Red Hat Enterprise Linux with HA":
		o.OS = "Red Hat Enterprise Linux with HA"
	case "SUSE Linux":
		o.OS = "SUSE"
	case "Ubuntu Pro":
		o.OS = "Ubuntu Pro"
	default:
		return o, false
	}
	return o, true
}

// RDSOfferOf is the Price List line of a database instance from what RDS
// says of it: its engine ("postgres", "sqlserver-se"), Multi-AZ, and
// licence model ("license-included", "bring-your-own-license",
// "general-public-license", "postgresql-license"). ok is false for an
// engine cloudscope does not know the Price List name of.
func RDSOfferOf(engine string, multiAZ bool, licenseModel string) (RDSInstanceOffer, bool) {
	o := RDSInstanceOffer{Deployment: "Single-AZ", License: "No license required"}
	if multiAZ {
		o.Deployment = "Multi-AZ"
	}
	switch licenseModel {
	case "license-included":
		o.License = "License included"
	case "bring-your-own-license":
		o.License = "Bring your own license"
	}
	names := map[string][2]string{
		"mysql": {"MySQL", ""}, "postgres": {"PostgreSQL", ""}, "mariadb": {"MariaDB", ""},
		"aurora": {"Aurora MySQL", ""}, "aurora-mysql": {"Aurora MySQL", ""}, "aurora-postgresql": {"Aurora PostgreSQL", ""},
		"oracle-ee": {"Oracle", "Enterprise"}, "oracle-ee-cdb": {"Oracle", "Enterprise"},
		"oracle-se2": {"Oracle", "Standard Two"}, "oracle-se2-cdb": {"Oracle", "Standard Two"},
		"sqlserver-ee": {"SQL Server", "Enterprise"}, "sqlserver-se": {"SQL Server", "Standard"},
		"sqlserver-ex": {"SQL Server", "Express"}, "sqlserver-web": {"SQL Server", "Web"},
	}
	n, ok := names[engine]
	o.Engine, o.Edition = n[0], n[1]
	return o, ok
}
