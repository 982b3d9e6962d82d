# CivicPulse: the front door. `make demo` runs the sample city end to end on this machine;
# `make test` starts the test servers and runs every test.
GO      ?= go
PKGS    := ./...
STORE   ?= ./demo

.PHONY: demo test test-go check fuzz fmt vet lint eval golden bench bench-go build clean

demo: ## generate the sample city and run every stage on ./demo
	$(GO) run ./cmd/civicpulse demo --store $(STORE)

test: ## vet, then every test with the race detector, with the test servers up
	.ci/with-servers $(MAKE) --no-print-directory test-go

test-go: check fuzz
	@# Allocation tests skip under -race (sync.Pool drops items there): run them without it.
	$(GO) test -count=1 -run 'DoesNotAllocate|AllocatesTwiceNotMore' ./shared/score/sentiment ./shared/score
	@# 50 demo pipelines through the S3 fault proxy: built without -race, which would multiply its time.
	$(GO) test -count=1 -run '^TestFaults$$' ./shared/pipeline
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

FUZZTIME ?= 2s
fuzz: ## every fuzz target, one at a time, for a short while (make test runs it; FUZZTIME=60s for a real session)
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

check: ## formatting and vet
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

lint: check ## staticcheck, when installed
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); else echo "staticcheck not installed: go install honnef.co/go/tools/cmd/staticcheck@latest"; fi

eval: ## scorer figures on human-labelled data: sentiment r and F1, topic macro-F1, abstain rate
	$(GO) test -count=1 -run 'TestEval' -v ./shared/score

golden: ## rewrite the report and email golden files (the demo city's too); review the diff
	$(GO) test -count=1 -run 'Golden' ./shared/report ./shared/mail ./shared/pipeline -update

SIZES ?= 100k 1M
bench: ## records/s per core and peak RSS of every stage on generated quarters (SIZES="100k 1M 10M")
	$(GO) run ./cmd/civicpulse bench --sizes "$(SIZES)"

bench-go: ## go test benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem ./shared/...

build: ## the four Lambda bootstraps for this machine, in ./bin/<function>/bootstrap
	@for f in ingest score kpi report; do \
	  CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -o bin/$$f/bootstrap ./functions/$$f || exit 1; done

clean:
	rm -rf bin demo .aws-sam

-include infra/sam.mk
