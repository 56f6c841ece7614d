// Package s3items writes JSON documents to one S3 bucket: the plan bucket,
// where the scan's plan state leaves the shards for the state
// machine's Distributed Map to read (a plan of thousands of shards is past
// the 256 KiB a state may pass on). The bucket is encrypted by default and
// expires its objects; this package only writes.
package s3items

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudscope/cloudscope/shared/awserr"
)

// IAMActions lists the actions the writer calls, on the bucket's objects.
var IAMActions = []string{"s3:PutObject"}

// API is the S3 call the writer makes.
type API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Writer writes JSON documents to one bucket.
type Writer struct {
	client API
	bucket string
}

// New returns a writer to bucket.
func New(client API, bucket string) *Writer { return &Writer{client: client, bucket: bucket} }

// PutJSON writes v, encoded as JSON, under key, and returns the bucket. A
// second write of the same key (a retried plan) replaces the first whole.
func (w *Writer) PutJSON(ctx context.Context, key string, v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", key, err)
	}
	_, err = w.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(w.bucket), Key: aws.String(key), Body: bytes.NewReader(raw),
		ContentType: aws.String("application/json"), ContentLength: aws.Int64(int64(len(raw))),
	})
	if err != nil {
		return "", awserr.Wrap(err, "s3 PutObject of "+key)
	}
	return w.bucket, nil
}
