// Package ddbstub is an in-process DynamoDB table for benchmarks at sizes
// the emulator would take minutes to load: items by pk and sk, GetItem,
// PutItem, DeleteItem, BatchWriteItem, TransactWriteItems (puts and
// updates, conditions not checked) and Query on the key (pk =, with
// begins_with, < or > on sk), paged at 1 MB (or at Limit) as DynamoDB
// pages. Of PutItem's conditions it checks one, the kv store's IfAbsent
// ("attribute_not_exists(pk) OR #exp <= :now", #exp a number attribute),
// and its Swap (a digest attribute equal and the item unexpired), and answers ConditionalCheckFailedException as DynamoDB does; it leaves
// the others unchecked. It counts the reads and writes it serves.
package ddbstub

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudscope/cloudscope/shared/testkit/awsstub"
)

type item = map[string]ddbtypes.AttributeValue

// Table is the stub table (one table; the name is not checked).
type Table struct {
	mu    sync.RWMutex
	parts map[string]*partition
	// Reads counts GetItem and Query requests; Writes the write requests;
	// Items and Bytes the items written and their size (names and values).
	Reads, Writes, Items, Bytes atomic.Int64
}

type partition struct {
	keys     []string // sort keys, sorted unless unsorted
	unsorted bool     // keys appended since the last sort (inserting in order would copy them each time)
	items    map[string]item
}

// New returns an empty table.
func New() *Table { return &Table{parts: map[string]*partition{}} }

func str(it item, name string) string {
	if v, ok := it[name].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (t *Table) put(it item) {
	t.Items.Add(1)
	t.Bytes.Add(int64(size(it)))
	pk, sk := str(it, "pk"), str(it, "sk")
	p := t.parts[pk]
	if p == nil {
		p = &partition{items: map[string]item{}}
		t.parts[pk] = p
	}
	if _, ok := p.items[sk]; !ok {
		p.unsorted = p.unsorted || len(p.keys) > 0 && sk < p.keys[len(p.keys)-1]
		p.keys = append(p.keys, sk)
	}
	p.items[sk] = it
}

func size(it item) int {
	n := 0
	for k, v := range it {
		n += len(k)
		switch v := v.(type) {
		case *ddbtypes.AttributeValueMemberS:
			n += len(v.Value)
		case *ddbtypes.AttributeValueMemberB:
			n += len(v.Value)
		default:
			n += 8
		}
	}
	return n
}

// Handler answers the table's calls; others fail.
func (t *Table) Handler() awsstub.Handler {
	return func(_ context.Context, c awsstub.Call) (any, error) {
		switch in := c.Input.(type) {
		case *dynamodb.GetItemInput:
			t.Reads.Add(1)
			t.mu.RLock()
			defer t.mu.RUnlock()
			if p := t.parts[str(in.Key, "pk")]; p != nil {
				return &dynamodb.GetItemOutput{Item: p.items[str(in.Key, "sk")]}, nil
			}
			return &dynamodb.GetItemOutput{}, nil
		case *dynamodb.PutItemInput:
			t.Writes.Add(1)
			t.mu.Lock()
			defer t.mu.Unlock()
			if in.ConditionExpression != nil && (*in.ConditionExpression == ifAbsent && !t.absent(in) || *in.ConditionExpression == ifDigest && !t.same(in)) {
				return nil, &ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
			}
			t.put(in.Item)
			return &dynamodb.PutItemOutput{}, nil
		case *dynamodb.DeleteItemInput:
			t.Writes.Add(1)
			t.mu.Lock()
			defer t.mu.Unlock()
			if p := t.parts[str(in.Key, "pk")]; p != nil {
				sk := str(in.Key, "sk")
				if _, ok := p.items[sk]; ok {
					delete(p.items, sk)
					p.keys = slices.DeleteFunc(p.keys, func(k string) bool { return k == sk })
				}
			}
			return &dynamodb.DeleteItemOutput{}, nil
		case *dynamodb.BatchWriteItemInput:
			t.Writes.Add(1)
			t.mu.Lock()
			defer t.mu.Unlock()
			for _, reqs := range in.RequestItems {
				for _, r := range reqs {
					t.put(r.PutRequest.Item)
				}
			}
			return &dynamodb.BatchWriteItemOutput{}, nil
		case *dynamodb.TransactWriteItemsInput:
			t.Writes.Add(1)
			t.mu.Lock()
			defer t.mu.Unlock()
			for _, w := range in.TransactItems {
				if w.Put != nil {
					t.put(w.Put.Item)
				}
			}
			return &dynamodb.TransactWriteItemsOutput{}, nil
		case *dynamodb.QueryInput:
			t.Reads.Add(1)
			return t.query(in)
		}
		return nil, fmt.Errorf("ddbstub: %s is not served", c.Operation)
	}
}

// ifAbsent is the one PutItem condition the stub checks.
const ifAbsent = "attribute_not_exists(pk) OR #exp <= :now"

// ifDigest is the kv store's Swap condition, which the stub checks too.
const ifDigest = "#h = :h AND (attribute_not_exists(#exp) OR #exp > :now)"

// same says whether in's condition ifDigest holds: an unexpired item
// whose #h attribute is :h.
func (t *Table) same(in *dynamodb.PutItemInput) bool {
	p := t.parts[str(in.Item, "pk")]
	if p == nil {
		return false
	}
	old, ok := p.items[str(in.Item, "sk")]
	if !ok {
		return false
	}
	h, _ := old[in.ExpressionAttributeNames["#h"]].(*ddbtypes.AttributeValueMemberB)
	want, _ := in.ExpressionAttributeValues[":h"].(*ddbtypes.AttributeValueMemberB)
	if h == nil || want == nil || string(h.Value) != string(want.Value) {
		return false
	}
	exp, ok := old[in.ExpressionAttributeNames["#exp"]].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		return true
	}
	now, _ := in.ExpressionAttributeValues[":now"].(*ddbtypes.AttributeValueMemberN)
	e, err1 := strconv.ParseFloat(exp.Value, 64)
	n, err2 := strconv.ParseFloat(now.Value, 64)
	return err1 == nil && err2 == nil && e > n
}

