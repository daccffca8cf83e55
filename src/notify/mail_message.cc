#include "notify/mail_message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cassert>
#include <cstdio>
#include <ctime>

#include "common/encoding.h"

namespace aiip::notify {

namespace bj = boost::json;

namespace {

constexpr size_t kMaxAddress = 254;  // RFC 5321 §4.5.3.1.3: a path is at most 256 with <>
constexpr size_t kMaxLocalPart = 64;
constexpr size_t kMaxDomain = 253;
constexpr size_t kFoldAt = 78;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 5322 §3.2.3 atext.
bool IsAtext(char c) {
  return IsAlpha(c) || IsDigit(c) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

std::string Shown(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buffer;
}

// Checks a dot-atom local part; returns the problem or "".
std::string DotAtomProblem(std::string_view local) {
  if (local.front() == '.' || local.back() == '.') return "the local part must not start or end with '.'";
  for (size_t i = 0; i < local.size(); ++i) {
    const char c = local[i];
    if (c == '.') {
      if (local[i + 1] == '.') return "the local part must not contain '..' (quote it)";
      continue;
    }
    if (!IsAtext(c))
      return "the local part contains " + Shown(c) + ", which is allowed only in a quoted local part";
  }
  return "";
}

// Reads an RFC 5321 Quoted-string at the start of `text`; returns its length including the
// quotes, or 0 with `problem` set.
size_t QuotedStringLength(std::string_view text, std::string& problem) {
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (i + 1 >= text.size() || text[i + 1] < 0x20 || text[i + 1] > 0x7e) {
        problem = "a backslash in the quoted local part must escape a printable character";
        return 0;
      }
      ++i;
      continue;
    }
    if (c < 0x20 || c > 0x7e) {
      problem = "the quoted local part contains " + Shown(c);
      return 0;
    }
  }
  problem = "the quoted local part has no closing '\"'";
  return 0;
}

std::string DomainProblem(std::string_view domain) {
  if (domain.empty()) return "the domain after '@' is empty";
  if (domain.front() == '[') {
    if (domain.back() != ']') return "an address literal must end with ']'";
    std::string inner(domain.substr(1, domain.size() - 2));
    std::array<unsigned char, 16> buffer{};
    if (inner.starts_with("IPv6:")) {
      if (inet_pton(AF_INET6, inner.c_str() + 5, buffer.data()) != 1)
        return "[" + inner + "] is not an IPv6 address";
      return "";
    }
    if (inet_pton(AF_INET, inner.c_str(), buffer.data()) != 1) {
      return "[" + inner + "] is neither an IPv4 address nor IPv6:<address>";
    }
    return "";
  }
  if (domain.size() > kMaxDomain) return "the domain is longer than 253 characters";
  size_t labels = 0;
  size_t start = 0;
  std::string_view last;
  while (true) {
    size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    std::string_view label = domain.substr(start, end - start);
    if (label.empty()) return "the domain has an empty label (a leading, trailing or doubled '.')";
    if (label.size() > 63) return "a domain label is longer than 63 characters";
    for (char c : label) {
      if (!IsAlpha(c) && !IsDigit(c) && c != '-') {
        return "the domain contains " + Shown(c) + " (letters, digits, '-' and '.' only)";
      }
    }
    if (label.front() == '-' || label.back() == '-') return "a domain label must not start or end with '-'";
    ++labels;
    last = label;
    if (end == domain.size()) break;
    start = end + 1;
  }
  if (labels < 2) return "the domain must be a fully qualified name such as example.org";
  if (std::all_of(last.begin(), last.end(), IsDigit)) {
    return "an IP address must be written as an address literal such as [192.0.2.1]";
  }
  return "";
}

// Length of the UTF-8 sequence starting with `lead`, or 0 if `lead` cannot start one.
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

bool IsUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t n = Utf8Length(lead);
    if (n == 0 || i + n > text.size()) return false;
    uint32_t cp = n == 1 ? lead : lead & (0xff >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF.
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n;
  }
  return true;
}

// Joins `pieces` after "<name>: ", starting a continuation line (" ") where the next piece
// would pass kFoldAt. `separator` is what stands between pieces on one line.
std::string Fold(std::string_view name, const std::vector<std::string>& pieces, std::string_view separator) {
  std::string out = std::string(name) + ":";
  size_t line = out.size();
  for (size_t i = 0; i < pieces.size(); ++i) {
    const std::string& piece = pieces[i];
    const std::string_view sep = i == 0 ? std::string_view(" ") : separator;
    if (i > 0 && line + sep.size() + piece.size() > kFoldAt) {
      out += "\r\n ";
      line = 1;
    } else {
      out += sep;
      line += sep.size();
    }
    out += piece;
    line += piece.size();
  }
  return out + "\r\n";
}

