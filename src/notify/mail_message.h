// Mail messages: the pure part of e-mail delivery. It checks the addresses organisations
// register (RFC 5321 §4.1.2 Mailbox, which is RFC 5322 §3.4.1 addr-spec without comments
// or folding white space) and renders one event as an RFC 5322 message for the relay:
// Date, From, To, Subject (the kind and subject of the event), Message-ID, MIME 1.0 with a
// text/plain UTF-8 body in quoted-printable holding a readable summary and the event's
// JSON pretty-printed. Lines end in CRLF, header lines are folded near 78 characters and
// body lines stay within 76, and every byte is ASCII, so the message passes any relay
// without 8BITMIME or SMTPUTF8.
//
// Header injection is impossible by construction: every header value is checked, and a
// CR, LF or other control character in one refuses the message instead of starting a new
// header; text that is not ASCII travels as RFC 2047 encoded-words. No I/O, no state.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "notify/event_log.h"

namespace aiip::notify {

// Checks that `address` is a mailbox a relay accepts in MAIL FROM / RCPT TO: local-part
// (dot-atom or quoted-string, at most 64 octets) "@" domain (a host name of letter/digit/
// hyphen labels with at least two labels, or an address literal [IPv4] / [IPv6:...]), at
// most 254 octets, ASCII only. Returns Ok, or InvalidArgument("invalid-value") naming
// `field` and saying what is wrong.
Status ValidateMailAddress(std::string_view address, std::string_view field);

// RFC 5322 §3.3 date-time in UTC: "Sun, 29 Nov 2026 09:29:01 +0000".
std::string FormatMailDate(SystemTime t);

// The Message-ID of the delivery of event `seq` to recipient `recipient_id`, without the
// angle brackets: "<seq>.<recipient_id>@<domain of from_address>". The same for every
// attempt, so receivers can deduplicate. `from_address` must be a valid mailbox.
std::string MailMessageId(int64_t seq, std::string_view recipient_id, std::string_view from_address);

// The header line(s) "<name>: <text>\r\n" for an unstructured header such as Subject:
// `text` unchanged if it is printable ASCII, else as RFC 2047 "=?UTF-8?B?...?=" words of at
// most 75 characters; lines longer than 78 characters are folded (RFC 5322 §2.2.3) at
// spaces or between encoded-words. Returns InvalidArgument("header-injection") if `text`
// holds CR, LF or another control character or is not UTF-8. `name` is a constant field name.
Result<std::string> UnstructuredHeader(std::string_view name, std::string_view text);

// `text` (UTF-8, lines separated by "\n") in quoted-printable (RFC 2045 §6.7): CRLF line
// breaks, soft breaks keep every line within 76 characters, '=' and bytes outside
// printable ASCII as =XX, white space at a line's end encoded.
std::string QuotedPrintable(std::string_view text);

struct MailMessage {
  std::string from;        // mailbox of the node (smtp_from)
  std::string to;          // mailbox of the recipient
  std::string message_id;  // MailMessageId(...)
  SystemTime date;
  Event event;
};

// The message as sent in DATA (CRLF line ends, headers, blank line, quoted-printable body).
// Subject: "[AIIP] <kind>: <subject>", with " (TLP:<x>)" when the event's data carries a
// "tlp". Returns InvalidArgument("header-injection") if a header value holds a control
// character, InvalidArgument("invalid-value") if an address is not a valid mailbox.
Result<std::string> RenderMailMessage(const MailMessage& message);

// The body before transfer encoding: a summary (event, kind, subject, recipient, time, then
// the top-level fields of the data) and the event's JSON pretty-printed with two spaces.
std::string MailBodyText(const Event& event);

}  // namespace aiip::notify
