package accountset

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// Param is the setting's name in messages (the CLI's --accounts, the
// environment's CLOUDSCOPE_ACCOUNTS, the CDK context's cloudscope:accounts).
const Param = "accounts"

// DefaultRole is the member role's default name (CLOUDSCOPE_MEMBER_ROLE).
const DefaultRole = "cloudscope-reader"

// Modes of the setting.
const (
	ModeSelf = "self" // the account of the credentials: today's one-account scan
	ModeOrg  = "org"  // every ACTIVE account of the organization, or of some OUs
	ModeList = "list" // the account ids listed
)

// Setting is which accounts a scan reads.
type Setting struct {
	Mode string
	// OUs limits ModeOrg to these organizational units and, recursively,
	// the units below them (none: the whole organization).
	OUs []string
	// IDs are ModeList's account ids, sorted, without repeats.
	IDs []string
}

// Self reports whether the setting reads only the caller's own account.
func (s Setting) Self() bool { return s.Mode == "" || s.Mode == ModeSelf }

// String is the setting as it is written: self, org, org:ou-a,ou-b, or ids.
func (s Setting) String() string {
	switch {
	case s.Self():
		return ModeSelf
	case s.Mode == ModeOrg && len(s.OUs) == 0:
		return ModeOrg
	case s.Mode == ModeOrg:
		return ModeOrg + ":" + strings.Join(s.OUs, ",")
	}
	return strings.Join(s.IDs, ",")
}

var (
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	// ouID is Organizations' OU id pattern: ou-, the root's 4 to 32
	// characters, -, and 8 to 32 more.
	ouID = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	// roleName is IAM's role name pattern (a path is not taken).
	roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// MaxListed bounds the account ids (or OUs) a setting may list: beyond it,
// name OUs or the whole organization.
const MaxListed = 1000

// Parse reads the setting: "" or self, org, org:ou-xxxx,ou-yyyy (OUs and
// the units below them), or a comma list of 12-digit account ids. Spaces
// around values are ignored, repeats removed; errors are
// cloudscope.Invalid naming the setting.
func Parse(v string) (Setting, error) {
	v = strings.TrimSpace(v)
	switch lower := strings.ToLower(v); {
	case lower == "" || lower == ModeSelf:
		return Setting{Mode: ModeSelf}, nil
	case lower == ModeOrg:
		return Setting{Mode: ModeOrg}, nil
	case strings.HasPrefix(lower, ModeOrg+":"):
		ous, err := values(v[len(ModeOrg)+1:], "organizational unit", func(s string) bool { return ouID.MatchString(s) },
			"an OU id such as ou-ab12-cdef3456")
		if err != nil {
			return Setting{}, err
		}
		return Setting{Mode: ModeOrg, OUs: ous}, nil
	}
	ids, err := values(v, "account id", func(s string) bool { return accountID.MatchString(s) },
		"want self, org, org:<ou-id>,<ou-id>... or 12-digit account ids separated by commas")
	if err != nil {
		return Setting{}, err
	}
	return Setting{Mode: ModeList, IDs: ids}, nil
}

// values splits a comma list, checking each value.
func values(list, what string, valid func(string) bool, want string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !valid(s) {
			return nil, cloudscope.Invalid(Param, "%q is not an %s: %s", cloudscope.Clip(s), what, want)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, cloudscope.Invalid(Param, "no %s given: %s", what, want)
	}
	if len(out) > MaxListed {
		return nil, cloudscope.Invalid(Param, "%d values; at most %d (name OUs, or org for the whole organization)", len(out), MaxListed)
	}
	slices.Sort(out)
	return out, nil
}

// CheckRole checks the member role's name (CLOUDSCOPE_MEMBER_ROLE).
func CheckRole(name string) error {
	if !roleName.MatchString(name) {
		return cloudscope.Invalid("member_role", "%q is not an IAM role name (1 to 64 letters, digits and +=,.@_-)", cloudscope.Clip(name))
	}
	return nil
}
