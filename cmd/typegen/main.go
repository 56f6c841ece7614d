// Command typegen writes what is derived from the resource type
// descriptors in shared/discovery: the descriptors' data for the packages
// that link no AWS client (shared/resourcetypes), the page's copy, the
// OpenAPI document's ResourceType enum and the README's type table. Run it
// with `go generate ./shared/resourcetypes` (make generate); its test fails
// while any of these files is stale.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	files, err := render(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "typegen:", err)
		os.Exit(1)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(*root, name), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "typegen:", err)
			os.Exit(1)
		}
	}
}
