#!/usr/bin/env python3
"""Writes the hostile-input corpus of shared/ingest and its manifest, cases.tsv.

Run it here (python3 gen.py .), then rewrite README.md with
go test ./shared/ingest -run TestHostileReadme -update. Each case: file, format, bytes, good (feedback
records kept), answers (survey answers kept), bad (records quarantined), reasons (per quarantined record,
text its message holds; '*' between parts in order), keeps (text a good record holds intact), gone
(text no stored row holds: redaction), what it is, and a note on what happens. The expected figures are
written by hand, from what the program should do; known() lists the older hand-made files."""
import gzip, json, os, random, sys

out = sys.argv[1]
cases = []
def case(file, fmt, data, good, answers, bad, reasons, what, keeps="", gone="", note=""):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(reasons) == 2 and reasons[0] == "unreadable file":
        reasons = ["unreadable file*" + reasons[1]]
    elif len(reasons) == 1 and reasons[0] == "unreadable file":
        reasons = ["unreadable file"]
    assert len(reasons) == bad, file
    cases.append(dict(file=file, format=fmt, good=good, answers=answers, bad=bad,
                      reasons="|".join(reasons), keeps=keeps, gone=gone, what=what, note=note))
    with open(os.path.join(out, file), "wb") as f:
        f.write(data)

def recipe(file, fmt, head, repeat, times, tail, good, answers, bad, reasons, what, keeps="", note=""):
    r = dict(head=head, repeat=repeat, times=times, tail=tail)
    case(file, fmt, json.dumps(r, indent=1) + "\n", good, answers, bad, reasons, what, keeps, note=note)

LONG = "The potholes on Main Street have been there for months and nobody fixes them"
LONG2 = "Please add more street lights near the park entrance on Elm Avenue at night"

# ---------- SurveyMonkey ----------
SMH = ('RespondentID,CollectorID,StartDate,EndDate,What should we improve?,How satisfied are you?\r\n'
       ',,,,Open-Ended Response,Response\r\n')
def smrow(i, text, rating="Very satisfied", end="01/02/2026 03:10:00 PM"):
    return f'{i},10,01/02/2026 03:04:05 PM,{end},"{text}",{rating}\r\n'
