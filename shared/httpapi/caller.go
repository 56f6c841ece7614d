package httpapi

import (
	"context"
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// AdminGroup is the dashboard's Cognito group whose members may start
// scans; other signed-in people read. (A scan of a large organization
// costs tens of dollars: see the README's figures.)
const AdminGroup = "cloudscope-admins"

// Caller is who a request comes from, as the API's authorizer said: a
// person signed in to the dashboard (a Cognito user, with its groups), or,
// without a Caller, an IAM principal or the local server's user, whose own
// permissions decide.
type Caller struct {
	Groups []string
}

type callerKey struct{}

// WithCaller marks ctx's request as a signed-in person's.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf is the signed-in person a request comes from, if any.
func CallerOf(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// ParseGroups reads a JWT's groups claim as API Gateway's HTTP API JWT
// authorizer passes it: an array claim becomes one string, its values in
// brackets separated by spaces ("[cloudscope-admins readers]"); a single
// value or a comma list are read too.
func ParseGroups(claim string) []string {
	claim = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(claim), "["), "]")
	return strings.FieldsFunc(claim, func(r rune) bool { return r == ' ' || r == ',' })
}

// mayStartScans refuses a signed-in person outside AdminGroup.
func mayStartScans(ctx context.Context) error {
	c, signedIn := CallerOf(ctx)
	if signedIn && !slices.Contains(c.Groups, AdminGroup) {
		return cloudscope.Errorf(cloudscope.CodeForbidden, "only members of the %s group may start scans; you may read", AdminGroup)
	}
	return nil
}