// Keeps a text value on one summary line.
std::string OneLine(std::string_view text, size_t max) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

std::string ScalarText(const bj::value& value) {
  if (value.is_string()) return OneLine(value.get_string(), 200);
  return bj::serialize(value);
}

void Pretty(const bj::value& value, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  if (value.is_object()) {
    const bj::object& object = value.get_object();
    if (object.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    size_t i = 0;
    for (const auto& [key, item] : object) {
      out += pad + "  " + bj::serialize(bj::value(key)) + ": ";
      Pretty(item, indent + 1, out);
      out += ++i < object.size() ? ",\n" : "\n";
    }
    out += pad + "}";
    return;
  }
  if (value.is_array()) {
    const bj::array& array = value.get_array();
    if (array.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < array.size(); ++i) {
      out += pad + "  ";
      Pretty(array[i], indent + 1, out);
      out += i + 1 < array.size() ? ",\n" : "\n";
    }
    out += pad + "]";
    return;
  }
  out += bj::serialize(value);
}

}  // namespace

Status ValidateMailAddress(std::string_view address, std::string_view field) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("invalid-value", "e-mail address: " + why, std::string(field));
  };
  if (address.empty()) return bad("is empty");
  if (address.size() > kMaxAddress) return bad("is longer than 254 characters");
  for (char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      return bad("contains " + Shown(c) +
                 ": only printable ASCII is accepted (internationalised addresses need SMTPUTF8)");
    }
  }
  size_t at = 0;
  if (address.front() == '"') {
    std::string problem;
    at = QuotedStringLength(address, problem);
    if (at == 0) return bad(problem);
    if (at >= address.size() || address[at] != '@')
      return bad("the quoted local part must be followed by '@'");
  } else {
    at = address.find('@');
    if (at == std::string_view::npos) return bad("has no '@'");
    if (at == 0) return bad("the local part before '@' is empty");
    std::string problem = DotAtomProblem(address.substr(0, at));
    if (!problem.empty()) return bad(problem);
  }
  if (at > kMaxLocalPart) return bad("the local part is longer than 64 characters");
  std::string problem = DomainProblem(address.substr(at + 1));
  if (!problem.empty()) return bad(problem);
  return Status::Ok();
}

std::string FormatMailDate(SystemTime t) {
  const std::time_t seconds = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string MailMessageId(int64_t seq, std::string_view recipient_id, std::string_view from_address) {
  std::string_view domain = from_address.substr(from_address.rfind('@') + 1);
  // An address literal is no domain to scope an id with; .invalid (RFC 2606) is unique to nobody.
  if (domain.starts_with('[')) domain = "aiip.invalid";
  return std::to_string(seq) + "." + std::string(recipient_id) + "@" + std::string(domain);
}

Result<std::string> UnstructuredHeader(std::string_view name, std::string_view text) {
  bool ascii = true;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Err(InvalidArgument("header-injection", std::string(name) + " contains the control character " +
                                                         Shown(c) + "; it is refused rather than sent"));
    }
    if (byte >= 0x80) ascii = false;
  }
  if (!IsUtf8(text)) return Err(InvalidArgument("header-injection", std::string(name) + " is not UTF-8"));
  std::vector<std::string> pieces;
  bool fits = ascii;
  if (ascii) {
    // Folding may only happen at white space, so a word too long for a line needs encoding.
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string_view::npos) end = text.size();
      if (end - start > kFoldAt - 2) fits = false;
      pieces.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
    // "=?" in plain text would read as the start of an encoded-word.
    if (text.find("=?") != std::string_view::npos) fits = false;
  }
  if (fits) return Fold(name, pieces, " ");
  // Encoded-words of at most 45 bytes (60 base64 characters, 75 with the delimiters),
  // split between characters, never inside one.
  pieces.clear();
  for (size_t i = 0; i < text.size();) {
    size_t end = i;
    while (end < text.size()) {
      const size_t n = Utf8Length(static_cast<unsigned char>(text[end]));
      if (end + n - i > 45) break;
      end += n;
    }
    pieces.push_back("=?UTF-8?B?" + Base64Encode(text.substr(i, end - i)) + "?=");
    i = end;
  }
  if (pieces.empty()) pieces.emplace_back("");
  // White space between adjacent encoded-words is not displayed (RFC 2047 §6.2).
  return Fold(name, pieces, " ");
}

