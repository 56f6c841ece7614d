package httpapi

import (
	"context"
	"net/http"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/ledger"
)

// Savings is what GET /savings needs: the ledger of savings realized
// (ledger.Service).
type Savings interface {
	Savings(ctx context.Context, q ledger.Query) (*ledger.Answer, error)
}

var savingsParams = params{names: []string{"months", "accounts", "rule", "limit", "cursor"}, lists: []string{"accounts"}}

// ParseSavingsQuery turns the query string of GET /savings into a question
// to the ledger.
func ParseSavingsQuery(raw string) (ledger.Query, error) {
	q, err := parseQuery(raw, savingsParams)
	if err != nil {
		return ledger.Query{}, err
	}
	return ledger.NewQuery(ledger.Input{Months: q.Get("months"), Accounts: listParam(q, "accounts"), Rule: q.Get("rule"),
		Limit: q.Get("limit"), Cursor: q.Get("cursor")}, func(rule string) bool { _, ok := bottleneck.Rules[rule]; return ok })
}

// savings is GET /savings: realized and open savings by month, account and
// rule, with the ledger's entries a page at a time.
func (a *api) savings(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseSavingsQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	ans, err := a.deps.Savings.Savings(r.Context(), q)
	if err != nil {
		return err
	}
	return ok(w, ans)
}
