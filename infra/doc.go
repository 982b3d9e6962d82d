// Package infra holds what deploys CivicPulse besides template.yaml at the repository root:
// the `sam build` targets (sam.mk), the Athena named queries as SQL files (queries/), the
// offline SAM transform (sam_translate.py) and the tests that hold the template to its
// promises: cfn-lint clean, least-privilege S3 access per stage, Glue tables equal to the
// Parquet schema of shared/table, named queries equal to the SQL files, and sample events in
// the shapes AWS sends.
package infra
