package dynamostore

// A sharded scan's parts live under the scan's snapshot key, pk
// "snapshot#<id>", each part under an attempt that is random per SavePart:
//
//   - "pres#<group> <attempt> <n>": its resources, chunked like Save's
//     (gzipped JSON under MaxValueBytes), by group "<account>#<region>#<type
//     index>", so that the keys of every part together sort in the stored
//     order (cloudscope.CompareStored; the space sorts before any key
//     character). Shards split an account-region by type, so a group
//     belongs to one shard.
//   - "psum#<shard key> <attempt> <n>": its summary (the part without its
//     resources, findings and undecided rules included), gzipped and cut
//     into pieces under MaxValueBytes: a big part's findings fit.
//   - "phead#<shard key>": written last, it names the part's attempt, its
//     resource chunks and summary pieces, and the (account, region) pairs
//     of its resources.
//
// A retried shard writes a new attempt and then its head, which makes it
// the part's: a reader takes only the attempt its head (or the manifest)
// names, so it never mixes two. The earlier attempt's items are left to
// the table's TTL.
//
// FinalizeParts reads the heads (one Query) and writes the manifest, the
// attempt of every part with its chunk count and pairs, gzipped and cut into
// pieces ("manifest#<attempt>#<n>": 17,000 parts are over one item's 400 KB
// raw), the findings and undecided chunks as Save writes them, then the
// header and the index entry as Save does, the header naming the
// manifest's pieces ("parts"). Nothing of the parts is copied. A read of
// the snapshot's resources reads the manifest once (kept for the few
// snapshots read last), then one Query for all, or one per (account,
// region) pair asked, skipping any chunk of an attempt the manifest does
// not name. Part items expire a day after the snapshot would, so that a
// snapshot never outlives its parts.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/awserr"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/gzjson"
)

// PartIAMActions are what a shard storing its part calls (SavePart).
var PartIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:PutItem"}

// FinalizeIAMActions are what finalizing a sharded scan calls
// (PartSummaries, FinalizeParts: a transaction needs PutItem).
var FinalizeIAMActions = []string{"dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:Query"}

// ShardProgressIAMActions are what the shard counters call (SetShardTotal, ShardDone).
var ShardProgressIAMActions = []string{"dynamodb:UpdateItem"}

// partSlack is how much longer than its snapshot a part is kept.
const partSlack = 24 * time.Hour

// manifestPart is one part in a sharded snapshot's manifest.
type manifestPart struct {
	Key     string   `json:"k"`
	Attempt string   `json:"a"`
	Chunks  int      `json:"n"`
	Pairs   []string `json:"p,omitempty"`
}

// manifest is what a read of a sharded snapshot needs of its parts.
type manifest struct {
	accepted map[string]bool // the parts' attempts
	pairs    []string        // every (account, region) pair, in key order
	chunks   int             // resource chunks in all
}

