package notify_test

import (
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/dashboard"
	"github.com/cloudscope/cloudscope/shared/notify"
)

// pageRoutes reads, from the page itself, the panels it has (the nav's
// data-panel) and, per panel, the route parameters its module reads
// (params.get('<name>') in panels/<panel>.js).
func pageRoutes(t *testing.T) map[string][]string {
	t.Helper()
	index, err := fs.ReadFile(dashboard.Assets, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string][]string{}
	for _, m := range regexp.MustCompile(`data-panel="([a-z]+)"`).FindAllStringSubmatch(string(index), -1) {
		js, err := fs.ReadFile(dashboard.Assets, "panels/"+m[1]+".js")
		if err != nil {
			t.Fatal(err)
		}
		routes[m[1]] = []string{}
		for _, p := range regexp.MustCompile(`params\.get\('([a-z_]+)'\)`).FindAllStringSubmatch(string(js), -1) {
			routes[m[1]] = append(routes[m[1]], p[1])
		}
	}
	if len(routes) < 5 {
		t.Fatalf("read %d panels from the page", len(routes))
	}
	return routes
}

// TestLinksAreRoutesThePageHandles builds every kind of link, with ids
// that need escaping, and checks each is an absolute address of the
// dashboard whose hash names a panel of the page and only parameters that
// panel reads, and that the parameters decode back to the ids.
func TestLinksAreRoutesThePageHandles(t *testing.T) {
	routes := pageRoutes(t)
	finding := "ec2.high_cpu/ec2/us-east-1/i-0abc" // finding ids hold slashes
	for _, base := range []string{"https://d111111abcdef8.cloudfront.net", "https://d111111abcdef8.cloudfront.net/", "http://127.0.0.1:8080/#resources"} {
		l := notify.NewLinks(base)
		cases := []struct {
			link   string
			panel  string
			params map[string]string
		}{
			{l.Findings(), "bottlenecks", nil},
			{l.Finding(finding), "bottlenecks", map[string]string{"finding": finding}},
			{l.Snapshot("manual-20261126T090000Z-0a1b2c3d"), "history", map[string]string{"snapshot": "manual-20261126T090000Z-0a1b2c3d"}},
			{l.Diff("evt 1&2", "f2b0c7a4-6e1d"), "history", map[string]string{"base": "evt 1&2", "head": "f2b0c7a4-6e1d"}},
		}
		for _, c := range cases {
			u, err := url.Parse(c.link)
			if err != nil || !u.IsAbs() || u.Host == "" || u.Path != "/" || u.RawQuery != "" {
				t.Errorf("%q is not an absolute address of the page (%v)", c.link, err)
				continue
			}
			if strings.Count(c.link, "#") != 1 {
				t.Errorf("%q has %d fragments", c.link, strings.Count(c.link, "#"))
			}
			// The page reads location.hash, still escaped, and splits it at "?".
			panel, query, _ := strings.Cut(u.EscapedFragment(), "?")
			reads, ok := routes[panel]
			if !ok || panel != c.panel {
				t.Errorf("%q opens panel %q, want %q (the page has %v)", c.link, panel, c.panel, routes)
				continue
			}
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Errorf("%q: %v", c.link, err)
			}
			for k := range q {
				if !slices.Contains(reads, k) {
					t.Errorf("%q: panel %s does not read parameter %q (it reads %v)", c.link, panel, k, reads)
				}
			}
			for k, v := range c.params {
				if q.Get(k) != v {
					t.Errorf("%q: %s is %q, want %q", c.link, k, q.Get(k), v)
				}
			}
			if len(q) != len(c.params) {
				t.Errorf("%q: parameters %v, want %v", c.link, q, c.params)
			}
		}
	}
	// No dashboard, no links.
	var none notify.Links
	if none.Enabled() || none.Findings() != "" || none.Finding("x") != "" || none.Snapshot("s") != "" || none.Diff("a", "b") != "" {
		t.Error("links without a dashboard")
	}
	if notify.NewLinks("https://x.example/").Diff("", "b") != "" {
		t.Error("a diff link without a base")
	}
}
