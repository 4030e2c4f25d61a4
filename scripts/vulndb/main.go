// vulndb builds a Grype vulnerability database (schema v6) from vunnel provider workspaces on disk, offline:
// the same build grype-db runs after its pull phase, through grype's own build package. Where the internet is
// reachable, users import Grype's published database instead (README: "Vulnerability gate").
//
//	vulndb -input <dir> -output <dir>
//
// <input> holds one directory per provider (`debian`, `github`, …), each with a `results/` tree of vunnel
// result envelopes (`{"schema": …, "identifier": …, "item": …}`). Missing `checksums` listings and
// `metadata.json` files are written, as vunnel writes them.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/OneOfOne/xxhash"

	"github.com/anchore/grype/grype/db"
	"github.com/anchore/grype/grype/db/provider"
)

func main() {
	input := flag.String("input", "", "directory of vunnel provider workspaces (one sub-directory per provider)")
	output := flag.String("output", "", "directory the database (vulnerability.db) is written to")
	built := flag.String("built", "", "build timestamp, RFC 3339 (default: now); the same inputs and timestamp give the same records")
	flag.Parse()
	if *input == "" || *output == "" {
		fail("both -input and -output are required", "run: vulndb -input <provider workspaces> -output <database directory>")
	}
	when := time.Now().UTC().Truncate(time.Second)
	if *built != "" {
		t, err := time.Parse(time.RFC3339, *built)
		if err != nil {
			fail(fmt.Sprintf("-built %q is not an RFC 3339 time", *built), "give it like 2026-01-01T00:00:00Z")
		}
		when = t
	}
	states, err := readStates(*input, when)
	if err != nil {
		fail(err.Error(), "each provider directory needs a results/ tree of vunnel result files")
	}
	if err := os.MkdirAll(*output, 0o755); err != nil {
		fail("cannot create the output directory", "check the path and its permissions")
	}
	err = db.Build(db.BuildConfig{
		SchemaVersion:   6,
		Directory:       *output,
		States:          states,
		Timestamp:       when,
		IncludeCPEParts: []string{"a", "o", "h"},
		BatchSize:       db.DefaultBatchSize,
	})
	if err != nil {
		fail("building the database failed: "+err.Error(), "check the result files against vunnel's schemas")
	}
	fmt.Printf("vulndb: %s from %s\n", filepath.Join(*output, "vulnerability.db"), strings.Join(states.Names(), ", "))
}

// readStates reads (writing when absent) each provider's listing and metadata, as vunnel leaves them.
func readStates(input string, when time.Time) (provider.States, error) {
	entries, err := os.ReadDir(input)
	if err != nil {
		return nil, fmt.Errorf("cannot read the input directory")
	}
	var states provider.States
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		root := filepath.Join(input, e.Name())
		meta := filepath.Join(root, "metadata.json")
		if _, err := os.Stat(meta); os.IsNotExist(err) {
			if err := writeWorkspace(root, e.Name(), when); err != nil {
				return nil, err
			}
		}
		state, err := provider.ReadState(meta)
		if err != nil {
			return nil, fmt.Errorf("provider %s: metadata.json is not a vunnel workspace state", e.Name())
		}
		states = append(states, *state)
	}
	if len(states) == 0 {
		return nil, fmt.Errorf("no provider directories in the input directory")
	}
	return states, nil
}

func writeWorkspace(root, name string, when time.Time) error {
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "results"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("provider %s: no results directory", name)
	}
	sort.Strings(files)
	var listing strings.Builder
	for _, f := range files {
		content, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return fmt.Errorf("provider %s: cannot read %s", name, f)
		}
		fmt.Fprintf(&listing, "%016x  %s\n", xxhash.Checksum64(content), f)
	}
	if err := os.WriteFile(filepath.Join(root, "checksums"), []byte(listing.String()), 0o644); err != nil {
		return fmt.Errorf("provider %s: cannot write its checksums listing", name)
	}
	metadata := fmt.Sprintf(`{
  "provider": %q,
  "urls": [],
  "store": "flat-file",
  "timestamp": %q,
  "version": 1,
  "distribution_version": 1,
  "processor": "distroless-platform vulndb",
  "listing": {"digest": "%016x", "path": "checksums", "algorithm": "xxh64"},
  "schema": {
    "version": "1.0.3",
    "url": "https://raw.githubusercontent.com/anchore/vunnel/main/schema/provider-workspace-state/schema-1.0.3.json"
  },
  "stale": false
}
`, name, when.Format(time.RFC3339), xxhash.Checksum64([]byte(listing.String())))
	return os.WriteFile(filepath.Join(root, "metadata.json"), []byte(metadata), 0o644)
}

func fail(what, next string) {
	fmt.Fprintf(os.Stderr, "vulndb: %s\n  next: %s\n", what, next)
	os.Exit(1)
}
