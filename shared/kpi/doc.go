// Package kpi computes a quarter's performance-management KPIs from scored feedback and
// survey answers: values with 95% intervals, change from the previous quarter with a
// significance test, the same quarter a year ago, an eight-quarter trend and status against
// the target. Quarters are fiscal quarters in the city's time zone.
package kpi
