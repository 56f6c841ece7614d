package cloudscope

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxEcho is how much of a caller's input a message repeats back.
const MaxEcho = 64

// Clip shortens input to be echoed in a message to MaxEcho characters, so
// that a long value never makes a long answer.
func Clip(s string) string {
	if utf8.RuneCountInString(s) <= MaxEcho {
		return s
	}
	return fmt.Sprintf("%.*s...", MaxEcho, s)
}

// MaxListValues bounds how many values one list parameter may carry. AWS has
// fewer than 40 regions, so a longer list is a mistake or abuse.
const MaxListValues = 50

// List normalizes the values of a list parameter: each is trimmed, blanks
// are dropped and repeats removed, keeping the first order. More than limit
// distinct values is an error naming param.
func List(param string, values []string, limit int) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		if len(out) == limit {
			return nil, Invalid(param, "more than %d values given; at most %d are allowed", limit, limit)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out, nil
}

// ParseResourceType reads a resource type name in any case; a name that is
// not a supported type is an error naming param.
func ParseResourceType(param, name string) (ResourceType, error) {
	t := ResourceType(strings.ToLower(strings.TrimSpace(name)))
	if !t.Valid() {
		return "", Invalid(param, "unknown resource type %q; allowed: %s", Clip(name), TypeNames())
	}
	return t, nil
}

// ParseResourceTypes reads a list of type names (normalized by List) into
// types without repeats; an unknown name is an error naming param.
func ParseResourceTypes(param string, names []string) ([]ResourceType, error) {
	names, err := List(param, names, MaxListValues)
	if err != nil {
		return nil, err
	}
	types := make([]ResourceType, 0, len(names))
	for _, n := range names {
		t, err := ParseResourceType(param, n)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types, nil
}

// TypeNames lists the supported resource types for messages: "ec2, rds, s3, lambda, ebs, ...".
func TypeNames() string {
	s := make([]string, len(ResourceTypes))
	for i, t := range ResourceTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// CheckRegionName returns an error naming param unless name has the shape of
// a region name. Whether the region is enabled is for discovery to say.
func CheckRegionName(param, name string) error {
	if !ValidRegionName(name) {
		return Invalid(param, "%q is not a region name (expected a name such as us-east-1)", Clip(name))
	}
	return nil
}

// ValidAccountID reports whether id is an AWS account id: twelve digits.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := range len(id) {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ParseAccountIDs reads a list of account ids (normalized by List, at most
// MaxListValues); one that is not twelve digits is an error naming param.
func ParseAccountIDs(param string, values []string) ([]string, error) {
	ids, err := List(param, values, MaxListValues)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !ValidAccountID(id) {
			return nil, Invalid(param, "%q is not an AWS account id (twelve digits, such as 123456789012)", Clip(id))
		}
	}
	return ids, nil
}
