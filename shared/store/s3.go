package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3API is the part of the S3 client the store uses.
type S3API interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	s3.ListObjectsV2APIClient
	manager.UploadAPIClient
}

// S3 is a Store in an S3 bucket, under an optional key prefix.
type S3 struct {
	client   S3API
	uploader *manager.Uploader
	bucket   string
	prefix   string // "" or ends with "/"
}

// NewS3 returns a store over an S3 client. Large objects are streamed through the SDK's
// multipart uploader, so no object is ever held whole in memory on the way up.
//
// Each Put holds at most uploadConcurrency+2 parts of uploadPartSize (S3's least part) at
// once, and a stage has several Puts open (ingest: the raw copy and each month's Parquet
// object): the SDK's default of five 8 MB parts in flight, and six buffers, would hold about
// 50 MB per Put. Stages are one core each and their objects are tens of MB at most, where
// two parts in flight keep the connection busy.
func NewS3(client S3API, bucket, prefix string) *S3 {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{
		client: client,
		uploader: manager.NewUploader(client, func(u *manager.Uploader) {
			u.PartSize = uploadPartSize
			u.Concurrency = uploadConcurrency
		}),
		bucket: bucket,
		prefix: prefix,
	}
}

// uploadPartSize and uploadConcurrency bound what one Put holds (see NewS3).
const (
	uploadPartSize    = manager.MinUploadPartSize
	uploadConcurrency = 2
)

// NewS3FromEnv builds the client from the standard AWS environment (region, credentials, and
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for an S3-compatible server), with path-style
// addressing so that local servers work.
func NewS3FromEnv(ctx context.Context, bucket, prefix string) (*S3, error) {
	if bucket == "" {
		return nil, fmt.Errorf("s3 store: bucket name is empty")
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(func() aws.Retryer { return S3Retryer() }))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return NewS3(client, bucket, prefix), nil
}

// S3Retryer is the retry policy of the store's S3 client: the SDK's standard retryer (503
// SlowDown, 500, throttling and connection errors, with exponential backoff and jitter) with
// ten attempts instead of three, no client-wide retry quota, and retries of responses whose
// body was cut short. opts adjust it as retry.NewStandard's do; tests shorten MaxBackoff.
func S3Retryer(opts ...func(*retry.StandardOptions)) aws.Retryer {
	return retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = 10
		// The default quota (500 tokens, 5 per retry) is shared by every request of the client:
		// a burst of SlowDown across a stage's thousands of requests drains it, and then fails
		// requests that one more attempt would have carried.
		o.RateLimiter = ratelimit.None
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(cutShort))
	}}, opts...)...)
}

