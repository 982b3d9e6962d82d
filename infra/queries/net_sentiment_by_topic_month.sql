-- Net sentiment (share positive minus share negative) by primary topic and month.
-- A fiscal quarter is its three months: add their positive, negative and n.
SELECT
  month,
  primary_topic AS topic,
  COUNT(*) AS n,
  SUM(CASE WHEN sentiment_label = 'positive' THEN 1 ELSE 0 END) AS positive,
  SUM(CASE WHEN sentiment_label = 'negative' THEN 1 ELSE 0 END) AS negative,
  ROUND(
    CAST(SUM(CASE WHEN sentiment_label = 'positive' THEN 1
                  WHEN sentiment_label = 'negative' THEN -1
                  ELSE 0 END) AS DOUBLE) / COUNT(*),
    3) AS net_sentiment
FROM scored_feedback
WHERE primary_topic IS NOT NULL
GROUP BY month, primary_topic
ORDER BY month DESC, n DESC, topic
