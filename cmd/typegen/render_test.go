package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cloudscope/cloudscope/shared/discovery"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestDerivedFilesAreCurrent fails while the data package, the page's
// module, the OpenAPI document or the README disagree with the
// descriptors: run make generate.
func TestDerivedFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	files, err := render(root)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the type descriptors make: run make generate", name)
		}
	}
}

// TestEveryDerivedPartFollowsAType renders from a changed type list and
// finds the change in each file, so that the freshness test above cannot
// pass by comparing something that ignores the descriptors.
func TestEveryDerivedPartFollowsAType(t *testing.T) {
	root := repoRoot(t)
	types := discovery.Types()
	extra := types[0]
	extra.Order, extra.Name, extra.Label, extra.Plural, extra.Summary = len(types), "zz-extra", "extra thing", "extra things", "extra things"
	extra.ID.What = "an extra id"
	changed := append(types, extra)
	for name, fn := range map[string]func([]discovery.Type) ([]byte, error){
		goFile:   goSource,
		pageFile: page,
		openAPIFile: func(ts []discovery.Type) ([]byte, error) {
			b, err := os.ReadFile(filepath.Join(root, openAPIFile))
			if err != nil {
				return nil, err
			}
			return openAPI(b, ts)
		},
		readmeFile: func(ts []discovery.Type) ([]byte, error) {
			b, err := os.ReadFile(filepath.Join(root, readmeFile))
			if err != nil {
				return nil, err
			}
			return readme(b, ts)
		},
	} {
		b, err := fn(changed)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(string(b), "zz-extra") {
			t.Errorf("%s does not list a type added to the descriptors", name)
		}
	}
}

func TestAFileWithoutItsMarkersIsAnError(t *testing.T) {
	if _, err := openAPI([]byte("components:\n  schemas:\n    Region: {}\n"), discovery.Types()); err == nil {
		t.Error("an OpenAPI document without a ResourceType schema was accepted")
	}
	if _, err := readme([]byte("# cloudscope\n"), discovery.Types()); err == nil {
		t.Error("a README without the table's markers was accepted")
	}
}
