// Package filestore keeps cloudscope's local state in one file: the
// snapshots and their history, the scans' statuses and lease, a sharded
// scan's parts, the records that outlive a scan and the cost and price
// caches, so that `cloudscope serve` and `cloudscope scan` keep their
// history across restarts. It is an embedded bbolt database (pure Go, no
// cgo: the binary stays static) holding the kv store's items (kv.go); the
// logic of snapshots, parts, statuses and the lease is snapstore's over
// it, as it is over DynamoDB and memory, each identity's data apart. A
// file written by the version before (its own buckets per kind) is read
// once into the kv layout, for the first identity that opens it
// (legacy.go).
package filestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cloudscope/cloudscope/shared/snapstore"
)

// DefaultRetention is how long snapshots are kept unless told otherwise.
const DefaultRetention = snapstore.DefaultRetention

// ErrInUse is what Open answers when another process has the file open.
var ErrInUse = errors.New("the state file is in use by another cloudscope process")

// Store is the file store. It is safe for concurrent use.
type Store struct {
	*snapstore.Store
	db  *bolt.DB
	now func() time.Time
}

// DefaultPath is where the state lives unless told otherwise:
// $XDG_STATE_HOME/cloudscope/cloudscope.db, else ~/.local/state/cloudscope/cloudscope.db.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for the state file: give --state PATH: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "cloudscope", "cloudscope.db"), nil
}

// Open opens (or creates) the state file at path for an unknown identity
// ("local"), keeping snapshots for retention (DefaultRetention when zero).
// now is the clock (time.Now when nil).
func Open(path string, retention time.Duration, now func() time.Time) (*Store, error) {
	return OpenFor(path, retention, now, nil)
}

// OpenFor is Open for the scanning identity that identity names
// (snapstore.Options.Identity): the file keeps every identity's data, and
// the store reads and writes that one's only.
func OpenFor(path string, retention time.Duration, now func() time.Time, identity func(context.Context) (string, error)) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 3 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s): stop it, start scans from it (the page's Scan now, or POST /scans), or give another --state", ErrInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	legacy := false
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketKV); err != nil {
			return err
		}
		legacy = tx.Bucket(bucketSnapshots) != nil
		if err := dropExpiredKV(tx, now()); err != nil {
			return err
		}
		// The caches' buckets of files written before the caches moved
		// into kv: answers only, dropped.
		for _, b := range [][]byte{[]byte("costs"), []byte("prices")} {
			if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
		}
		// One process holds the file (its lock), so a lease found now was
		// left by one that stopped or crashed mid-scan: void.
		root := tx.Bucket(bucketKV)
		var leases [][]byte
		_ = root.ForEachBucket(func(name []byte) error {
			if strings.HasSuffix(string(name), "#lease") {
				leases = append(leases, append([]byte(nil), name...))
			}
			return nil
		})
		for _, name := range leases {
			if err := root.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	s := &Store{db: db, now: now}
	o := snapstore.Options{Retention: retention, Now: now, Identity: identity}
	if legacy {
		o.Adopt = s.adopt
	}
	s.Store = snapstore.New(s.KV(), o)
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file's path.
func (s *Store) Path() string { return s.db.Path() }
