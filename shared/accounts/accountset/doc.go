// Package accountset is which AWS accounts a scan reads -- the setting
// (self, the whole organization, some of its OUs, or a list of account ids),
// the accounts it comes to, and how an account that could not be read is
// reported -- without the STS and Organizations clients that resolve and
// reach them (shared/accounts), so that the scan engine and the
// configuration link no AWS SDK service for it.
package accountset
