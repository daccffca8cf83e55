// Fuzz target for aiip::rpsl (src/response/rpsl/): the RPSL reader and the abuse-contact
// directory built from RIPE-style dumps, which come from outside (RIR FTP mirrors).
//
// Invariants (a violation aborts):
//  - loading never fails as a whole; every issue names the source and a line within the
//    input, and its message is printable ASCII of bounded length;
//  - every issue is one malformed object: malformed == issue_count;
//  - answers are well formed: a mailbox with one "@", a non-empty chain that starts with
//    the object asked about (inetnum/inet6num for addresses, aut-num for ASNs), and an
//    inherited answer names at least the asked object, its ancestor and a contact;
//  - loading is deterministic: the same input gives the same answers twice.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/check.h"
#include "response/rpsl/abuse_directory.h"

namespace {

using aiip::attribution::IpAddress;
using aiip::attribution::Prefix;
using aiip::rpsl::AbuseAnswer;

void CheckAnswer(const std::optional<AbuseAnswer>& a, std::string_view first_class) {
  if (!a) return;
  const size_t at = a->mailbox.find('@');
  AIIP_FUZZ_CHECK(at != std::string::npos && at > 0 && a->mailbox.find('@', at + 1) == std::string::npos,
                  "mailbox is not one local@domain");
  AIIP_FUZZ_CHECK(a->chain.size() >= 2, "chain shorter than resource and contact");
  AIIP_FUZZ_CHECK(a->chain.front().starts_with(first_class),
                  "chain does not start with the object asked about");
  AIIP_FUZZ_CHECK(!a->inherited || a->chain.size() >= 3, "inherited answer without its ancestor");
}

std::string Describe(const std::optional<AbuseAnswer>& a) {
  if (!a) return "-";
  std::string out = a->mailbox;
  for (const auto& c : a->chain) out += "|" + c;
  return out;
}

std::vector<std::string> Answers(std::string_view text, size_t lines) {
  aiip::rpsl::AbuseDirectoryBuilder builder(100000);
  builder.AddText("fuzz.db", text);
  const aiip::rpsl::LoadReport report = builder.report();
  AIIP_FUZZ_CHECK(report.malformed == report.issue_count, "an issue that is not one malformed object");
  for (const auto& issue : report.issues) {
    AIIP_FUZZ_CHECK(issue.source == "fuzz.db", "issue names another source");
    AIIP_FUZZ_CHECK(issue.line >= 1 && issue.line <= lines, "issue line outside the input");
    AIIP_FUZZ_CHECK(issue.message.size() <= 400, "issue message unbounded");
    for (char c : issue.message) AIIP_FUZZ_CHECK(c >= 0x20 && c < 0x7f, "issue message not printable");
  }
  const aiip::rpsl::AbuseDirectory directory = builder.Build();

  std::vector<std::string> answers;
  const char* addresses[] = {"192.0.2.1",         "192.0.2.130", "198.18.2.255",
                             "10.0.0.1",          "2001:db8::1", "2001:db8:1000:1::99",
                             "::ffff:192.0.2.70", "0.0.0.0",     "255.255.255.255"};
  for (const char* text_address : addresses) {
    auto answer = directory.ForAddress(*IpAddress::Parse(text_address));
    CheckAnswer(answer, "inet");
    answers.push_back(Describe(answer));
  }
  for (const char* text_prefix : {"0.0.0.0/0", "192.0.2.0/24", "::/0", "2001:db8::/32"}) {
    auto answer = directory.ForPrefix(*Prefix::Parse(text_prefix));
    CheckAnswer(answer, "inet");
    answers.push_back(Describe(answer));
  }
  for (uint32_t asn : {0u, 1u, 64500u, 64503u, 4200000000u, 4294967295u}) {
    auto answer = directory.ForAsn(asn);
    CheckAnswer(answer, "aut-num");
    answers.push_back(Describe(answer));
  }
  return answers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t lines = 0;
  for (size_t i = 0; i < text.size(); ++i) lines += text[i] == '\n' || i + 1 == text.size();
  const std::vector<std::string> first = Answers(text, lines);
  AIIP_FUZZ_CHECK(first == Answers(text, lines), "loading the same input twice gave different answers");
  return 0;
}
