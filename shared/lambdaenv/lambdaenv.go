// Package lambdaenv builds, once per cold start, what every CivicPulse Lambda function needs
// from its environment: a JSON logger, the store, and the name of the city config. Functions'
// main.go files call it and nothing else decides configuration.
//
// Environment:
//
//	CIVICPULSE_STORE    s3://bucket/prefix (or a directory, for tests)
//	CIVICPULSE_CONFIG   key of city.yaml in the store (default config/city.yaml)
//	LOG_LEVEL           debug, info, warn or error (default info)
//
// Load also gives the Go garbage collector a soft memory limit of 85% of the function's
// memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, set by Lambda) unless GOMEMLIMIT is set: near the
// limit the collector runs more often rather than let the heap double past what the function
// has, which Lambda would end with an out-of-memory error.
package lambdaenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/civicpulse/civicpulse/shared/pipeline"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Env is a function's environment, read once.
type Env struct {
	Logger    *slog.Logger
	Store     store.Store
	ConfigKey string
}

// Load reads the environment. getenv is os.Getenv in production.
func Load(ctx context.Context, getenv func(string) string, logOut io.Writer) (*Env, error) {
	log := NewLogger(logOut, getenv("LOG_LEVEL"))
	if limit, ok := MemoryLimit(getenv); ok {
		debug.SetMemoryLimit(limit)
		log.Debug("memory limit set", "bytes", limit)
	}
	loc := getenv("CIVICPULSE_STORE")
	if loc == "" {
		return nil, fmt.Errorf("CIVICPULSE_STORE is not set: want s3://bucket/prefix")
	}
	st, err := store.Open(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", loc, err)
	}
	key := getenv("CIVICPULSE_CONFIG")
	if key == "" {
		key = pipeline.ConfigKey
	}
	return &Env{Logger: log, Store: st, ConfigKey: key}, nil
}

// NewLogger returns a JSON logger at a level named as in LOG_LEVEL.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// MemoryLimit is the soft memory limit Load sets: 85% of AWS_LAMBDA_FUNCTION_MEMORY_SIZE
// (MiB); ok is false when GOMEMLIMIT is set (the runtime has read it) or the size is missing
// or unreadable.
func MemoryLimit(getenv func(string) string) (limit int64, ok bool) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	mb, err := strconv.ParseInt(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), 10, 64)
	if err != nil || mb <= 0 {
		return 0, false
	}
	return mb << 20 * 85 / 100, true
}

// Secret reads a secret string from Secrets Manager by name.
func Secret(ctx context.Context, name string) ([]byte, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	if out.SecretString != nil {
		return []byte(*out.SecretString), nil
	}
	return out.SecretBinary, nil
}

// AuthorKey is the city's author-hashing secret: the Secrets Manager secret named by
// CIVICPULSE_AUTHOR_KEY_SECRET, or CIVICPULSE_AUTHOR_KEY itself (tests, local runs).
func AuthorKey(ctx context.Context, getenv func(string) string) ([]byte, error) {
	if name := getenv("CIVICPULSE_AUTHOR_KEY_SECRET"); name != "" {
		return Secret(ctx, name)
	}
	if k := getenv("CIVICPULSE_AUTHOR_KEY"); k != "" {
		return []byte(k), nil
	}
	return nil, fmt.Errorf("neither CIVICPULSE_AUTHOR_KEY_SECRET nor CIVICPULSE_AUTHOR_KEY is set: authors cannot be hashed")
}

// Getenv is os.Getenv, named for main.go files.
var Getenv = os.Getenv