sm2 = SMH + smrow(1, LONG) + smrow(2, LONG2, "Dissatisfied")
case("sm_utf16le_nobom.csv", "surveymonkey", sm2.encode("utf-16-le"), 2, 4, 0, [], "UTF-16 LE without a byte-order mark", keeps="Main Street")
case("sm_utf16be_nobom.csv", "surveymonkey", sm2.encode("utf-16-be"), 2, 4, 0, [], "UTF-16 BE without a byte-order mark", keeps="Elm Avenue")
case("sm_utf16le_bom_crlf.csv", "surveymonkey", b"\xff\xfe" + (SMH + smrow(1, "Caf\u00e9 na\u00efve r\u00e9sum\u00e9")).encode("utf-16-le"), 1, 2, 0, [], "UTF-16 LE with BOM, CRLF line ends", keeps="Café naïve résumé")
case("sm_latin1.csv", "surveymonkey", (SMH + smrow(1, "Stra\u00dfe \u00e0 c\u00f4t\u00e9 \u00bd price")).encode("latin-1"), 1, 2, 0, [], "ISO-8859-1 (Latin-1) bytes", keeps="Straße à côté ½ price")
case("sm_windows1252_smart_quotes.csv", "surveymonkey", (SMH + smrow(1, "\u201cfix it\u201d \u2013 now\u2026 \u20ac5")).encode("cp1252"), 1, 2, 0, [], "Windows-1252 smart quotes, en dash, euro", keeps="“fix it” – now… €5")
case("sm_overlong_utf8.csv", "surveymonkey", (SMH).encode() + b'1,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,"slash \xc0\xaf and \xe0\x80\xaf dot \xc0\xae\xc0\xae",Good\r\n', 1, 2, 0, [], "overlong UTF-8 sequences (C0 AF, E0 80 AF) for '/' and '.'", keeps="slash", note="invalid bytes read as Windows-1252 characters, never as '/' or '.'")
case("sm_surrogate_utf8.csv", "surveymonkey", SMH.encode() + b'1,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,"lone surrogate \xed\xa0\x80 here",Good\r\n', 1, 2, 0, [], "UTF-8-encoded lone surrogate (ED A0 80)", keeps="lone surrogate")
case("sm_nul_bytes.csv", "surveymonkey", (SMH + smrow(1, "nul\x00 in\x00 text ok") + smrow(2, LONG)).encode(), 2, 4, 0, [], "NUL bytes inside a field", keeps="nul in text ok", note="NULs dropped from the text")
case("sm_cr_only.csv", "surveymonkey", sm2.replace("\r\n", "\r").encode(), 2, 4, 0, [], "classic Mac line ends: CR only", keeps="Main Street")
case("sm_mixed_eol.csv", "surveymonkey", (SMH + smrow(1, LONG).replace("\r\n", "\n") + smrow(2, LONG2).replace("\r\n", "\r") + smrow(3, "third row")).encode(), 3, 6, 0, [], "CRLF, LF and lone CR line ends in one file", keeps="third row")
case("sm_dup_header.csv", "surveymonkey", ('RespondentID,EndDate,What should we improve?,What should we improve?\n,,Open-Ended Response,Open-Ended Response\n1,01/02/2026 03:10:00 PM,first answer,second answer\n'), 2, 2, 0, [], "the same question twice in the header", keeps="second answer", note="both answers parsed; same question id, so the store keeps the first")
case("sm_reordered_meta.csv", "surveymonkey", 'RespondentID,EndDate,What should we improve?,CollectorID,StartDate\n,,Open-Ended Response,,\n1,01/02/2026 03:10:00 PM,reordered columns fine,10,01/02/2026 03:04:05 PM\n', 1, 1, 0, [], "metadata columns reordered and after the questions", keeps="reordered columns fine")
case("sm_not_first_respondentid.csv", "surveymonkey", 'CollectorID,RespondentID,EndDate,Q\n,,,Open-Ended Response\n10,1,01/02/2026 03:10:00 PM,text\n', 0, 0, 1, ['unreadable file', 'not a SurveyMonkey export'], "RespondentID is not the first column")
case("sm_missing_header_row2.csv", "surveymonkey", 'RespondentID,EndDate,What should we improve?\n1,01/02/2026 03:10:00 PM,only one header row\n', 0, 0, 0, [], "second header row missing (first data row read as it)", note="nothing to ingest: the one row is read as the sub-header")
case("sm_unbalanced_quote.csv", "surveymonkey", SMH + smrow(1, LONG) + '2,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,"never closed,Good\r\n' + smrow(3, LONG2), 2, 4, 0, [], "a quote opened and never closed mid-file", keeps="Main Street", note="KNOWN LIMIT: lazy quotes run row 2's answer on to the next quote, in row 3, which is swallowed into it (CSV gives no place to resume)")
case("sm_bare_quotes.csv", "surveymonkey", SMH + '1,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,he said "fix it" twice,Good\r\n', 1, 2, 0, [], "bare quotes inside an unquoted field", keeps='he said "fix it" twice')
case("sm_ragged_extra.csv", "surveymonkey", SMH + smrow(1, LONG) + '2,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,extra,Good,surplus,more\r\n' + smrow(3, LONG2), 2, 4, 1, [':4: ragged row: 8 fields, header has 6'], "a row with more fields than the header", keeps="Elm Avenue")
case("sm_truncated_mid_field.csv", "surveymonkey", SMH + smrow(1, LONG) + '2,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,"cut in the mid', 1, 2, 1, [':4: ragged row'], "file cut in the middle of a quoted field", keeps="Main Street")
case("sm_bad_dates.csv", "surveymonkey", SMH + smrow(1, LONG, end="02/30/2026 03:10:00 PM") + smrow(2, LONG2, end="yesterday") + smrow(3, "ok row", end="13/01/2026 03:10:00 PM") + smrow(4, "good row"), 1, 2, 3, [':3 field "EndDate": bad date', ':4 field "EndDate": bad date', ':5 field "EndDate": bad date'], "invalid dates: Feb 30, 'yesterday', month 13", keeps="good row")
case("sm_iso_zoned_date.csv", "surveymonkey", SMH + smrow(1, LONG, end="2026-01-02T15:10:00Z") + smrow(2, LONG2, end="2026-01-02T15:10:00-06:00"), 2, 4, 0, [], "ISO 8601 dates with a zone (Z, -06:00)", keeps="Main Street")
case("sm_future_ancient.csv", "surveymonkey", SMH + smrow(1, "from the future", end="12/31/2999 11:59:59 PM") + smrow(2, "from the past", end="01/01/1900 12:00:00 AM"), 1, 2, 1, [':3 field "EndDate": bad date*out of range'], "dates in 2999 and 1900", keeps="from the past", note="years 1900 to 2199 are kept; later ones the lake could not store")
case("sm_no_dates.csv", "surveymonkey", 'RespondentID,What should we improve?\n,Open-Ended Response\n1,export made without date columns\n', 1, 1, 0, [], "export without StartDate/EndDate columns", keeps="without date columns", note="dated at ingest time")
case("sm_only_bom.csv", "surveymonkey", b"\xef\xbb\xbf", 0, 0, 1, ['unreadable file', 'empty file'], "a UTF-8 byte-order mark and nothing else")
case("sm_only_bom_utf16.csv", "surveymonkey", b"\xff\xfe", 0, 0, 1, ['unreadable file', 'empty file'], "a UTF-16 byte-order mark and nothing else")
case("sm_gzip.csv", "surveymonkey", gzip.compress(sm2.encode(), mtime=0), 0, 0, 1, ['unreadable file', 'not a SurveyMonkey export'], "a gzip file in place of the CSV")
random.seed(7)
garbage = bytes(random.getrandbits(8) for _ in range(2048))
case("sm_binary_garbage.csv", "surveymonkey", garbage, 0, 0, 1, ['unreadable file'], "2 KB of random bytes")
case("sm_blank_lines.csv", "surveymonkey", SMH + "\r\n\r\n,,,,,\r\n" + smrow(1, LONG) + "\r\n   \r\n" + smrow(2, LONG2) + "\r\n\r\n", 2, 4, 0, [], "blank and all-empty rows between records", keeps="Elm Avenue")
case("sm_empty_answers.csv", "surveymonkey", SMH + '1,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,,\r\n' + smrow(2, LONG), 1, 2, 0, [], "a respondent who answered nothing", keeps="Main Street", note="the empty response has no rows to write")
case("sm_huge_number.csv", "surveymonkey", SMH + smrow(1, "rating overflows", rating="99999999999999999999999999999") + smrow(2, "rating NaN", rating="NaN"), 2, 4, 0, [], "rating answers 1e29 and NaN", keeps="rating overflows", note="kept as answer text without a value")
case("sm_html_script.csv", "surveymonkey", SMH + smrow(1, "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>") + smrow(2, "Subject: hi\r\nBcc: victim@example.org\r\n\r\nbody"), 2, 4, 0, [], "HTML/script and an e-mail header injection in answers", keeps="<script>alert(document.cookie)</script>", gone="victim@example.org", note="kept as plain text (escaped where shown); CR removed; e-mail redacted")
case("sm_formula_injection.csv", "surveymonkey", SMH + smrow(1, "=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")") + smrow(2, "+cmd|' /C calc'!A0"), 2, 4, 0, [], "spreadsheet formula injection in answers", keeps="=HYPERLINK")
case("sm_bidi_zero_width.csv", "surveymonkey", SMH + smrow(1, "pay \u202eecnanif\u202c to\u200b\u200dday\u2066 ok\u2069 \ufeffend") , 1, 2, 0, [], "bidi overrides (U+202E, U+2066) and zero-width characters", keeps="ecnanif", note="kept as written; reports and e-mails neutralize bidi controls when they show text (shared/report)")
case("sm_emoji.csv", "surveymonkey", SMH + smrow(1, "love the park \U0001F333\U0001F468\u200d\U0001F469\u200d\U0001F467 \U0001F1FA\U0001F1F8 \u2764\ufe0f"), 1, 2, 0, [], "emoji: ZWJ family, flag, variation selector", keeps="\U0001F468\u200d\U0001F469\u200d\U0001F467")
case("sm_pii.csv", "surveymonkey", SMH + smrow(1, "call me at (217) 555-0143 or jane.doe@example.com, SSN 123-45-6789"), 1, 2, 0, [], "phone, e-mail and SSN in an answer", keeps="call me at", gone="jane.doe@example.com", note="stored text redacted")
recipe("sm_1mb_field.recipe", "surveymonkey", SMH + '1,10,01/02/2026 03:04:05 PM,01/02/2026 03:10:00 PM,"', "the bus was late again. ", 45000, '",Good\r\n' + smrow(2, LONG), 2, 4, 0, [], "a 1 MB single field (generated from this recipe)", keeps="the bus was late again.")
recipe("sm_5k_rows.recipe", "surveymonkey", SMH, smrow(7, "same row", "Good"), 5000, "", 5000, 10000, 0, [], "5,000 identical rows from a 1 KB recipe (repetition bomb)", keeps="same row", note="all parsed; the store keeps one")

# ---------- Qualtrics ----------
QH = ('StartDate,EndDate,Status,RecordedDate,ResponseId,Q1,Q2_TEXT\r\n'
      'Start Date,End Date,Response Type,Recorded Date,Response ID,How satisfied are you?,What should we improve?\r\n'
      '{""ImportId"":""startDate""},{""ImportId"":""endDate""},{""ImportId"":""status""},{""ImportId"":""recordedDate""},{""ImportId"":""_recordId""},{""ImportId"":""QID1""},{""ImportId"":""QID2_TEXT""}\r\n')
QH = QH.replace('{""', '"{""').replace('""}', '""}"')
def qrow(i, text, rating="Very satisfied", rec="2026-01-02 10:05:01"):
    return f'2026-01-02 10:00:00,2026-01-02 10:05:00,IP Address,{rec},R_{i},{rating},"{text}"\r\n'
q2 = QH + qrow(1, LONG) + qrow(2, LONG2, "Dissatisfied")
case("qx_utf8bom_crlf.csv", "qualtrics", b"\xef\xbb\xbf" + q2.encode(), 2, 4, 0, [], "current export, UTF-8 BOM, CRLF", keeps="Main Street")
case("qx_utf16le.csv", "qualtrics", b"\xff\xfe" + q2.encode("utf-16-le"), 2, 4, 0, [], "UTF-16 LE with BOM", keeps="Elm Avenue")
case("qx_windows1252.csv", "qualtrics", (QH + qrow(1, "Caf\u00e9 \u2018nice\u2019")).encode("cp1252"), 1, 2, 0, [], "Windows-1252 bytes", keeps="Café ‘nice’")
case("qx_tab_separated.tsv", "qualtrics", q2.replace(",", "\t").encode("utf-16"), 0, 0, 1, ['unreadable file', 'no ResponseId column'], "Excel 'Unicode Text' save: UTF-16 and tab-separated", note="not a CSV: the file is refused whole, named in the quarantine")
case("qx_legacy.csv", "qualtrics", 'V1,V2,V8,Q1,Q2\r\nResponseID,ResponseSet,StartDate,How satisfied?,Comments\r\nR_1,Default,2014-01-02 10:00:00,Good,' + f'"{LONG}"\r\n', 0, 2, 0, [], "legacy export (V1.. tags, two header rows)", note="answers only: legacy exports do not mark text-entry columns")
case("qx_missing_responseid.csv", "qualtrics", q2.replace("ResponseId", "Respondent").replace("_recordId", "rid").replace("Response ID", "Respondent"), 0, 0, 1, ['unreadable file', 'no ResponseId column'], "ResponseId column missing")
case("qx_dup_columns.csv", "qualtrics", 'RecordedDate,ResponseId,Q2_TEXT,Q2_TEXT\r\nRecorded,Response ID,Say,Say\r\n"{""ImportId"":""recordedDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID2_TEXT""}","{""ImportId"":""QID2_TEXT""}"\r\n2026-01-02 10:05:01,R_1,first,second\r\n', 2, 2, 0, [], "the same text column twice", keeps="second", note="both parsed; same id, the store keeps the first")
case("qx_importid_broken.csv", "qualtrics", QH.replace('""QID2_TEXT""}', '""QID2_TEXT""') + qrow(1, LONG), 1, 2, 0, [], "a malformed {\"ImportId\"} cell in the third header row", keeps="Main Street", note="that column falls back to its export tag")
case("qx_bad_dates.csv", "qualtrics", QH + qrow(1, "month 13", rec="2026-13-45 25:61:00") + qrow(2, "words", rec="last tuesday") + qrow(3, "rfc3339 with zone", rec="2026-01-02T10:05:01+05:30") + qrow(4, "slashes", rec="1/2/26 10:05"), 2, 4, 2, [':4 field "RecordedDate": bad date', ':5 field "RecordedDate": bad date'], "RecordedDate: month 13, words, RFC 3339 with zone, short US form", keeps="rfc3339 with zone")
case("qx_recorded_empty.csv", "qualtrics", QH + qrow(1, "falls back to EndDate", rec=""), 1, 2, 0, [], "empty RecordedDate", keeps="falls back to EndDate", note="EndDate used")
case("qx_ragged_truncated.csv", "qualtrics", QH + qrow(1, LONG) + '2026-01-02 10:00:00,2026-01-02 10:05:00,IP Address,2026-01-02 10:05:01,R_2,Good\r\n' + qrow(3, LONG2) + '2026-01-02 10:00:00,2026-01-02 10:0', 2, 4, 2, [':5: ragged row', ':7: ragged row'], "a short row and a file cut mid-row", keeps="Elm Avenue")
case("qx_missing_id.csv", "qualtrics", QH + qrow(1, LONG).replace("R_1", "  "), 0, 0, 1, [':4 field "ResponseId": missing id'], "blank ResponseId")
case("qx_only_headers.csv", "qualtrics", QH, 0, 0, 0, [], "three header rows and no responses")
case("qx_rtl_emoji.csv", "qualtrics", QH + qrow(1, "\u0627\u0644\u062d\u062f\u064a\u0642\u0629 \u062c\u0645\u064a\u0644\u0629 \U0001F33B") + qrow(2, "\u05d4\u05e4\u05d0\u05e8\u05e7 \u05e0\u05e7\u05d9"), 2, 4, 0, [], "Arabic and Hebrew text with emoji", keeps="الحديقة جميلة")
case("qx_topics_column.csv", "qualtrics", 'RecordedDate,ResponseId,Q2_TEXT,Q2_TEXT - Topics\r\nRecorded,Response ID,Say,Say - Topics\r\n"{""ImportId"":""recordedDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID2_TEXT""}","{""ImportId"":""QID2_TEXT_TOPICS""}"\r\n2026-01-02 10:05:01,R_1,the text,Roads\r\n', 1, 1, 0, [], "Text iQ topics column", keeps="the text", note="topics column ignored")
case("qx_gzip.csv", "qualtrics", gzip.compress(q2.encode(), mtime=0), 0, 0, 1, ['unreadable file'], "gzip bytes in place of the CSV")
case("qx_nul_and_controls.csv", "qualtrics", QH + qrow(1, "bell\x07 esc\x1b[31m red\x00 nul"), 1, 2, 0, [], "NUL, BEL and ANSI escape codes in text", keeps="bell esc[31m red nul")
case("qx_pii_metadata.csv", "qualtrics", 'RecordedDate,ResponseId,RecipientEmail,IPAddress,LocationLatitude,Q2_TEXT\r\nRecorded,Response ID,Email,IP,Lat,Say\r\n"{""ImportId"":""recordedDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""recipientEmail""}","{""ImportId"":""ipAddress""}","{""ImportId"":""locationLatitude""}","{""ImportId"":""QID2_TEXT""}"\r\n2026-01-02 10:05:01,R_1,bob@example.net,203.0.113.9,41.88,the text\r\n', 1, 1, 0, [], "respondent e-mail, IP and location columns", keeps="the text", gone="bob@example.net", note="metadata never stored")

# ---------- Google Forms ----------
GH = '"Timestamp","What should the city improve?","How satisfied are you?"\r\n'
def grow(ts, text, rating="Very satisfied"):
    return f'"{ts}","{text}","{rating}"\r\n'
g2 = GH + grow("2024/05/01 1:00:00 PM PDT", LONG) + grow("2024/05/01 1:00:01 PM PDT", LONG2, "Poor")
case("gf_utf16le_bom.csv", "googleforms", b"\xff\xfe" + g2.encode("utf-16-le"), 2, 4, 0, [], "UTF-16 LE with BOM", keeps="Main Street")
case("gf_windows1252.csv", "googleforms", (GH + grow("2024/05/01 1:00:00 PM PDT", "Caf\u00e9 \u201cgood\u201d and the new bike lanes are really wonderful")).encode("cp1252"), 1, 2, 0, [], "Windows-1252 bytes", keeps="Café “good”")
case("gf_zones.csv", "googleforms", GH + grow("2024/05/01 1:00:00 PM GMT+5:30", LONG) + grow("2024/05/01 1:00:00 PM GMT-6", LONG2) + grow("2024/05/01 1:00:00 PM -0600", "minus zero six hundred zone is read fine by the parser") + grow("2024/05/01 1:00:00 PM CEST", "central european summer time is a known abbreviation here") + grow("2024/05/01 1:00:00 PM XYZT", "unknown zone abbreviation") + grow("2024/05/01 1:00:00 PM GMT+25", "zone beyond fourteen hours"), 4, 8, 2, [':6 field "Timestamp": bad date', ':7 field "Timestamp": bad date'], "time zones: GMT+5:30, GMT-6, -0600, CEST, unknown XYZT, GMT+25", keeps="Main Street")
case("gf_date_forms.csv", "googleforms", GH + grow("2024-05-01T13:00:00Z", LONG) + grow("01.05.2024 13:00:00", LONG2) + grow("5/1/2024 13:00:00", "US month first form, read in the city's zone") + grow("2024/02/30 1:00:00 PM PDT", "february thirtieth does not exist at all") + grow("1700000000", "a unix epoch number instead of a date"), 3, 6, 2, [':5 field "Timestamp": bad date', ':6 field "Timestamp": bad date'], "RFC 3339, dd.mm.yyyy, m/d/yyyy, Feb 30, a Unix epoch number", keeps="Main Street")
case("gf_dmy_ambiguous.csv", "googleforms", GH + grow("13/05/2024 13:00:00", "a British export writes day first so this is the 13th of May") + grow("02/05/2024 13:00:00", LONG), 1, 2, 1, [':2 field "Timestamp": bad date'], "day-first dates (UK locale): 13/05/2024, 02/05/2024", keeps="Main Street", note="13/05 quarantined; 02/05 read as February 5 (locale not knowable from the file)")
case("gf_future_ancient.csv", "googleforms", GH + grow("2999/12/31 11:59:59 PM PST", LONG) + grow("1900/01/01 12:00:00 AM PST", LONG2), 1, 2, 1, [':2 field "Timestamp": bad date*out of range'], "timestamps in 2999 and 1900", keeps="Elm Avenue", note="2999 is out of range (years 1900 to 2199)")
case("gf_multiline_then_bad.csv", "googleforms", GH + grow("2024/05/01 1:00:00 PM PDT", "line one of the answer\r\nline two\r\nline three, with more words in it") + grow("not a time", "x") + grow("2024/05/01 1:00:02 PM PDT", LONG2), 2, 4, 1, [':5 field "Timestamp": bad date'], "a three-line answer, then a bad row: the line number must count the embedded newlines", keeps="line one of the answer\nline two")
case("gf_dup_rows.csv", "googleforms", GH + grow("2024/05/01 1:00:00 PM PDT", LONG) + grow("2024/05/01 1:00:00 PM PDT", LONG), 2, 4, 0, [], "the same response twice", keeps="Main Street", note="same row hash: the store keeps one")
case("gf_no_timestamp.csv", "googleforms", '"When","Q"\r\n"2024/05/01 1:00:00 PM PDT","x"\r\n', 0, 0, 1, ['unreadable file', 'not a Google Forms export'], "first column is not Timestamp")
case("gf_short_answers.csv", "googleforms", GH + grow("2024/05/01 1:00:00 PM PDT", "ok") + grow("2024/05/01 1:00:01 PM PDT", "fine"), 0, 4, 0, [], "only short answers: no column reads as free text", note="answers only, no feedback")
case("gf_email_column.csv", "googleforms", '"Timestamp","Email Address","What should the city improve?"\r\n' + '"2024/05/01 1:00:00 PM PDT","resident@example.com","' + LONG + '"\r\n', 1, 1, 0, [], "the Email Address column of a form that collects e-mails", keeps="Main Street", gone="resident@example.com", note="the column is never stored")
case("gf_header_injection.csv", "googleforms", GH + grow("2024/05/01 1:00:00 PM PDT", "Subject: win\r\nBcc: all@example.org\r\nContent-Type: text/html\r\n\r\n<h1>hi</h1> and many more words"), 1, 2, 0, [], "e-mail header injection text with CRLFs", keeps="Subject: win\nBcc:", gone="all@example.org")
case("gf_ragged_quote.csv", "googleforms", GH + grow("2024/05/01 1:00:00 PM PDT", LONG) + '"2024/05/01 1:00:01 PM PDT","unterminated, "Good"\r\n' + grow("2024/05/01 1:00:02 PM PDT", LONG2), 2, 4, 1, [':3: ragged row'], "a quote inside a quoted field, not doubled", keeps="Elm Avenue", note="lazy quotes: the broken row runs to the next line end and is quarantined")
case("gf_gzip.csv", "googleforms", gzip.compress(g2.encode(), mtime=0), 0, 0, 1, ['unreadable file', 'not a Google Forms export'], "gzip bytes in place of the CSV")
case("gf_empty.csv", "googleforms", b"", 0, 0, 1, ['unreadable file', 'empty file'], "zero bytes")
recipe("gf_very_long_line.recipe", "googleforms", GH + '"2024/05/01 1:00:00 PM PDT","', "very long line without a newline ", 20000, '","Good"\r\n' + grow("2024/05/01 1:00:01 PM PDT", LONG2), 2, 4, 0, [], "a 660 KB line (generated)", keeps="Elm Avenue")

# ---------- generic CSV (mapping: id, created_at, text, lat, lon, category, status, closed_at) ----------
CH = "id,created_at,text,lat,lon,category,status,closed_at\n"
def crow(i, text, at="2026-01-02T10:00:00Z", lat="41.88", lon="-87.63", cat="roads", st="open", closed=""):
    return f'{i},{at},"{text}",{lat},{lon},{cat},{st},{closed}\n'
case("csv_reordered_headers.csv", "csv", "text,closed_at,status,category,lon,lat,created_at,id\n" + f'"{LONG}",,open,roads,-87.63,41.88,2026-01-02T10:00:00Z,1\n', 1, 0, 0, [], "mapped columns in another order", keeps="Main Street")
case("csv_header_case_space.csv", "csv", " ID , Created_At ,TEXT\n1,2026-01-02T10:00:00Z,header names in other case and padded\n", 1, 0, 0, [], "header names upper-case and padded with spaces", keeps="header names")
case("csv_missing_text_column.csv", "csv", "id,created_at,body\n1,2026-01-02T10:00:00Z,x\n", 0, 0, 1, ['unreadable file', 'mapped column "text" is not in the header'], "the mapped text column is missing")
case("csv_dup_header.csv", "csv", "id,created_at,text,text\n1,2026-01-02T10:00:00Z,first text,second text\n", 1, 0, 0, [], "the text column twice", keeps="first text", note="the first wins")
case("csv_bad_coords.csv", "csv", CH + crow(1, "lat 91", lat="91") + crow(2, "lat words", lat="north") + crow(3, "null island", lat="0", lon="0") + crow(4, "NaN", lat="NaN", lon="NaN") + crow(5, "overflow", lat="1e400") + crow(6, "no coords", lat="", lon="") + crow(7, "good coords"), 2, 0, 5, [':2 field "lat": bad coordinates', ':3 field "lat": bad coordinates', ':4 field "lat": bad coordinates', ':5 field "lat": bad coordinates', ':6 field "lat": bad coordinates'], "latitudes 91, 'north', 0/0, NaN, 1e400; empty", keeps="good coords")
case("csv_dates.csv", "csv", CH + crow(1, "offset +05:45", at="2026-01-02T10:00:00+05:45") + crow(2, "feb 30", at="2026-02-30") + crow(3, "year zero", at="0000-01-01") + crow(4, "far future", at="9999-12-31T23:59:59Z") + crow(5, "space zone", at="2026-01-02 10:00:00 CST") + crow(6, "no digits", at="soon") + crow(7, "closed before bad", closed="tomorrow"), 2, 0, 5, [':3 field "created_at": bad date', ':4 field "created_at": bad date*out of range', ':5 field "created_at": bad date*out of range', ':7 field "created_at": bad date', ':8 field "closed_at": bad date'], "created_at: +05:45, Feb 30, year 0, 9999, 'CST' suffix, words; closed_at words", keeps="offset +05:45")
case("csv_missing_id_empty_text.csv", "csv", CH + crow("", "no id") + crow(2, "   ") + crow(3, "fine"), 1, 0, 2, [':2 field "id": missing id', ':3 field "text": empty text'], "blank id; text of spaces", keeps="fine")
case("csv_semicolon.csv", "csv", "id;created_at;text\n1;2026-01-02T10:00:00Z;European Excel\n", 0, 0, 1, ['unreadable file', 'is not in the header'], "semicolon-separated (European Excel)", note="refused whole: the header is one column")
case("csv_utf16be_bom.csv", "csv", b"\xfe\xff" + (CH + crow(1, "\u00fcber gr\u00fcn")).encode("utf-16-be"), 1, 0, 0, [], "UTF-16 BE with BOM", keeps="über grün")
case("csv_only_bom.csv", "csv", b"\xef\xbb\xbf\r\n", 0, 0, 1, ['unreadable file', 'empty file'], "a BOM and a line end")
case("csv_gzip.csv", "csv", gzip.compress((CH + crow(1, LONG)).encode(), mtime=0), 0, 0, 1, ['unreadable file'], "gzip bytes in place of the CSV")
case("csv_html_pii.csv", "csv", CH + crow(1, "<b>bold</b> &amp; mail me: a.person@example.org +1 312 555 0199") + crow(2, "javascript:alert(1)"), 2, 0, 0, [], "HTML, an e-mail and a phone number in text", keeps="<b>bold</b>", gone="a.person@example.org")
case("csv_huge_ids.csv", "csv", CH + crow("123456789012345678901234567890123456789012345678901234567890", "a very long numeric id") + crow("-0", "minus zero id"), 2, 0, 0, [], "a 60-digit id and '-0'", keeps="very long numeric id")
case("csv_ragged_quotes.csv", "csv", CH + crow(1, "ok one") + '2,2026-01-02T10:00:00Z,"unbalanced,41.8,-87.6,roads,open,\n3,2026-01-02T10:00:00Z,swallowed,41.8,-87.6,roads,open,\n', 1, 0, 1, [':3: ragged row'], "a quote never closed on the last but one row", keeps="ok one", note="the rest of the file is one field: quarantined whole")
case("csv_crlf_cr_mix.csv", "csv", (CH + crow(1, "crlf row")).replace("\n", "\r\n") + crow(2, "cr row").replace("\n", "\r") + crow(3, "lf row"), 3, 0, 0, [], "CRLF, CR and LF line ends", keeps="cr row")
case("csv_emoji_zero_width.csv", "csv", CH + crow(1, "\U0001F6A7 road work \u200b\u200c\u2060 \U0001F3F3\ufe0f\u200d\U0001F308"), 1, 0, 0, [], "emoji and zero-width characters", keeps="\U0001F6A7 road work")
case("csv_status_case.csv", "csv", CH + crow(1, "status CLOSED", st="CLOSED", closed="2026-01-03T10:00:00Z"), 1, 0, 0, [], "status in capitals with a closed_at", keeps="status CLOSED")
case("csv_binary.csv", "csv", bytes(range(256)) * 4, 0, 0, 1, ['unreadable file'], "every byte value, four times")

# ---------- X / Twitter v2 ----------
def tw(*tweets):
    return json.dumps({"data": list(tweets), "meta": {"result_count": len(tweets)}}, ensure_ascii=False)
def t(i, text, at="2026-08-01T10:00:00.000Z", **kw):
    d = {"id": str(i), "text": text, "author_id": "9", "created_at": at}
    d.update(kw)
    return d
tw2 = tw(t(1, LONG), t(2, LONG2))
case("tw_utf16be_bom.json", "twitter", b"\xfe\xff" + tw2.encode("utf-16-be"), 2, 0, 0, [], "UTF-16 BE with BOM", keeps="Main Street")
case("tw_utf16le_nobom.json", "twitter", tw2.encode("utf-16-le"), 2, 0, 0, [], "UTF-16 LE without BOM", keeps="Elm Avenue")
case("tw_windows1252.json", "twitter", tw(t(1, "caf\u00e9 \u201cquoted\u201d")).encode("cp1252"), 1, 0, 0, [], "Windows-1252 bytes inside JSON strings", keeps="café “quoted”")
case("tw_overlong.json", "twitter", b'{"data":[{"id":"1","text":"over\xc0\xafslash \xe0\x80\xaf","created_at":"2026-08-01T10:00:00Z"}]}', 1, 0, 0, [], "overlong UTF-8 inside a JSON string", keeps="over")
case("tw_raw_nul.json", "twitter", b'{"data":[{"id":"1","text":"ok","created_at":"2026-08-01T10:00:00Z"},{"id":"2","text":"raw \x00 nul","created_at":"2026-08-01T10:00:00Z"},{"id":"3","text":"after","created_at":"2026-08-01T10:00:00Z"}]}', 1, 0, 1, ['page[0]: truncated json'], "a raw NUL byte inside a string (invalid JSON)", keeps="ok", note="tweets before the break kept; JSON gives no place to resume")
case("tw_escaped_controls.json", "twitter", '{"data":[{"id":"1","text":"nul\\u0000 bell\\u0007 lone \\ud800 pair \\ud83d\\ude00","created_at":"2026-08-01T10:00:00Z"}]}', 1, 0, 0, [], "escaped NUL/BEL, a lone surrogate and a surrogate pair", keeps="pair 😀")
case("tw_nulls.json", "twitter", '{"data":[{"id":null,"text":"no id","created_at":"2026-08-01T10:00:00Z"},{"id":"2","text":null,"created_at":"2026-08-01T10:00:00Z"},{"id":"3","text":"null date","created_at":null},{"id":"4","text":"null metrics","created_at":"2026-08-01T10:00:00Z","public_metrics":null,"geo":null}]}\n{"data":null}\n', 1, 0, 3, ['page[0].data[0] field "id": missing id', 'page[0].data[1] field "text": empty text', 'page[0].data[2] field "created_at": bad date'], "nulls for id, text, created_at, metrics, geo and data", keeps="null metrics")
case("tw_dup_keys.json", "twitter", '{"data":[{"id":"1","text":"first","text":"second wins","created_at":"2026-08-01T10:00:00Z"}],"data":[{"id":"2","text":"later data","created_at":"2026-08-01T10:00:00Z"}]}', 1, 0, 0, [], "duplicate keys in a tweet and in the page", keeps="later data", note="the last of duplicate keys wins, as encoding/json reads it")
case("tw_huge_numbers.json", "twitter", '{"data":[{"id":123456789012345678901234567890,"text":"huge numeric id","created_at":"2026-08-01T10:00:00Z"},{"id":"2","text":"metrics overflow","created_at":"2026-08-01T10:00:00Z","public_metrics":{"like_count":1e30}},{"id":"3","text":"geo strings","created_at":"2026-08-01T10:00:00Z","geo":{"coordinates":{"type":"Point","coordinates":["x","y"]}}}]}', 1, 0, 2, ['page[0].data[1] field "public_metrics.like_count"', 'page[0].data[2] field "geo.coordinates.coordinates"'], "a 30-digit numeric id, like_count 1e30, string coordinates", keeps="huge numeric id")
case("tw_dates.json", "twitter", tw(t(1, "plus fourteen", at="2026-01-01T00:00:00+14:00"), t(2, "no T", at="2026-01-01 00:00:00"), t(3, "v1 style", at="Mon Jan 02 15:04:05 +0000 2006"), t(4, "year one", at="0001-01-01T00:00:00Z"), t(5, "year 9999", at="9999-12-31T23:59:59Z"), t(6, "leap second", at="2016-12-31T23:59:60Z")), 1, 0, 5, ['page[0].data[1] field "created_at": bad date', 'page[0].data[2] field "created_at": bad date', 'page[0].data[3] field "created_at": bad date*out of range', 'page[0].data[4] field "created_at": bad date*out of range', 'page[0].data[5] field "created_at": bad date'], "created_at: +14:00, no T, v1 format, year 1, year 9999, leap second", keeps="plus fourteen")
case("tw_truncated_mid_string.json", "twitter", tw(t(1, LONG), t(2, LONG2), t(3, "cut"))[:-60], 2, 0, 1, ['page[0]: truncated json'], "cut inside the third tweet's text", keeps="Elm Avenue")
case("tw_jsonl_crlf_bad_page.jsonl", "twitter", (tw(t(1, "page one")) + "\r\n" + tw(t(2, "page two")) + "\r\n" + '{"data":"oops"}' + "\r\n" + tw(t(3, "page four")) + "\r\n"), 3, 0, 1, [':3 page[2] field "data": malformed page'], "JSONL with CRLF; the third page has data of the wrong type", keeps="page four")
case("tw_jsonl_blank_lines.jsonl", "twitter", "\n\n" + tw(t(1, "after blanks")) + "\n\n\n" + tw(t(2, "more blanks")) + "\n\n", 2, 0, 0, [], "JSONL with blank lines", keeps="more blanks")
case("tw_bom_utf8.json", "twitter", b"\xef\xbb\xbf" + tw2.encode(), 2, 0, 0, [], "UTF-8 BOM before the JSON", keeps="Main Street")
case("tw_only_bom.json", "twitter", b"\xef\xbb\xbf", 0, 0, 1, ['unreadable file', 'empty file'], "a BOM and nothing else")
case("tw_gzip.json", "twitter", gzip.compress(tw2.encode(), mtime=0), 0, 0, 1, ['page[0]: malformed json'], "gzip bytes in place of the JSON")
case("tw_html_entities.json", "twitter", tw(t(1, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; AT&amp;T")), 1, 0, 0, [], "HTML entities as the API escapes them, and a script tag", keeps="<script>alert(1)</script> &amp; AT&T")
case("tw_trailing_garbage.json", "twitter", tw2 + "\n}}garbage", 2, 0, 1, [':2 page[1]: malformed json'], "a good page, then junk", keeps="Main Street")
case("tw_array_of_pages.json", "twitter", "[" + tw2 + "]", 0, 0, 1, [':1 page[0]: malformed page'], "an array of pages instead of pages one per line", note="not the X format: quarantined whole with its reason")
case("tw_api_error.json", "twitter", '{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}', 0, 0, 0, [], "an API error body instead of a page", note="no data: nothing ingested, nothing quarantined")
case("tw_wrong_types.json", "twitter", '{"data":[{"id":"1","text":["list"],"created_at":"2026-08-01T10:00:00Z"},{"id":"2","text":42,"created_at":"2026-08-01T10:00:00Z"},{"id":{"x":1},"text":"object id","created_at":"2026-08-01T10:00:00Z"},{"id":"4","text":"fine","created_at":"2026-08-01T10:00:00Z","author_id":true}]}', 0, 0, 4, ['page[0].data[0] field "text"', 'page[0].data[1] field "text"', 'page[0].data[2] field "id"', 'page[0].data[3] field "author_id"'], "text as list and number, id as object, author_id as bool", note="each wrong field named")
case("tw_deep_nesting.json", "twitter", '{"data":[{"id":"1","text":"deep extra field","created_at":"2026-08-01T10:00:00Z","x":' + "[" * 3000 + "]" * 3000 + '}]}', 1, 0, 0, [], "3,000 nested arrays in an unknown field", keeps="deep extra field")
case("tw_too_deep.json", "twitter", "[" * 12000 + "]" * 12000, 0, 0, 1, ['page[0]: malformed json'], "12,000 nested arrays (beyond encoding/json's limit)")
case("tw_bidi_pii.json", "twitter", tw(t(1, "\u202eevil\u202c ok @someone call 312-555-0188 \U0001F600"), t(2, "email x.y@example.com")), 2, 0, 0, [], "bidi override, a mention, a phone and an e-mail", keeps="evil", gone="x.y@example.com")
recipe("tw_repetition.recipe", "twitter", '{"data":[', '{"id":"1","text":"same tweet","created_at":"2026-08-01T10:00:00Z"},', 20000, '{"id":"2","text":"last","created_at":"2026-08-01T10:00:00Z"}]}', 20001, 0, 0, [], "20,001 tweets from a 300-byte recipe, 20,000 the same", keeps="last", note="all parsed; the store keeps 2")

# ---------- Reddit ----------
def listing(*children):
    return {"kind": "Listing", "data": {"children": list(children), "after": None}}
def c1(name, body, created=1700000000, **kw):
    d = {"name": name, "body": body, "created_utc": created, "author": "someone", "link_id": "t3_p", "replies": ""}
    d.update(kw)
    return {"kind": "t1", "data": d}
def p3(name, title, selftext="", created=1700000000):
    return {"kind": "t3", "data": {"name": name, "title": title, "selftext": selftext, "created_utc": created, "score": 3, "num_comments": 1}}
rd2 = json.dumps(listing(p3("t3_a", "Potholes everywhere", LONG), c1("t1_b", LONG2)), ensure_ascii=False)
case("rd_utf16le_bom.json", "reddit", b"\xff\xfe" + rd2.encode("utf-16-le"), 2, 0, 0, [], "UTF-16 LE with BOM", keeps="Potholes everywhere")
case("rd_windows1252.json", "reddit", json.dumps(listing(c1("t1_a", "na\u00efve caf\u00e9 \u2014 ok")), ensure_ascii=False).encode("cp1252"), 1, 0, 0, [], "Windows-1252 bytes", keeps="naïve café — ok")
case("rd_nulls.json", "reddit", json.dumps(listing(c1("t1_a", None), c1("t1_b", "null date", created=None), c1("t1_c", "null replies", replies=None), {"kind": "t1", "data": None})), 1, 0, 3, ['children[0] field "data.body": empty text', 'children[1] field "data.created_utc": bad date', 'children[3] field "data.name": missing id'], "null body, created_utc, replies and data", keeps="null replies")
case("rd_created_types.json", "reddit", json.dumps(listing(c1("t1_a", "string time", created="1700000000"), c1("t1_b", "float time", created=1700000000.75), c1("t1_c", "negative", created=-5), c1("t1_d", "far future", created=1e15), c1("t1_e", "epoch zero", created=0))), 2, 0, 3, ['children[0] field "data.created_utc"', 'children[2] field "data.created_utc": bad date', 'children[3] field "data.created_utc": bad date'], "created_utc as a string, a fraction, negative, 1e15, 0", keeps="float time")
case("rd_deleted_removed.json", "reddit", json.dumps(listing(c1("t1_a", "[deleted]"), c1("t1_b", "[removed]"), c1("t1_c", "kept"))), 1, 0, 2, ['children[0] field "data.body": empty text', 'children[1] field "data.body": empty text'], "[deleted] and [removed] comments", keeps="kept")
case("rd_more_stubs.json", "reddit", json.dumps(listing(c1("t1_a", "real comment"), {"kind": "more", "data": {"count": 12, "children": ["x", "y"]}})), 1, 0, 0, [], "'more' stubs (comments not loaded)", keeps="real comment", note="skipped: not records")
case("rd_wrapped_jsonl.json", "reddit", json.dumps({"response": listing(c1("t1_a", "wrapped"))}) + "\n" + json.dumps(listing(c1("t1_b", "second line"))) + "\n", 2, 0, 0, [], "a {\"response\": ...} wrapper, then a second listing on the next line", keeps="second line")
case("rd_not_listing.json", "reddit", json.dumps({"kind": "t3", "data": {"title": "a bare post"}}) + "\n\"a string\"\n42\n", 0, 0, 3, [':1 $[0] field "kind": not a listing', ':2 $[1]: not a listing', ':3 $[2]: not a listing'], "a bare thing, a string and a number at top level")
case("rd_html_entities.json", "reddit", json.dumps(listing(c1("t1_a", "&lt;script&gt;x&lt;/script&gt; &amp;amp; fish &amp; chips"))), 1, 0, 0, [], "entity-escaped HTML in a body", keeps="<script>x</script>")
case("rd_huge_score.json", "reddit", json.dumps(listing(c1("t1_a", "score overflow", score=1e20), c1("t1_b", "fine"))), 1, 0, 1, ['children[0] field "data.score"'], "score 1e20", keeps="fine")
case("rd_truncated_tree.json", "reddit", json.dumps([listing(p3("t3_p", "post title")), listing(c1("t1_a", "top", replies=listing(c1("t1_b", "reply one"), c1("t1_c", "reply two cut"))))])[:-40], 1, 0, 1, ['$[0]: truncated json'], "a post and comment tree cut inside a reply", keeps="post title", note="the whole records before the cut are kept")
case("rd_gzip.json", "reddit", gzip.compress(rd2.encode(), mtime=0), 0, 0, 1, ['$[0]: malformed json'], "gzip bytes in place of the JSON")
case("rd_binary.json", "reddit", garbage[:512], 0, 0, 1, ['malformed json'], "512 random bytes")
case("rd_dup_keys_kind.json", "reddit", '{"kind":"Listing","data":{"children":[{"kind":"t1","kind":"t3","data":{"name":"t3_x","title":"kind twice","created_utc":1700000000}}]}}', 1, 0, 0, [], "a child with 'kind' twice", keeps="kind twice", note="the last wins")
case("rd_emoji_pii.json", "reddit", json.dumps(listing(c1("t1_a", "\U0001F621 email me at angry.person@example.com or u/someone"))), 1, 0, 0, [], "emoji, an e-mail and a username in a comment", keeps="\U0001F621", gone="angry.person@example.com")
case("rd_unsupported_kinds.json", "reddit", json.dumps(listing({"kind": "t5", "data": {"name": "t5_sub"}}, {"kind": "", "data": {}}, c1("t1_a", "ok"))), 1, 0, 2, ['children[0] field "kind": unsupported kind', 'children[1] field "kind": unsupported kind'], "subreddit (t5) and empty kinds among comments", keeps="ok")

# ---------- Facebook ----------
def fbp(*items, paging=True):
    d = {"data": list(items)}
    if paging:
        d["paging"] = {"cursors": {"before": "a", "after": "b"}}
    return d
def fi(i, msg, at="2021-07-19T05:40:42+0000", **kw):
    d = {"id": i, "message": msg, "created_time": at, "from": {"id": "u1", "name": "Jane Resident"}}
    d.update(kw)
    return d
fb2 = json.dumps(fbp(fi("p_1", LONG), fi("p_2", LONG2)), ensure_ascii=False)
case("fb_array_of_pages.json", "facebook", "[" + fb2 + "," + json.dumps(fbp(fi("p_3", "third"))) + "]", 3, 0, 0, [], "an array of pages", keeps="third")
case("fb_api_error.json", "facebook", '{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4}}', 0, 0, 1, ['$[0].error: api error'], "a Graph API error body")
case("fb_permalink_ids.json", "facebook", json.dumps(fbp({"message": "from comment_id", "created_time": "2021-07-19T05:40:42+0000", "permalink_url": "https://www.facebook.com/x/posts/1?comment_id=111"}, {"message": "from reply", "created_time": "2021-07-19T05:40:42+0000", "permalink_url": "https://www.facebook.com/x/posts/1?comment_id=111&reply_comment_id=222"}, {"message": "no id at all", "created_time": "2021-07-19T05:40:42+0000", "permalink_url": "%zz not a url"})), 2, 0, 1, ['$[0].data[2] field "id": missing id'], "comments without ids: from permalink, from reply permalink, none", keeps="from reply")
case("fb_dates.json", "facebook", json.dumps(fbp(fi("1", "graph form"), fi("2", "rfc3339", at="2021-07-19T05:40:42Z"), fi("3", "date only", at="2021-07-19"), fi("4", "unix number", at=1626673242), fi("5", "year 9999", at="9999-12-31T23:59:59+0000"))), 2, 0, 3, ['$[0].data[2] field "created_time": bad date', '$[0].data[3] field "created_time"', '$[0].data[4] field "created_time": bad date*out of range'], "created_time: Graph form, RFC 3339, date only, a Unix number, year 9999", keeps="rfc3339")
case("fb_nulls.json", "facebook", json.dumps(fbp(fi("1", None), fi("2", "null from", **{"from": None}), fi(None, "null id"), fi("4", "null comments", comments=None))), 2, 0, 2, ['$[0].data[0] field "message": empty text', '$[0].data[2] field "id": missing id'], "null message, from, id and comments", keeps="null comments")
case("fb_html_message.json", "facebook", json.dumps(fbp(fi("1", "<p>Hello <b>city</b></p>&amp;&nbsp;<script>alert(1)</script>"), fi("2", "<<<>>> not tags"))), 2, 0, 0, [], "HTML tags, entities and a script in messages", keeps="Hello", note="tags stripped, entities decoded")
case("fb_nested_comments.json", "facebook", json.dumps(fbp(fi("p1", "post", comments={"data": [fi("c1", "comment", comments={"data": [fi("r1", "reply", comments={"data": [fi("rr1", "reply to reply")]})]})]}))), 4, 0, 0, [], "post, comment, reply, reply to reply", keeps="reply to reply")
case("fb_utf16be.json", "facebook", b"\xfe\xff" + fb2.encode("utf-16-be"), 2, 0, 0, [], "UTF-16 BE with BOM", keeps="Main Street")
case("fb_truncated.json", "facebook", fb2[:-70], 1, 0, 1, ['$[0]: truncated json'], "cut inside the second post", keeps="Main Street")
case("fb_huge_counts.json", "facebook", json.dumps(fbp(fi("1", "like overflow", like_count=1e19), fi("2", "shares string", shares={"count": "many"}), fi("3", "fine", like_count=5))), 1, 0, 2, ['$[0].data[0] field "like_count"', '$[0].data[1] field "shares.count"'], "like_count 1e19, shares.count as a string", keeps="fine")
case("fb_jsonl.jsonl", "facebook", json.dumps(fbp(fi("1", "line one"))) + "\n" + json.dumps(fbp(fi("2", "line two"))) + "\n" + '{"data": 5}\n', 2, 0, 1, [':3 $[2].data field "data": malformed page'], "pages one per line; the third's data is a number", keeps="line two")
case("fb_not_a_page.json", "facebook", '"just a string"\ntrue\n', 0, 0, 2, [':1 $[0]: not a page', ':2 $[1]: not a page'], "a string and a boolean at top level")
case("fb_gzip.json", "facebook", gzip.compress(fb2.encode(), mtime=0), 0, 0, 1, ['$[0]: malformed json'], "gzip bytes in place of the JSON")
case("fb_dup_keys.json", "facebook", '{"data":[{"id":"1","message":"first","message":"second wins","created_time":"2021-07-19T05:40:42+0000"}]}', 1, 0, 0, [], "a message key twice", keeps="second wins")
case("fb_pii_bidi.json", "facebook", json.dumps(fbp(fi("1", "My number is 555-867-5309, I live at 1423 Maple Ave \u202eevil\u202c"))), 1, 0, 0, [], "a phone number, a street address and a bidi override", keeps="My number is", gone="867-5309")

# ---------- Open311 ----------
def rq(i, desc, at="2010-04-14T06:37:38-08:00", **kw):
    d = {"service_request_id": i, "status": "open", "service_name": "Pothole", "description": desc, "requested_datetime": at, "lat": 41.88, "long": -87.63}
    d.update(kw)
    return d
o2 = json.dumps([rq("1", LONG), rq("2", LONG2)])
case("o311_wrapped.json", "open311", json.dumps({"service_requests": [rq("1", LONG)]}), 1, 0, 0, [], "{\"service_requests\": [...]} wrapper", keeps="Main Street")
case("o311_single_object.json", "open311", json.dumps(rq("1", "a lone request")), 1, 0, 0, [], "a single request object, not a list", keeps="a lone request")
case("o311_coords.json", "open311", json.dumps([rq("1", "lat words", lat="north"), rq("2", "lat 91", lat=91), rq("3", "null island", lat=0, long=0), rq("4", "strings", lat="41.9", long="-87.6"), rq("5", "no coords", lat=None, long=None)]), 2, 0, 3, ['$[0][0] field "lat"', '$[0][1] field "lat": bad coordinates', '$[0][2] field "lat": bad coordinates'], "lat as words, 91, 0/0, strings, nulls", keeps="strings")
case("o311_dates.json", "open311", json.dumps([rq("1", "no colon", at="2010-04-14T06:37:38-0800"), rq("2", "fraction", at="2010-04-14T06:37:38.123-08:00"), rq("3", "space", at="2010-04-14 06:37:38-08:00"), rq("4", "date only", at="2010-04-14"), rq("5", "closed bad", status="closed", updated_datetime="later"), rq("6", "closed good", status="closed", updated_datetime="2010-04-15T06:37:38-08:00")]), 4, 0, 2, ['$[0][3] field "requested_datetime": bad date', '$[0][4] field "updated_datetime": bad date'], "W3C variants, date only, closed with a bad updated_datetime", keeps="closed good")
case("o311_no_description.json", "open311", json.dumps([rq("1", None), rq("2", "", service_name="", service_code=None), rq("3", "  ", service_name="", service_code=42)]), 2, 0, 1, ['$[0][1] field "description": empty text'], "no description: service name, nothing, numeric service code", keeps="Pothole")
case("o311_ids.json", "open311", json.dumps([rq(1, "numeric id"), rq(1e30, "huge id"), rq(True, "bool id"), rq("", "empty id")]), 2, 0, 2, ['$[0][2] field "service_request_id"', '$[0][3] field "service_request_id": missing id'], "ids as number, 1e30, bool, empty", keeps="huge id")
case("o311_html.json", "open311", json.dumps([rq("1", "<a href='javascript:alert(1)'>click</a> &lt;b&gt;")]), 1, 0, 0, [], "HTML and entities in a description", keeps="click")
case("o311_utf16le.json", "open311", b"\xff\xfe" + json.dumps([rq("1", "\u00e1rbol ca\u00eddo")], ensure_ascii=False).encode("utf-16-le"), 1, 0, 0, [], "UTF-16 LE with BOM", keeps="árbol caído")
case("o311_windows1252.json", "open311", json.dumps([rq("1", "\u2018tree\u2019 down \u2013 caf\u00e9")], ensure_ascii=False).encode("cp1252"), 1, 0, 0, [], "Windows-1252 bytes", keeps="‘tree’ down – café")
case("o311_truncated.json", "open311", o2[:-50], 1, 0, 1, ['$[0]: truncated json'], "cut inside the second request", keeps="Main Street")
case("o311_error_object.json", "open311", '{"code":403,"description":"Invalid api_key"}', 0, 0, 1, ['$[0][0] field "service_request_id": missing id'], "an error object instead of requests", note="read as a request without an id: quarantined")
case("o311_xml.json", "open311", '<?xml version="1.0" encoding="utf-8"?><service_requests><request><service_request_id>1</service_request_id></request></service_requests>', 0, 0, 1, ['$[0]: malformed json'], "GeoReport XML in a .json file")
case("o311_gzip.json", "open311", gzip.compress(o2.encode(), mtime=0), 0, 0, 1, ['$[0]: malformed json'], "gzip bytes in place of the JSON")
case("o311_empty_array.json", "open311", "[]\n[]\n", 0, 0, 0, [], "two empty request lists")
case("o311_not_list.json", "open311", '"requests"\n', 0, 0, 1, ['$[0]: not a request list'], "a string at top level")
case("o311_status_pii.json", "open311", json.dumps([rq("1", "neighbour John Smith at 12 Oak St, call 217-555-0143", status="CLOSED", updated_datetime="2010-04-15T06:37:38-08:00", address="12 Oak St")]), 1, 0, 0, [], "status in capitals; a name, an address and a phone in the description", keeps="neighbour", gone="217-555-0143")
case("o311_empty.json", "open311", b"", 0, 0, 1, ['unreadable file', 'empty file'], "zero bytes")

def known(file, fmt, good, answers, bad, reasons, what, keeps="", note=""):
    if len(reasons) == 2 and reasons[0] == "unreadable file":
        reasons = ["unreadable file*" + reasons[1]]
    assert len(reasons) == bad, file
    cases.append(dict(file=file, format=fmt, good=good, answers=answers, bad=bad,
                      reasons="|".join(reasons), keeps=keeps, gone="", what=what, note=note))
known("empty.csv", "surveymonkey", 0, 0, 1, ["unreadable file", "empty file"], "zero bytes")
known("whitespace.json", "reddit", 0, 0, 1, ["unreadable file", "empty file"], "white space only")
known("sm_header_only.csv", "surveymonkey", 0, 0, 0, [], "the two header rows and no responses")
known("sm_ragged_newlines_nul.csv", "surveymonkey", 4, 8, 4, [":5: ragged row", ":7: ragged row", ':8 field "RespondentID": missing id', ':10 field "EndDate": bad date'], "ragged rows, embedded newlines, NULs, a missing id, a bad date")
known("sm_truncated.csv", "surveymonkey", 1, 2, 1, [":4: ragged row"], "cut inside a quoted field")
known("sm_windows1252.csv", "surveymonkey", 1, 2, 0, [], "Windows-1252 curly quotes", keeps="Café on “Main” is great")
known("sm_utf16le.csv", "surveymonkey", 1, 2, 0, [], "UTF-16 LE with BOM", keeps="Café — ok")
known("sm_utf16be.csv", "surveymonkey", 1, 2, 0, [], "UTF-16 BE with BOM", keeps="Café — ok")
known("sm_utf8bom.csv", "surveymonkey", 1, 2, 0, [], "UTF-8 BOM and decomposed (NFD) text", keeps="Café NFD", note="text composed to NFC")
known("sm_invalid_bytes.csv", "surveymonkey", 1, 2, 0, [], "invalid UTF-8 bytes among valid ones")
known("qualtrics_hostile.csv", "qualtrics", 1, 3, 3, [':6 field "RecordedDate": bad date', ":7: ragged row", ':8 field "ResponseId": missing id'], "multi-line answer, bad date, short row, missing id")
known("googleforms_hostile.csv", "googleforms", 1, 3, 3, [":4: ragged row", ':3 field "Timestamp": bad date', ':5 field "Timestamp": bad date'], "short row, 'yesterday', unknown zone XYZ")
known("twitter_truncated.json", "twitter", 2, 0, 1, ["page[0]: truncated json"], "a page cut mid-tweet")
known("twitter_wrong_types.jsonl", "twitter", 4, 0, 4, ['page[0].data[2] field "text"', 'page[0].data[3] field "created_at"', 'page[0].data[4] field "public_metrics"', ':2 page[1] field "data": malformed page'], "wrongly typed text, created_at, metrics and data")
known("twitter_duplicated.jsonl", "twitter", 4, 0, 0, [], "a tweet twice across pages", note="the store keeps one")
known("twitter_utf16le.json", "twitter", 1, 0, 0, [], "UTF-16 LE JSON", keeps="café 😀")
known("reddit_truncated.json", "reddit", 3, 0, 1, ["$[0]: truncated json"], "a comment tree cut short")
known("reddit_wrong_types.json", "reddit", 2, 0, 3, ['children[1] field "data.body"', 'children[2] field "data"', 'children[3] field "kind": unsupported kind'], "wrongly typed body and data, unknown kind")
known("facebook_wrong_types.json", "facebook", 2, 0, 3, ['data[1] field "message"', 'data[2] field "from"', 'data[3] field "like_count"'], "wrongly typed message, from and like_count")
known("open311_hostile.json", "open311", 3, 0, 4, ['$[0][1] field "lat"', '$[0][2] field "requested_datetime": bad date', '$[0][3] field "updated_datetime": bad date', '$[0][4] field "service_request_id": missing id'], "bad lat, bad dates, missing id")

with open(os.path.join(out, "cases.tsv"), "w") as f:
    cols = ["file", "format", "good", "answers", "bad", "reasons", "keeps", "gone", "what", "note"]
    f.write("\t".join(cols) + "\n")
    for c in cases:
        f.write("\t".join(str(c[k]).replace("\t", " ").replace("\n", "\\n") for k in cols) + "\n")
print(len(cases), "cases")
