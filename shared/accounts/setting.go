package accounts

import "github.com/cloudscope/cloudscope/shared/accounts/accountset"

// The setting, the accounts it comes to and the reports of accounts not
// read are accountset's, which imports no SDK service; these names keep
// them where the clients' callers look.
type (
	Setting  = accountset.Setting
	Account  = accountset.Account
	Resolved = accountset.Resolved
)

// The setting's name, modes and bounds, the member role's default name and
// the failure codes (accountset's).
const (
	Param       = accountset.Param
	DefaultRole = accountset.DefaultRole
	ModeSelf    = accountset.ModeSelf
	ModeOrg     = accountset.ModeOrg
	ModeList    = accountset.ModeList
	MaxListed   = accountset.MaxListed
	CodeSkipped = accountset.CodeSkipped
	CodeDenied  = accountset.CodeDenied
)

// Parse, CheckRole, Failure, ForScan and SessionName are accountset's.
var (
	Parse       = accountset.Parse
	CheckRole   = accountset.CheckRole
	Failure     = accountset.Failure
	ForScan     = accountset.ForScan
	SessionName = accountset.SessionName
)
