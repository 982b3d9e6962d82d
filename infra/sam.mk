# Targets `sam build` calls for template.yaml functions with `BuildMethod: makefile`; the root
# Makefile includes this file. SAM sets ARTIFACTS_DIR. Building the whole module (not just
# CodeUri, which SAM's Go builder hashes) means changes under shared/ are built too.

# LAMBDA_GOARCH: the template's arm64; functions/runtime_test.go builds for the test machine.
LAMBDA_GOARCH ?= arm64
SAM_GO_BUILD = GOOS=linux GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 go build -trimpath -tags lambda.norpc -ldflags='-s -w'

.PHONY: build-IngestFunction build-ScoreFunction build-KpiFunction build-ReportFunction sam-artifacts-dir

# Without ARTIFACTS_DIR the binary would land at /bootstrap.
sam-artifacts-dir:
	@test -n "$(ARTIFACTS_DIR)" || { echo 'ARTIFACTS_DIR is not set: sam build sets it' >&2; exit 1; }

build-IngestFunction: sam-artifacts-dir
	$(SAM_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/ingest

build-ScoreFunction: sam-artifacts-dir
	$(SAM_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/score

build-KpiFunction: sam-artifacts-dir
	$(SAM_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/kpi

build-ReportFunction: sam-artifacts-dir
	$(SAM_GO_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/report
