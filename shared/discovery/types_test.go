package discovery

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

func TestEveryTypeIsWhole(t *testing.T) {
	if len(types) == 0 {
		t.Fatal("no resource type registered")
	}
	for _, err := range checkAll(types) {
		t.Error(err)
	}
	// The names the rules speak of are types.
	for _, name := range []cloudscope.ResourceType{cloudscope.EC2, cloudscope.RDS, cloudscope.S3, cloudscope.Lambda, cloudscope.Volume,
		cloudscope.VolumeBackup, cloudscope.Address, cloudscope.NATGateway, cloudscope.LoadBalancer, cloudscope.Table} {
		if _, ok := typeOf(name); !ok {
			t.Errorf("cloudscope.%s names no type", name)
		}
	}
}

// TestATypeMissingAPartIsRefused takes a whole type and removes one part
// at a time: each removal must be named.
func TestATypeMissingAPartIsRefused(t *testing.T) {
	whole, _ := typeOf(cloudscope.EC2)
	cases := []struct {
		name  string
		cut   func(*Type)
		error string
	}{
		{"no name", func(t *Type) { t.Name = "" }, "a name"},
		{"a name with a comma", func(t *Type) { t.Name = "ec2,rds" }, "a name"},
		{"no label", func(t *Type) { t.Label = "" }, "a label"},
		{"no plural", func(t *Type) { t.Plural = "" }, "a plural"},
		{"no summary", func(t *Type) { t.Summary = "" }, "a summary"},
		{"no cost service", func(t *Type) { t.CostService = "" }, "Cost Explorer service"},
		{"no id pattern", func(t *Type) { t.ID.Pattern = "" }, "an id pattern"},
		{"an unanchored id pattern", func(t *Type) { t.ID.Pattern = "i-[0-9a-f]+" }, "an id pattern anchored"},
		{"an id pattern that does not compile", func(t *Type) { t.ID.Pattern = "^i-(?$" }, "compiles"},
		{"no id description", func(t *Type) { t.ID.What = "" }, "an id shape's description"},
		{"no lister", func(t *Type) { t.List = nil }, "a lister"},
		{"two listers", func(t *Type) { t.ListAll = (*Discoverer).listBuckets }, "a lister"},
		{"no IAM actions", func(t *Type) { t.IAMActions = nil }, "IAM actions"},
		{"metrics without a floor", func(t *Type) { t.Floor = 0 }, "a Floor"},
		{"a floor without metrics", func(t *Type) { t.Metrics, t.Measured = nil, nil }, "a Floor"},
		{"measured without metrics", func(t *Type) { t.Metrics, t.Floor = nil, 0 }, "metrics, since Measured"},
		{"a metric without a why", func(t *Type) {
			t.Metrics = slices.Clone(t.Metrics)
			t.Metrics[0].Why = ""
		}, "a namespace, name, dimension, statistics, unit and why"},
		{"a metric without statistics", func(t *Type) {
			t.Metrics = slices.Clone(t.Metrics)
			t.Metrics[1].Stats = nil
		}, "a namespace, name, dimension, statistics, unit and why"},
	}
	if errs := whole.check(); len(errs) > 0 {
		t.Fatalf("the whole type: %v", errs)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			part := whole
			c.cut(&part)
			errs := part.check()
			if len(errs) == 0 {
				t.Fatal("accepted")
			}
			if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), c.error) }) {
				t.Errorf("errors %v name no %q", errs, c.error)
			}
		})
	}
}

func TestTheStoredOrderHasNoGapsOrRepeats(t *testing.T) {
	a, _ := typeOf(cloudscope.EC2)
	b, _ := typeOf(cloudscope.RDS)
	cases := []struct {
		name  string
		types []Type
		error string
	}{
		{"a repeated name", []Type{a, func() Type { x := a; x.Order = 1; return x }()}, "two types of this name"},
		{"a gap", []Type{a, func() Type { x := b; x.Order = 2; return x }()}, "without gaps"},
		{"a repeated place", []Type{a, func() Type { x := b; x.Order = 0; return x }()}, "without gaps or repeats"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := checkAll(c.types)
			if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), c.error) }) {
				t.Errorf("errors %v name no %q", errs, c.error)
			}
		})
	}
}

// TestTheDerivedDataIsTheDescriptors holds the generated data, which the
// packages without AWS clients read, to the descriptors here (typegen's
// own test holds every generated file).
func TestTheDerivedDataIsTheDescriptors(t *testing.T) {
	if len(resourcetypes.All) != len(types) {
		t.Fatalf("resourcetypes.All has %d types, the descriptors %d: run make generate", len(resourcetypes.All), len(types))
	}
	for i, d := range resourcetypes.All {
		if !reflect.DeepEqual(d, types[i].Descriptor) {
			t.Errorf("resourcetypes.All[%d] (%s) is not the descriptor of %s: run make generate", i, d.Name, types[i].Name)
		}
	}
	if got, want := cloudscope.ResourceTypes, names(types); !slices.Equal(got, want) {
		t.Errorf("cloudscope.ResourceTypes = %v, the descriptors %v", got, want)
	}
}

func names(types []Type) []cloudscope.ResourceType {
	out := make([]cloudscope.ResourceType, len(types))
	for i, t := range types {
		out[i] = cloudscope.ResourceType(t.Name)
	}
	return out
}

// TestIAMActionsAreTheTypes holds the actions granted to the types' own.
func TestIAMActionsAreTheTypes(t *testing.T) {
	want := slices.Clone(RegionsIAMActions)
	for _, typ := range types {
		want = append(want, typ.IAMActions...)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	got := slices.Sorted(slices.Values(IAMActions))
	if !slices.Equal(got, want) {
		t.Errorf("IAMActions = %v, want %v", got, want)
	}
}

// TestMotoTheDemoSeedsEveryType: a type is not added until the demo has one
// of it, which discovery then finds.
func TestMotoTheDemoSeedsEveryType(t *testing.T) {
	clients := motoClients(t, awsconf.Options{})
	seedDemo(t, clients)
	inv, err := New(ClientsFrom(clients), resourcequery.Options{}).Discover(context.Background(), resourcequery.Query{Regions: demo.Regions})
	if err != nil {
		t.Fatal(err)
	}
	found := map[cloudscope.ResourceType]int{}
	for _, r := range inv.Resources {
		found[r.Type]++
	}
	for _, typ := range types {
		if found[cloudscope.ResourceType(typ.Name)] == 0 {
			t.Errorf("the demo seeds no %s (errors: %v)", typ.Plural, inv.Errors)
		}
	}
}
