-- Every fiscal quarter's KPIs against their targets, newest quarter first.
SELECT
  quarter,
  kpi_id,
  label,
  value,
  ci_low,
  ci_high,
  n,
  target,
  status,
  change,
  change_significant,
  owner
FROM kpis
ORDER BY quarter DESC, kpi_id
