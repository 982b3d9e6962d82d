// Package mail encodes report emails as MIME and delivers each one exactly once.
//
// Build turns a report.Message into an Email: multipart/mixed around multipart/related (the
// text and HTML alternatives, and the charts inline by Content-ID) and the CSV attachment.
// Its bytes depend only on the message and the date given, so re-rendering a quarter gives the
// same message.eml, Message-ID included.
//
// A Sender hands the raw message to a mail service: Outbox writes .eml files to a store (the
// local default), SES sends through Amazon SES v2. A Ledger wraps any Sender so that each
// recipient receives a quarter's report once, however often and however concurrently the job
// runs: it claims the send in the store with PutIfAbsent before sending and settles it after.
// An attempt whose outcome is unknown is never retried automatically (ErrInDoubt).
package mail
