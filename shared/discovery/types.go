package discovery

import (
	"context"
	"fmt"
	"slices"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
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
// judge r by them (its type's Measured).
func Measured(r cloudscope.Resource) bool {
	t, ok := typeOf(r.Type)
	return ok && t.Measured != nil && t.Measured(r)
}
