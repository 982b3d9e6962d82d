// Package sample generates Springfield, the sample city of the demo: its city.yaml and eight
// quarters of resident feedback as vendors export it (SurveyMonkey CSV and X API v2 search
// pages), deterministically from a seed, with trends built in.
//
// [Generate] is pure: no I/O, no clock, no global state. The same seed gives the same bytes.
// It covers 2024-10-01 to 2026-09-30 in Springfield time (America/Chicago), fiscal quarters
// FY2025 Q2 to FY2027 Q1 (the fiscal year starts in July). Keys are relative to the data bucket:
//
//	city.yaml                                                       CityYAML
//	inbox/resident_survey/springfield-resident-survey-FY2025-Q2.csv one SurveyMonkey export per quarter, ~250–330 responses
//	inbox/twitter/search-2024-10-01-p001.json                       one X API v2 search response per file:
//	                                                                a batch per calendar month, 100 posts a page,
//	                                                                newest first, next_token on all but the last page
//
// Residents write about the topics of the default taxonomy (roads and potholes, sanitation,
// parks, public_safety, homelessness, housing, transit, water, noise, city_services) and the
// city's own snow topic, in words the taxonomy's keywords find, and with the sentiment a lexicon
// scorer reads; about one text in seven is general chatter with no topic. Built-in trends:
//
//   - homelessness: the negative share falls from ~75% in the first quarter to ~35% in the last;
//   - potholes: FY2026 Q3 (January–March 2026) has about 2.5 times the roads volume of the
//     other quarters (over 4 times the pothole mentions), mostly negative;
//   - snow: only in the winter quarters (late November to mid-March);
//   - survey satisfaction (Very satisfied + Satisfied) rises from ~52% to ~63%, and the 0–10
//     recommend answer moves with it;
//   - volume grows quarter to quarter (the spike quarter aside); Downtown and Northside answer
//     the survey most.
//
// About 3–4% of texts carry personal data for redaction to remove: e-mail addresses, 217-555-01xx
// phone numbers, street addresses with house numbers, and @handles of private persons (replies
// to neighbors). Mentions of the city's accounts (@SpringfieldCity, @SpfldPublicWorks,
// @Spfld311, @SpfldTransit, @SpfldParks, @SpringfieldPD) are public and should be kept.
//
// Four records are bad on purpose, whatever the seed, so that quarantine has work:
//
//   - springfield-resident-survey-FY2025-Q3.csv, data row 17 (file line 19): a ragged row,
//     cut after the district answer (12 fields where the header has 13);
//   - the same file, data row 42 (file line 44): StartDate and EndDate on February 30, 2025;
//   - inbox/twitter/search-2025-02-01-p002.json, data[7]: a tweet with an empty text;
//   - the same page, data[23]: created_at in the old v1.1 format, like "Wed Feb 19 02:00:26
//     +0000 2025".
//
// Everything else is valid.
package sample

import _ "embed"

// CityYAML is the sample city's config.
//
//go:embed city.yaml
var CityYAML []byte
