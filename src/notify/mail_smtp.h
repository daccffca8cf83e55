// The SMTP transport of e-mail delivery: a MailSender that hands each message to the node's
// configured relay with libcurl (RFC 5321 with ESMTP, STARTTLS per RFC 3207 or implicit
// TLS per RFC 8314, SMTP AUTH when credentials are given). Each send opens its own
// connection, so the sender may be called from several dispatcher threads at once. This
// is the only part of notification e-mail that touches the network; the dispatcher and
// the message rendering (mail.h, mail_message.h) do not.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"
#include "notify/mail.h"

namespace aiip::notify {

struct SmtpOptions {
  std::string relay;      // "smtp://host[:port]" or "smtps://host[:port]" (default ports 25, 465)
  bool starttls = false;  // on smtp://: require STARTTLS before anything else is sent
  std::string ca_file;    // PEM CA bundle to verify the relay with; empty = the system's
  std::string username;   // SMTP AUTH; empty = no authentication
  std::string password;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds timeout{60};  // for one whole message
};

// Checks a relay URL: scheme smtp or smtps, a host, an optional port, and nothing else (no
// credentials, path, query or fragment). Returns InvalidArgument("invalid-value") naming
// `field` otherwise.
Status ValidateSmtpRelay(std::string_view relay, std::string_view field);

// A MailSender over libcurl with `options`; validates them first. Returns
// InvalidArgument for a bad relay URL, credentials that would travel unencrypted (a
// username on smtp:// without starttls), or FailedPrecondition if libcurl cannot start.
Result<MailSender> MakeSmtpSender(SmtpOptions options);

}  // namespace aiip::notify
