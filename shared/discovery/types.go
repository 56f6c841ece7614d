package discovery

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/discovery/resourcequery"
	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// Type is one resource type, whole: its descriptor (the data the rest of
// cloudscope derives from), how discovery lists it, and which of its
// resources the scan reads metrics for. Each type is one file of this
// package (ec2.go, ebs.go, ...) that registers its Type; adding a type is
// adding such a file (and its seed in shared/demo), then `make generate`.
type Type struct {
	resourcetypes.Descriptor
	// List lists the type in one region, every page, each call under the
	// runner's bound (call). Exactly one of List and ListAll is set.
	List func(s *Discoverer, ctx context.Context, region string, run *runner) ([]cloudscope.Resource, error)
	// ListAll lists a type whose list is global (S3's buckets) once, from
	// the home region, for every region; discovery keeps those in the
	// regions asked. It records its own failures (region Global).
	ListAll func(s *Discoverer, ctx context.Context, run *runner) []cloudscope.Resource
	// IAMActions are the IAM actions its listing calls.
	IAMActions []string
	// Measured reports whether the scan reads a resource's metrics: the
	// resources some rule can judge by them (a running instance, an attached
	// data volume). Nil: none is read (the type's metrics are for charts only).
	Measured func(cloudscope.Resource) bool
	// ARN builds the ARN of a resource whose API answer names no account,
	// once discovery knows the account ("" when it cannot). Nil: every
	// answer names its ARN.
	ARN func(r cloudscope.Resource, account string) string
}

// types holds every Type in the stored order. Each type's file registers
// its Type in a package variable's initializer, so all are registered
// before any init function runs (IAMActions is derived in one).
var types []Type

// register adds t to the types in its place in the stored order.
func register(t Type) Type {
	if (t.List == nil) == (t.ListAll == nil) {
		panic(fmt.Sprintf("resource type %q: set exactly one of List and ListAll", t.Name))
	}
	i, _ := slices.BinarySearchFunc(types, t.Order, func(a Type, order int) int { return a.Order - order })
	types = slices.Insert(types, i, t)
	if t.Measured != nil {
		resourcequery.RegisterMeasured(cloudscope.ResourceType(t.Name), t.Measured)
	}
	return t
}

// Types returns every resource type, in the stored order.
func Types() []Type { return slices.Clone(types) }

// typeOf returns the Type named t.
func typeOf(t cloudscope.ResourceType) (Type, bool) {
	i := slices.IndexFunc(types, func(d Type) bool { return d.Name == string(t) })
	if i < 0 {
		return Type{}, false
	}
	return types[i], true
}

// Measured reports whether the scan reads r's metrics: whether a rule can
// judge r by them (its type's Measured, registered with resourcequery).
func Measured(r cloudscope.Resource) bool { return resourcequery.Measured(r) }

// check returns what t lacks: every part a type must have, so that the
// parts derived from it (the API's enum, the catalogue, the page, the
// notifications, the README) are whole.
func (t Type) check() []error {
	var errs []error
	lacks := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%q: "+format, append([]any{t.Name}, args...)...))
	}
	if t.Name == "" || strings.ToLower(t.Name) != t.Name || strings.ContainsAny(t.Name, " ,") {
		lacks("a name in lower case without spaces or commas")
	}
	if t.Label == "" || t.Plural == "" || t.Summary == "" {
		lacks("a label, a plural and a summary")
	}
	if t.CostService == "" {
		lacks("the Cost Explorer service that bills it")
	}
	if t.ID.What == "" {
		lacks("an id shape's description")
	}
	if !strings.HasPrefix(t.ID.Pattern, "^") || !strings.HasSuffix(t.ID.Pattern, "$") {
		lacks("an id pattern anchored at both ends")
	} else if _, err := regexp.Compile(t.ID.Pattern); err != nil {
		lacks("an id pattern that compiles: %v", err)
	}
	if (t.List == nil) == (t.ListAll == nil) {
		lacks("a lister (List or ListAll, not both)")
	}
	if len(t.IAMActions) == 0 {
		lacks("the IAM actions its lister calls")
	}
	if t.HasMetrics() != (t.Floor > 0) {
		lacks("a Floor exactly when it has metrics")
	}
	if t.Measured != nil && !t.HasMetrics() {
		lacks("metrics, since Measured says some of its resources are read")
	}
	for _, m := range t.Metrics {
		if m.Namespace == "" || m.Name == "" || m.Dimension == "" || len(m.Stats) == 0 || m.Unit == "" || m.Why == "" {
			lacks("metric %s/%s: a namespace, name, dimension, statistics, unit and why", m.Namespace, m.Name)
		}
	}
	return errs
}

// checkAll returns what any type lacks, and what the types together break:
// names and places in the stored order used twice, or a gap in that order.
func checkAll(types []Type) []error {
	var errs []error
	names := map[string]bool{}
	for i, t := range types {
		errs = append(errs, t.check()...)
		if names[t.Name] {
			errs = append(errs, fmt.Errorf("%q: two types of this name", t.Name))
		}
		names[t.Name] = true
		if t.Order != i {
			errs = append(errs, fmt.Errorf("%q: Order %d, but it is type %d of the stored order: orders are 0, 1, 2, ... without gaps or repeats", t.Name, t.Order, i))
		}
	}
	return errs
}