std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    size_t width = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const auto byte = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      std::string token;
      // A '.' opening a line is encoded so no relay can mistake it for the end of DATA.
      const bool literal = (byte >= 33 && byte <= 126 && byte != '=' && !(byte == '.' && width == 0)) ||
                           ((byte == ' ' || byte == '\t') && !last);
      if (literal) {
        token = static_cast<char>(byte);
      } else {
        token = {'=', kHex[byte >> 4], kHex[byte & 15]};
      }
      // Leave room for the soft break "=" within 76 characters.
      if (width + token.size() > 75) {
        out += "=\r\n";
        width = 0;
        if (token == ".") token = "=2E";
      }
      out += token;
      width += token.size();
    }
    out += "\r\n";
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

std::string MailBodyText(const Event& event) {
  const bj::object json = event.ToJson();
  std::string out = "AIIP event " + std::to_string(event.seq) + ": " + event.kind + "\n\n";
  out += "Kind:       " + event.kind + "\n";
  out += "Subject:    " + OneLine(event.subject, 200) + "\n";
  out += "Recipient:  " + event.recipient + "\n";
  out += "Created at: " + event.created_at + "\n";
  const bj::value& data = json.at("data");
  if (data.is_object() && !data.get_object().empty()) {
    out += "\nSummary\n";
    for (const auto& [key, value] : data.get_object()) {
      std::string shown;
      if (value.is_object()) {
        shown =
            "(an object with " + std::to_string(value.get_object().size()) + " fields; see the JSON below)";
      } else if (value.is_array()) {
        const bj::array& array = value.get_array();
        const bool scalars = std::all_of(array.begin(), array.end(),
                                         [](const bj::value& v) { return !v.is_object() && !v.is_array(); });
        if (scalars && array.size() <= 10) {
          for (const bj::value& item : array) shown += (shown.empty() ? "" : ", ") + ScalarText(item);
          if (array.empty()) shown = "(none)";
        } else {
          shown = "(" + std::to_string(array.size()) + " items; see the JSON below)";
        }
      } else {
        shown = ScalarText(value);
      }
      out += "  " + OneLine(key, 64) + ": " + shown + "\n";
    }
  } else if (!data.is_object()) {
    out += "\nThe event's data could not be read as JSON; it is shown as stored below.\n";
  }
  out += "\nThe event as JSON:\n\n";
  Pretty(json, 0, out);
  out += "\n";
  return out;
}

Result<std::string> RenderMailMessage(const MailMessage& message) {
  AIIP_RETURN_IF_ERROR(ValidateMailAddress(message.from, "from"));
  AIIP_RETURN_IF_ERROR(ValidateMailAddress(message.to, "to"));
  for (char c : message.message_id) {
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') {
      return Err(InvalidArgument("header-injection", "the Message-ID contains " + Shown(c)));
    }
  }
  std::string subject = "[AIIP] " + message.event.kind + ": " + message.event.subject;
  const bj::object json = message.event.ToJson();
  if (const bj::value& data = json.at("data"); data.is_object()) {
    if (const bj::value* tlp = data.get_object().if_contains("tlp"); tlp != nullptr && tlp->is_string()) {
      subject += " (TLP:" + std::string(tlp->get_string()) + ")";
    }
  }
  AIIP_ASSIGN_OR_RETURN(std::string subject_header, UnstructuredHeader("Subject", subject));
  AIIP_ASSIGN_OR_RETURN(std::string event_header, UnstructuredHeader("X-AIIP-Event", message.event.kind));
  std::string out;
  out += "Date: " + FormatMailDate(message.date) + "\r\n";
  out += "From: AIIP node <" + message.from + ">\r\n";
  out += "To: <" + message.to + ">\r\n";
  out += subject_header;
  out += "Message-ID: <" + message.message_id + ">\r\n";
  // RFC 3834: automatic mail, so receivers' auto-responders stay quiet.
  out += "Auto-Submitted: auto-generated\r\n";
  out += event_header;
  out += "X-AIIP-Event-Seq: " + std::to_string(message.event.seq) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n";
  out += "\r\n";
  out += QuotedPrintable(MailBodyText(message.event));
  return out;
}

}  // namespace aiip::notify