// SavePart stores a shard's part under a new attempt; its head, written
// last, makes it the part's, replacing a retried shard's earlier one.
func (st *SnapshotStore) SavePart(ctx context.Context, p *cloudscope.ShardPart) error {
	if err := cloudscope.CheckPart(p); err != nil {
		return err
	}
	id, key, attempt := p.Shard.ScanID, p.Shard.Key(), newAttempt()
	finished := p.FinishedAt
	if finished.IsZero() {
		finished = st.now()
	}
	expires := &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(finished.Add(st.retention+partSlack).Unix(), 10)}
	var items []map[string]ddbtypes.AttributeValue
	put := func(sk string, data []byte) {
		item := snapKey(id, sk)
		item["data"] = &ddbtypes.AttributeValueMemberB{Value: data}
		item[TTLAttribute] = expires
		items = append(items, item)
	}
	pairs := []string{}
	nchunks := 0
	for group, rs := range cloudscope.StoredGroups(p.Resources) {
		blobs, err := chunks(rs, st.chunkItems)
		if err != nil {
			return fmt.Errorf("scan %s part %s: %w", id, key, err)
		}
		for i, b := range blobs {
			put(fmt.Sprintf("pres#%s %s %05d", group, attempt, i), b)
		}
		nchunks += len(blobs)
		if pair := group[:strings.LastIndexByte(group, '#')]; !slices.Contains(pairs, pair) {
			pairs = append(pairs, pair)
		}
	}
	summary := *p
	summary.Resources = nil
	sum, err := gzjson.Marshal(&summary)
	if err != nil {
		return err
	}
	pieces := cut(sum, st.pieceBytes)
	for i, b := range pieces {
		put(fmt.Sprintf("psum#%s %s %05d", key, attempt, i), b)
	}
	if err := st.batchWrite(ctx, items); err != nil {
		return err
	}
	pairsJSON, _ := json.Marshal(pairs)
	head := snapKey(id, "phead#"+key)
	head["attempt"] = stringAttr(attempt)
	head["chunks"] = &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(nchunks)}
	head["pieces"] = &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(len(pieces))}
	head["pairs"] = stringAttr(string(pairsJSON))
	head[TTLAttribute] = expires
	if _, err := st.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: head}); err != nil {
		return awserr.Wrap(err, "dynamodb PutItem")
	}
	st.wrote(1)
	return nil
}

