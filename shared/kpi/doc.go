// Package kpi computes a quarter's performance-management KPIs from scored feedback and
// survey answers: values with 95% intervals, change from the previous quarter with a
// significance test, the same quarter a year ago, an eight-quarter trend and status against
// the target, plus the quarter's topics, emerging keyphrases and representative quotes.
// Quarters are fiscal quarters in the city's time zone.
//
// # Kinds, their estimates and their change tests (two-sided, p < 0.05)
//
//   - net_sentiment: mean of a variable that is +1 (positive), 0 or -1 (negative); the
//     interval and the test are the normal ones for a mean, variance p₊ + p₋ − (p₊ − p₋)².
//     Test: z test of the difference of two independent means.
//   - volume: the count of matching records, a Poisson count. Interval: ±z·√n. Test: given the
//     two quarters' total, this quarter's count is Binomial(total, ½) under equal rates: the
//     conditional binomial test, in its normal approximation (a−b)/√(a+b).
//   - share_of_voice: matching records over all records of the quarter. Wald interval. Test:
//     two-proportion z test with the pooled proportion.
//   - satisfaction: top-two-box share of a rating question, weighted by raked survey weights.
//     Interval from the Kish effective sample size (Σw)²/Σw². Test: z test of two weighted
//     proportions with those effective sizes.
//   - nps: weighted share of 9–10 minus share of 0–6 on a 0–10 question: a multinomial
//     estimate of the mean of a +1/0/−1 variable, with Kish n_eff. Test: z test of the
//     difference of two such estimates.
//   - unique_contributors: distinct author keys, treated as a Poisson count (interval ±z·√u,
//     test as for volume): the number of residents heard from is a count of rare events in a
//     large population.
//   - time_to_close: median days from created_at to closed_at of service requests (closed,
//     and not closed before opened), p90 beside it; both are DuckDB's quantile_cont, so SQL
//     recomputes them exactly. Interval: the distribution-free order-statistic interval of the
//     median. Test: Mood's median test (a 2×2 chi-square of values above the pooled median):
//     it tests the statistic we report, needs no distribution, is robust to the long right
//     tail of close times and is deterministic, unlike a bootstrap.
//
// Status is no_data below the KPI's min_n, at_risk when the interval straddles the target,
// otherwise met or missed in the KPI's direction.
//
// # Survey weighting
//
// Survey responses are raked (iterative proportional fitting) to the population margins of
// the city config, each survey apart in each quarter, in the KPI stage, and trimmed at a
// multiple of the mean weight (Rake; the ingest stage may call it too). The weight column of
// survey_answers is the base weight raking starts from. The KPI stage assembles responses in
// bounded memory (spilling to temporary files past a few megabytes) and rakes cells of
// respondents it cannot tell apart, with their counts (RakeCells).
//
// # Streaming and merging
//
// A Computer is the partial aggregate of any subset of the rows: integer counts, sets of
// hashed author keys, lists of durations and survey responses keyed by id, and bounded lists
// of quote candidates. Computers of disjoint partitions Merge into exactly the single-pass
// result, because every floating-point sum is taken at the end over data in a fixed order.
//
// # Memory
//
// What grows with the input is kept exactly, in bounded memory: survey responses, keyphrase
// counts and close times stay in memory up to a limit each (1 MB of responses, 1 MB of
// phrase counts, 4M close times a partial) and past it are written as sorted runs to
// temporary files (package spill) that are merged when the figures are read. Author hashes
// are partitioned by hash (16 ways, 2 MB of tables in all, about 200,000 hashes): a partition
// that does not fit goes to a file of its own and is counted alone when the figures are read
// (authors.go). A city of the demo's size never touches the disk; Close releases the files
// of one that did.
package kpi
