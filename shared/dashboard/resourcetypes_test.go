package dashboard

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/resourcetypes"
)

// TestPageTypesAreTheDescriptors holds the page's module of the types
// (made by typegen) to the descriptors: names in the stored order, labels,
// which have charts and the states their filter offers.
func TestPageTypesAreTheDescriptors(t *testing.T) {
	b, err := fs.ReadFile(Assets, "resourcetypes.js")
	if err != nil {
		t.Fatal(err)
	}
	_, list, ok := strings.Cut(string(b), "export const resourceTypes = ")
	if !ok {
		t.Fatal("resourcetypes.js exports no resourceTypes")
	}
	var page []struct {
		Name, Label, Plural string
		Charts              bool
		States              []string
	}
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimSpace(list), ";")), &page); err != nil {
		t.Fatal(err)
	}
	if len(page) != len(resourcetypes.All) {
		t.Fatalf("the page knows %d types, the descriptors %d: run make generate", len(page), len(resourcetypes.All))
	}
	for i, d := range resourcetypes.All {
		p := page[i]
		if p.Name != d.Name || p.Label != d.Label || p.Plural != d.Plural || p.Charts != d.HasMetrics() || !slices.Equal(p.States, append([]string{}, d.States...)) {
			t.Errorf("the page's type %d is %+v, the descriptor %s %q %q charts=%v states=%v: run make generate", i, p, d.Name, d.Label, d.Plural, d.HasMetrics(), d.States)
		}
	}
}

// TestPageNamesNoTypeOfItsOwn: the filters and labels come from
// resourcetypes.js, so no other file of the page lists a type's option or
// a table of labels by type name.
func TestPageNamesNoTypeOfItsOwn(t *testing.T) {
	var names []string
	for _, d := range resourcetypes.All {
		names = append(names, regexp.QuoteMeta(d.Name))
	}
	alt := strings.Join(names, "|")
	// <option value="ec2">, or a label table's entry: ec2: '...', 'ebs-snapshot': '...'.
	listed := regexp.MustCompile(`<option value="(` + alt + `)"|(?m)^\s*'?(` + alt + `)'?\s*:\s*'`)
	err := fs.WalkDir(Assets, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == "resourcetypes.js" || strings.HasPrefix(path, "vendor/") ||
			!(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".html")) {
			return err
		}
		b, _ := fs.ReadFile(Assets, path)
		if m := listed.Find(b); m != nil {
			t.Errorf("%s lists a type itself (%q): take it from resourcetypes.js", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
