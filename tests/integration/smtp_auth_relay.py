#!/usr/bin/python3
"""An SMTP relay for mail_e2e_test that demands STARTTLS and then SMTP AUTH (PLAIN or
LOGIN) with one user name and password, and stores what it accepts in a Maildir. The aiosmtpd
command line cannot set an authenticator, hence this script (Debian python3-aiosmtpd).

usage: smtp_auth_relay.py PORT MAILDIR CERT KEY USER PASSWORD  (runs until SIGTERM)
"""
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, maildir, cert, key, user, password = sys.argv[1:7]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and data.login == user.encode()
              and data.password == password.encode())
        # handled=False: aiosmtpd answers 235 on success and 535 on failure itself.
        return AuthResult(success=ok, handled=False)

    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port),
                            tls_context=context, require_starttls=True, auth_required=True,
                            auth_require_tls=True, authenticator=authenticate)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
