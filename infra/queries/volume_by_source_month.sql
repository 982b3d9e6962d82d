-- Feedback records and distinct contributors (keyed author hashes) by source,
-- channel and month.
SELECT
  source,
  month,
  channel,
  COUNT(*) AS n,
  COUNT(DISTINCT author_key) AS contributors
FROM feedback
GROUP BY source, month, channel
ORDER BY month DESC, source, channel
