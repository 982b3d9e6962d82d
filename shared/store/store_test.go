package store_test

import (
	"testing"

	"github.com/civicpulse/civicpulse/shared/store"
	"github.com/civicpulse/civicpulse/shared/store/storetest"
)

func TestDir(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		d, err := store.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestS3(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return storetest.S3(t, "city/")
	})
}
