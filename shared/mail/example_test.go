package mail_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/report"
	"github.com/civicpulse/civicpulse/shared/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "mail-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.NewDir(dir)
	if err != nil {
		log.Fatal(err)
	}

	// Usually from report.Build(doc, city, recipient).
	msg := &report.Message{
		Quarter:   "2027-Q1",
		Recipient: "city-manager",
		From:      report.Address{Name: "Springfield CivicPulse", Email: "civicpulse@springfield.example.gov"},
		To:        report.Address{Name: "Alex Rivera", Email: "city.manager@springfield.example.gov"},
		Subject:   "Springfield — Q1 FY2027 community KPIs: 1 of 5 on target",
		Text:      []byte("In Q1 FY2027, 1 of the 5 KPIs met its target.\n"),
		HTML:      []byte("<p>In Q1 FY2027, 1 of the 5 KPIs met its target.</p>\n"),
	}
	date := time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC)
	email, err := mail.Build(msg, date)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(email.MessageID)

	// The outbox stands in for SES: mail.NewSES(sesv2.NewFromConfig(cfg)).
	ledger, outbox := mail.NewLedger(st), mail.NewOutbox(st, "outbox")
	for range 2 { // the second run finds the report sent
		outcome, err := ledger.Deliver(ctx, outbox, email, mail.DeliverOptions{Now: date, Logger: slog.New(slog.DiscardHandler)})
		fmt.Println(outcome, err)
	}
	infos, _ := st.List(ctx, "")
	for _, info := range infos {
		fmt.Println(info.Key)
	}
	// Output:
	// civicpulse.4337130f31937bc492e9@springfield.example.gov
	// sent <nil>
	// skipped <nil>
	// outbox/city.manager@springfield.example.gov/civicpulse.4337130f31937bc492e9@springfield.example.gov.eml
	// reports/quarter=2027-Q1/city-manager/sent.json
	// state/sent/quarter=2027-Q1/city-manager.json
}

// An SMTP sender for the SES SMTP interface (or any submission server): STARTTLS is
// required and the credentials go over AUTH PLAIN. Deliver it through a Ledger, as above.
func ExampleNewSMTP() {
	s, err := mail.NewSMTP("email-smtp.us-east-1.amazonaws.com", func(o *mail.SMTPOptions) {
		o.Port = 587
		o.Username, o.Password = os.Getenv(mail.EnvSMTPUsername), os.Getenv(mail.EnvSMTPPassword)
	})
	if err != nil {
		log.Fatal(err)
	}
	var _ mail.Sender = s
}