// cutShort makes a response body that ended before its Content-Length (a List page, an error
// document) retryable; an object's body cut short is resumed by Get instead.
func cutShort(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

func (s *S3) String() string { return "s3://" + s.bucket + "/" + s.prefix }

func (s *S3) key(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// mapErr turns S3's not-found and precondition answers into the store's sentinels.
func mapErr(op, key string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
		case "PreconditionFailed", "ConditionalRequestConflict":
			return fmt.Errorf("%s %s: %w", op, key, ErrExists)
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
		case http.StatusPreconditionFailed, http.StatusConflict:
			return fmt.Errorf("%s %s: %w", op, key, ErrExists)
		}
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, mapErr("get", key, err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return &resumingBody{s: s, ctx: ctx, key: key, k: k, etag: out.ETag, size: size, body: out.Body}, nil
}

// maxResumes bounds how often one Get reopens a body cut short.
const maxResumes = 10

// resumingBody is an object's body that survives the connection breaking mid-body: the SDK
// retries a request until it has the response's headers, but a body cut short after that
// reaches the reader as an error (or, without a Content-Length check, as a short object). It
// reads on from where it stopped with a ranged GET of the same version (If-Match its ETag).
type resumingBody struct {
	s       *S3
	ctx     context.Context
	key, k  string
	etag    *string
	size    int64 // Content-Length; -1 if the server gave none
	read    int64
	resumes int
	body    io.ReadCloser
	err     error // sticky, once a resume failed
}

func (b *resumingBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for {
		n, err := b.body.Read(p)
		b.read += int64(n)
		switch {
		case err == nil:
			return n, nil
		case b.size >= 0 && b.read > b.size:
			b.err = fmt.Errorf("read %s: %d bytes, more than its Content-Length %d", b.key, b.read, b.size)
			return n, b.err
		case err == io.EOF && (b.read == b.size || b.size < 0):
			return n, io.EOF
		case b.read == b.size || b.ctx.Err() != nil:
			// All of it and an error (the SDK's checksum check), or the caller gave up.
			return n, fmt.Errorf("read %s: %w", b.key, err)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if b.resumes >= maxResumes {
			b.err = fmt.Errorf("read %s: cut short after %d of %d bytes %d times: %w", b.key, b.read, b.size, b.resumes+1, err)
			return n, b.err
		}
		if b.err = b.resume(err); b.err != nil {
			return n, b.err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// resume replaces the broken body with the rest of the object.
func (b *resumingBody) resume(cause error) error {
	b.body.Close()
	b.resumes++
	out, err := b.s.client.GetObject(b.ctx, &s3.GetObjectInput{
		Bucket: &b.s.bucket, Key: &b.k, IfMatch: b.etag,
		Range: aws.String("bytes=" + strconv.FormatInt(b.read, 10) + "-"),
	})
	if err != nil {
		b.body = http.NoBody
		if err = mapErr("get", b.key, err); errors.Is(err, ErrExists) { // 412: If-Match failed
			return fmt.Errorf("read %s: cut short after %d bytes, and the object changed since", b.key, b.read)
		}
		return fmt.Errorf("read %s: cut short after %d bytes (%v); reading on: %w", b.key, b.read, cause, err)
	}
	if want := b.size - b.read; b.size >= 0 && out.ContentLength != nil && *out.ContentLength != want {
		out.Body.Close()
		b.body = http.NoBody
		return fmt.Errorf("read %s: cut short after %d bytes; reading on got %d bytes, want %d", b.key, b.read, *out.ContentLength, want)
	}
	b.body = out.Body
	return nil
}

func (b *resumingBody) Close() error { return b.body.Close() }

func (s *S3) Put(ctx context.Context, key string, r io.Reader) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	_, err = s.uploader.Upload(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: r})
	if err != nil {
		return mapErr("put", key, err)
	}
	return nil
}

// PutIfAbsent uses S3's conditional write (If-None-Match: *). Its objects are ledger
// records, small enough to buffer, which a single signed PUT over plain HTTP needs.
//
// When the answer to a write that succeeded is lost (a reset, a 500 after the write), the
// retry finds the object there and PutIfAbsent returns ErrExists although the object is the
// caller's own: a caller that must know whose it is writes a token into it and reads it back
// (the send ledger does).
func (s *S3) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &k, Body: bytes.NewReader(b),
		IfNoneMatch: aws.String("*"),
	})
	if err != nil {
		return mapErr("put", key, err)
	}
	return nil
}

func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	k, err := s.key(key)
	if err != nil {
		return Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return Info{}, mapErr("stat", key, err)
	}
	info := Info{Key: key, Size: aws.ToInt64(out.ContentLength)}
	if out.LastModified != nil {
		info.ModTime = out.LastModified.UTC()
	}
	return info, nil
}

func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	p := s.prefix + prefix
	var out []Info
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &p})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.bucket, p, err)
		}
		for _, o := range page.Contents {
			info := Info{Key: strings.TrimPrefix(aws.ToString(o.Key), s.prefix), Size: aws.ToInt64(o.Size)}
			if o.LastModified != nil {
				info.ModTime = o.LastModified.UTC()
			}
			out = append(out, info)
		}
	}
	return out, nil // S3 lists in UTF-8 binary order, which is Go's string order.
}

func (s *S3) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k}); err != nil {
		if errors.Is(mapErr("delete", key, err), ErrNotFound) {
			return nil
		}
		return mapErr("delete", key, err)
	}
	return nil
}
