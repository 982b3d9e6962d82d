-- The topics residents were most negative about between two months, both included: for a
-- quarter, its first and last month (yyyy-MM). Athena asks for the two values when the saved
-- query runs (execution parameters).
SELECT
  primary_topic AS topic,
  COUNT(*) AS n,
  SUM(CASE WHEN sentiment_label = 'negative' THEN 1 ELSE 0 END) AS negative,
  ROUND(
    CAST(SUM(CASE WHEN sentiment_label = 'negative' THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*),
    3) AS negative_share
FROM scored_feedback
WHERE month BETWEEN ? AND ?
  AND primary_topic IS NOT NULL
GROUP BY primary_topic
ORDER BY negative DESC, topic
LIMIT 10