// absent says whether in's condition ifAbsent holds: no item under its
// key, or one whose #exp attribute is at most :now.
func (t *Table) absent(in *dynamodb.PutItemInput) bool {
	p := t.parts[str(in.Item, "pk")]
	if p == nil {
		return true
	}
	old, ok := p.items[str(in.Item, "sk")]
	if !ok {
		return true
	}
	exp, ok := old[in.ExpressionAttributeNames["#exp"]].(*ddbtypes.AttributeValueMemberN)
	now, _ := in.ExpressionAttributeValues[":now"].(*ddbtypes.AttributeValueMemberN)
	if !ok || now == nil {
		return false
	}
	e, err1 := strconv.ParseFloat(exp.Value, 64)
	n, err2 := strconv.ParseFloat(now.Value, 64)
	return err1 == nil && err2 == nil && e <= n
}

// query serves the key conditions the stores use.
func (t *Table) query(in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
	cond := *in.KeyConditionExpression
	vals := in.ExpressionAttributeValues
	pk := str(vals, ":pk")
	match := func(string) bool { return true }
	switch {
	case strings.Contains(cond, "begins_with(sk, :chunk)"):
		prefix := str(vals, ":chunk")
		match = func(sk string) bool { return strings.HasPrefix(sk, prefix) }
	case strings.Contains(cond, "begins_with(sk, :prefix)"):
		prefix := str(vals, ":prefix")
		match = func(sk string) bool { return strings.HasPrefix(sk, prefix) }
	case strings.Contains(cond, "sk < :sk"):
		bound := str(vals, ":sk")
		match = func(sk string) bool { return sk < bound }
	case strings.Contains(cond, "sk > :after"):
		bound := str(vals, ":after")
		match = func(sk string) bool { return sk > bound }
	case cond != "pk = :pk":
		return nil, fmt.Errorf("ddbstub: key condition %q is not served", cond)
	}
	t.mu.Lock() // a query may sort a partition's keys
	defer t.mu.Unlock()
	out := &dynamodb.QueryOutput{}
	p := t.parts[pk]
	if p == nil {
		return out, nil
	}
	if p.unsorted {
		slices.Sort(p.keys)
		p.unsorted = false
	}
	keys := p.keys
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	start := ""
	if in.ExclusiveStartKey != nil {
		start = str(in.ExclusiveStartKey, "sk")
	}
	bytes := 0
	for n := range len(keys) {
		i := n
		if !forward {
			i = len(keys) - 1 - n
		}
		sk := keys[i]
		if start != "" && (forward && sk <= start || !forward && sk >= start) || !match(sk) {
			continue
		}
		it := p.items[sk]
		out.Items = append(out.Items, it)
		bytes += size(it)
		if in.Limit != nil && len(out.Items) == int(*in.Limit) || bytes >= 1<<20 {
			out.LastEvaluatedKey = map[string]ddbtypes.AttributeValue{"pk": it["pk"], "sk": it["sk"]}
			break
		}
	}
	out.Count = int32(len(out.Items))
	return out, nil
}
