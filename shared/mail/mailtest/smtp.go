package mailtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPServer is a minimal SMTP submission server for tests, in the test's own process: EHLO,
// STARTTLS (with a self-signed certificate for 127.0.0.1), AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// NOOP and QUIT. It requires TLS before AUTH and, when Username is set, AUTH before MAIL, as a
// real submission server does.
type SMTPServer struct {
	Host     string // "127.0.0.1"
	Port     int
	Username string
	Password string
	// ClientTLS trusts the server's certificate; give it to the client under test.
	ClientTLS *tls.Config

	// Reply, when set, may answer a command instead of the server: return a full reply line
	// such as "550 5.1.1 no such user", or "" to carry on. "DROP" closes the connection
	// without a reply. cmd is the verb ("RCPT", "DATA", or "." for the end of the data).
	Reply func(cmd, arg string) string

	listener  net.Listener
	serverTLS *tls.Config
	mu        sync.Mutex
	sent      []Sent
	wg        sync.WaitGroup
}

// StartSMTP starts an SMTP server on a free 127.0.0.1 port that accepts user/secret; it
// stops with the test.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	cert, pool, err := selfSigned()
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	s := &SMTPServer{
		Host:      "127.0.0.1",
		Port:      l.Addr().(*net.TCPAddr).Port,
		Username:  "user",
		Password:  "secret",
		ClientTLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		listener:  l,
		serverTLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { l.Close(); s.wg.Wait() })
	return s
}

// Messages returns the messages the server accepted, in order.
func (s *SMTPServer) Messages() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

func (s *SMTPServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(time.Minute))
			s.session(conn)
		}()
	}
}

func (s *SMTPServer) session(conn net.Conn) {
	tp := textproto.NewConn(conn)
	reply := func(line string) { tp.PrintfLine("%s", line) }
	reply("220 127.0.0.1 ESMTP mailtest")
	var (
		secure, authed bool
		from           string
		to             []string
	)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if s.Reply != nil {
			if r := s.Reply(verb, arg); r == "DROP" {
				return
			} else if r != "" {
				reply(r)
				continue
			}
		}
		switch verb {
		case "EHLO", "HELO":
			from, to = "", nil
			lines := []string{"250-127.0.0.1 hello", "250-8BITMIME", "250-PIPELINING"}
			if !secure {
				lines = append(lines, "250-STARTTLS")
			} else {
				lines = append(lines, "250-AUTH PLAIN")
			}
			lines = append(lines, "250 SMTPUTF8")
			for _, l := range lines {
				reply(l)
			}
		case "STARTTLS":
			if secure {
				reply("503 5.5.1 TLS already active")
				continue
			}
			reply("220 2.0.0 ready to start TLS")
			tc := tls.Server(conn, s.serverTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
			reply = func(line string) { tp.PrintfLine("%s", line) }
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			switch {
			case !secure:
				reply("538 5.7.11 encryption required")
			case !strings.EqualFold(mech, "PLAIN"):
				reply("504 5.5.4 unrecognized authentication type")
			default:
				if resp == "" {
					reply("334 ")
					if resp, err = tp.ReadLine(); err != nil {
						return
					}
				}
				b, _ := base64.StdEncoding.DecodeString(resp)
				parts := strings.Split(string(b), "\x00")
				if len(parts) == 3 && parts[1] == s.Username && parts[2] == s.Password {
					authed = true
					reply("235 2.7.0 authentication successful")
				} else {
					reply("535 5.7.8 authentication credentials invalid")
				}
			}
		case "MAIL":
			switch {
			case !secure:
				reply("530 5.7.0 must issue a STARTTLS command first")
			case s.Username != "" && !authed:
				reply("530 5.7.0 authentication required")
			default:
				from, to = address(arg, "FROM:"), nil
				reply("250 2.1.0 ok")
			}
		case "RCPT":
			if from == "" {
				reply("503 5.5.1 MAIL first")
				continue
			}
			to = append(to, address(arg, "TO:"))
			reply("250 2.1.5 ok")
		case "DATA":
			if len(to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := readData(tp.R)
			if err != nil {
				return
			}
			if s.Reply != nil {
				if r := s.Reply(".", ""); r == "DROP" {
					return
				} else if r != "" {
					reply(r)
					from, to = "", nil
					continue
				}
			}
			s.mu.Lock()
			id := fmt.Sprintf("mailtest-%d", len(s.sent)+1)
			rcpts := slices.Clone(to)
			slices.Sort(rcpts)
			s.sent = append(s.sent, Sent{ID: id, From: from, To: rcpts, Raw: data})
			s.mu.Unlock()
			reply("250 2.0.0 Ok: queued as " + id)
			from, to = "", nil
		case "RSET":
			from, to = "", nil
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognized")
		}
	}
}

// readData reads a dot-terminated message body and keeps its bytes as sent: CRLF line ends,
// dot-stuffing undone.
func readData(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		if string(line) == ".\r\n" {
			return out, nil
		}
		if len(line) > 1 && line[0] == '.' {
			line = line[1:]
		}
		out = append(out, line...)
	}
}

// address takes the address out of "FROM:<a@b> SIZE=10".
func address(arg, prefix string) string {
	arg = strings.TrimSpace(arg)
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg, _, _ = strings.Cut(strings.TrimSpace(arg), " ")
	return strings.Trim(arg, "<>")
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