// cut splits b into pieces of at most n bytes (one, empty, for none).
func cut(b []byte, n int) [][]byte {
	out := [][]byte{}
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// partHead is one part's head as stored.
type partHead struct {
	manifestPart
	pieces int
}

// heads reads scan id's part heads, in shard key order.
func (st *SnapshotStore) heads(ctx context.Context, id string) ([]partHead, error) {
	var out []partHead
	pages := dynamodb.NewQueryPaginator(st.client, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :chunk)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": stringAttr("snapshot#" + id), ":chunk": stringAttr("phead#")},
		ConsistentRead:            aws.Bool(true),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awserr.Wrap(err, "dynamodb Query")
		}
		for _, item := range page.Items {
			sk, _ := item[SortKey].(*ddbtypes.AttributeValueMemberS)
			attempt, _ := item["attempt"].(*ddbtypes.AttributeValueMemberS)
			chunks, _ := item["chunks"].(*ddbtypes.AttributeValueMemberN)
			pieces, _ := item["pieces"].(*ddbtypes.AttributeValueMemberN)
			pairs, _ := item["pairs"].(*ddbtypes.AttributeValueMemberS)
			if sk == nil || attempt == nil || chunks == nil || pieces == nil || pairs == nil {
				return nil, fmt.Errorf("scan %s: a part's head is incomplete", id)
			}
			h := partHead{manifestPart: manifestPart{Key: strings.TrimPrefix(sk.Value, "phead#"), Attempt: attempt.Value}}
			var err error
			if h.Chunks, err = strconv.Atoi(chunks.Value); err == nil {
				h.pieces, err = strconv.Atoi(pieces.Value)
			}
			if err == nil {
				err = json.Unmarshal([]byte(pairs.Value), &h.Pairs)
			}
			if err != nil {
				return nil, fmt.Errorf("scan %s part %s: %w", id, h.Key, err)
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// PartSummaries calls fn with each part of scan id, without its resources,
// in shard key order: the heads by one Query, the summaries by another.
func (st *SnapshotStore) PartSummaries(ctx context.Context, scanID string, fn func(cloudscope.ShardPart) error) error {
	heads, err := st.heads(ctx, scanID)
	if err != nil || len(heads) == 0 {
		return err
	}
	next := 0 // the head whose pieces come now
	var buf bytes.Buffer
	got := 0
	flush := func() error {
		h := heads[next]
		if got != h.pieces {
			return fmt.Errorf("scan %s part %s: %d of its %d summary pieces are stored", scanID, h.Key, got, h.pieces)
		}
		var p cloudscope.ShardPart
		if err := gzjson.Unmarshal(buf.Bytes(), &p); err != nil {
			return fmt.Errorf("scan %s part %s: %w", scanID, h.Key, err)
		}
		buf.Reset()
		got = 0
		next++
		return fn(p)
	}
	err = st.queryChunks(ctx, scanID, []string{"psum#"}, func(sk string, data []byte) error {
		key, rest, _ := strings.Cut(strings.TrimPrefix(sk, "psum#"), " ")
		attempt, _, _ := strings.Cut(rest, " ")
		for next < len(heads) && heads[next].Key < key {
			if err := flush(); err != nil { // a head whose pieces are all read (or missing)
				return err
			}
		}
		if next == len(heads) || heads[next].Key != key || heads[next].Attempt != attempt {
			return nil // an earlier attempt's, or a part whose head is not written yet
		}
		buf.Write(data)
		got++
		return nil
	})
	if err != nil {
		return err
	}
	for next < len(heads) {
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// FinalizeParts stores the sharded scan h over its parts, as Save would:
// the manifest, the findings and undecided chunks, then the header and
// index entry in one transaction that fails if the header exists (unless
// it is a failed scan's).
func (st *SnapshotStore) FinalizeParts(ctx context.Context, h cloudscope.SnapshotHeader, findings []cloudscope.Finding, insufficient []cloudscope.Insufficient) error {
	heads, err := st.heads(ctx, h.ID)
	if err != nil {
		return err
	}
	parts := make([]manifestPart, len(heads))
	for i := range heads {
		parts[i] = heads[i].manifestPart
	}
	m, err := gzjson.Marshal(parts)
	if err != nil {
		return err
	}
	attempt := newAttempt()
	expires := &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(h.FinishedAt.Add(st.retention).Unix(), 10)}
	var items []map[string]ddbtypes.AttributeValue
	counts := map[string]int{}
	add := func(kind string, blobs [][]byte) {
		for i, b := range blobs {
			item := snapKey(h.ID, fmt.Sprintf("%s#%05d", kind, i))
			item["data"] = &ddbtypes.AttributeValueMemberB{Value: b}
			item[TTLAttribute] = expires
			items = append(items, item)
		}
	}
	pieces := cut(m, st.pieceBytes)
	add("manifest#"+attempt, pieces)
	for kind, part := range map[string]func() ([][]byte, error){
		"findings":     func() ([][]byte, error) { return chunks(findings, st.chunkItems) },
		"insufficient": func() ([][]byte, error) { return chunks(insufficient, st.chunkItems) },
	} {
		blobs, err := part()
		if err != nil {
			return fmt.Errorf("snapshot %s %s: %w", h.ID, kind, err)
		}
		add("chunk#"+attempt+"#"+kind, blobs)
		counts[kind] = len(blobs)
	}
	if err := st.batchWrite(ctx, items); err != nil {
		return err
	}
	return st.commit(ctx, &h, attempt, counts, map[string]ddbtypes.AttributeValue{"parts": stringAttr(strconv.Itoa(len(pieces)))})
}

// manifestCache keeps the manifests of the sharded snapshots read last
// (a stored snapshot's never changes; a failed one's is not kept).
type manifestCache struct {
	mu    sync.Mutex
	byID  map[string]*manifest
	order []string
}

// manifestsKept bounds the cache: a manifest of 17,000 parts is a few MB.
const manifestsKept = 4

// manifest reads snapshot id's manifest (attempt, pieces as the header says).
func (st *SnapshotStore) manifest(ctx context.Context, id, attempt, parts string) (*manifest, error) {
	c := &st.manifests
	c.mu.Lock()
	if m, ok := c.byID[id+"#"+attempt]; ok {
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	want, err := strconv.Atoi(parts)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: the header's parts: %w", id, err)
	}
	var buf bytes.Buffer
	got := 0
	err = st.queryChunks(ctx, id, []string{"manifest#" + attempt + "#"}, func(_ string, data []byte) error {
		buf.Write(data)
		got++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if got != want {
		return nil, fmt.Errorf("snapshot %s: %d of its %d manifest pieces are stored", id, got, want)
	}
	var list []manifestPart
	if err := gzjson.Unmarshal(buf.Bytes(), &list); err != nil {
		return nil, fmt.Errorf("snapshot %s manifest: %w", id, err)
	}
	m := &manifest{accepted: make(map[string]bool, len(list))}
	for _, p := range list {
		m.accepted[p.Attempt] = true
		m.chunks += p.Chunks
		m.pairs = append(m.pairs, p.Pairs...)
	}
	slices.Sort(m.pairs)
	m.pairs = slices.Compact(m.pairs)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]*manifest{}
	}
	c.byID[id+"#"+attempt] = m
	c.order = append(c.order, id+"#"+attempt)
	if len(c.order) > manifestsKept {
		delete(c.byID, c.order[0])
		c.order = c.order[1:]
	}
	return m, nil
}

// partResources calls fn with the resources of a sharded snapshot's parts
// in regions (all when none), chunk by chunk in the stored order, and
// counts the chunks read.
func (st *SnapshotStore) partResources(ctx context.Context, id string, m *manifest, regions []string, fn func([]cloudscope.Resource) error) (int, error) {
	prefixes := []string{"pres#"}
	if len(regions) > 0 {
		prefixes = nil
		for _, pair := range m.pairs {
			if slices.Contains(regions, pair[strings.LastIndexByte(pair, '#')+1:]) {
				prefixes = append(prefixes, "pres#"+pair+"#")
			}
		}
	}
	n := 0
	err := st.queryChunks(ctx, id, prefixes, func(sk string, data []byte) error {
		_, rest, _ := strings.Cut(sk, " ")
		attempt, _, _ := strings.Cut(rest, " ")
		if !m.accepted[attempt] {
			return nil // an attempt a retried shard replaced
		}
		n++
		var part []cloudscope.Resource
		if err := appendChunk(data, &part); err != nil {
			return fmt.Errorf("snapshot %s chunk %s: %w", id, sk, err)
		}
		return fn(part)
	})
	return n, err
}

// SetShardTotal sets scan id's planned shards on its status item.
func (st *SnapshotStore) SetShardTotal(ctx context.Context, scanID string, total int) error {
	return st.shardUpdate(ctx, scanID, "SET shards_total = :n, #exp = if_not_exists(#exp, :exp)", total)
}

// ShardDone counts one finished shard of scan id: an UpdateItem ADD on its
// status item, atomic across processes.
func (st *SnapshotStore) ShardDone(ctx context.Context, scanID string, failed bool) error {
	counter := "shards_done"
	if failed {
		counter = "shards_failed"
	}
	return st.shardUpdate(ctx, scanID, "ADD "+counter+" :n SET #exp = if_not_exists(#exp, :exp)", 1)
}

func (st *SnapshotStore) shardUpdate(ctx context.Context, scanID, expr string, n int) error {
	if !cloudscope.ValidScanID(scanID) {
		return cloudscope.Invalid("scan_id", "a scan id must be 1 to 128 letters, digits, '.', '_', ':' or '-'")
	}
	// DynamoDB applies an update atomically; the emulator the tests use
	// reads and writes an item without a lock: serialised here too.
	st.conditional.Lock()
	defer st.conditional.Unlock()
	_, err := st.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(st.table), Key: statusKey(scanID),
		UpdateExpression:         aws.String(expr),
		ExpressionAttributeNames: map[string]string{"#exp": TTLAttribute},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": &ddbtypes.AttributeValueMemberN{Value: strconv.Itoa(n)},
			":exp": &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(st.now().Add(cloudscope.StatusRetention).Unix(), 10)}},
	})
	return awserr.Wrap(err, "dynamodb UpdateItem")
}
