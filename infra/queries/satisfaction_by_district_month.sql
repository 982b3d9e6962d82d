-- Survey-weighted share of residents in the top two boxes of the satisfaction
-- question, by district and month.
SELECT
  month,
  COALESCE(district, 'unknown') AS district,
  COUNT(*) AS answers,
  ROUND(SUM(weight), 1) AS weighted_answers,
  ROUND(
    SUM(CASE WHEN answer_value >= scale_max - 1 THEN weight ELSE 0 END) / SUM(weight),
    3) AS satisfied_share
FROM survey_answers
WHERE question_id = 'satisfaction'
  AND answer_value IS NOT NULL
  AND scale_max IS NOT NULL
  AND weight > 0
GROUP BY month, COALESCE(district, 'unknown')
ORDER BY month DESC, district
