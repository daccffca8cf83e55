#include "response/rpsl/abuse_directory.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <tuple>
#include <utility>

namespace aiip::rpsl {

using attribution::Family;
using attribution::IpAddress;
using attribution::Prefix;
using attribution::Uint128;

namespace {

constexpr uint8_t kInetnum = 0;
constexpr uint8_t kInet6num = 1;
constexpr uint8_t kAutNum = 2;
constexpr size_t kMaxHandleBytes = 80;
constexpr size_t kReadChunk = 1 << 20;

bool IsWantedClass(std::string_view c) {
  return c == "inetnum" || c == "inet6num" || c == "aut-num" || c == "organisation" || c == "role" ||
         c == "irt";
}

bool IsWantedAttribute(std::string_view, std::string_view a) {
  return a == "abuse-c" || a == "org" || a == "mnt-irt" || a == "admin-c" || a == "tech-c" ||
         a == "abuse-mailbox" || a == "nic-hdl" || a == "e-mail";
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// A handle (nic-hdl, organisation id, irt name) is one word of printable ASCII.
bool ValidHandle(std::string_view h) {
  if (h.empty() || h.size() > kMaxHandleBytes) return false;
  for (char c : h) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool ValidMailbox(std::string_view m) {
  const size_t at = m.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= m.size() || m.size() > 254) return false;
  if (m.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : m) {
    if (c <= 0x20 || c >= 0x7f || c == ',' || c == '<' || c == '>') return false;
  }
  return true;
}

Uint128 NetMask(Family family, int length) {
  const int bits = attribution::BitsOf(family);
  if (length <= 0) return 0;
  const Uint128 all = bits == 32 ? Uint128{0xffffffffu} : ~Uint128{0};
  return all & ~((length >= bits) ? Uint128{0} : ((Uint128{1} << (bits - length)) - 1));
}

int CountTrailingZeros(Uint128 v, int bits) {
  int n = 0;
  while (n < bits && ((v >> n) & 1) == 0) ++n;
  return n;
}

// The prefixes that exactly cover [first, last] (RFC 4632 style range to CIDR).
std::vector<std::pair<Uint128, int>> RangeToPrefixes(Uint128 first, Uint128 last, int bits) {
  std::vector<std::pair<Uint128, int>> out;
  const Uint128 top = bits == 32 ? Uint128{0xffffffffu} : ~Uint128{0};
  while (true) {
    int host = CountTrailingZeros(first, bits);
    // Shrink the block until it ends at or before `last`.
    while (host > 0) {
      const Uint128 end = first + ((host >= 128 ? ~Uint128{0} : (Uint128{1} << host) - 1));
      if (end >= first && end <= last) break;
      --host;
    }
    out.emplace_back(first, bits - host);
    const Uint128 size_minus_one = host >= 128 ? ~Uint128{0} : (Uint128{1} << host) - 1;
    const Uint128 end = first + size_minus_one;
    if (end >= last || end == top) break;
    first = end + 1;
  }
  return out;
}

// Parses an inetnum value: "a - b" (as the RIPE Database writes it) or "a/len".
Result<std::pair<uint32_t, uint32_t>> ParseInetnum(std::string_view value) {
  const size_t dash = value.find('-');
  auto bad = [&](std::string why) { return Err(InvalidArgument("invalid-inetnum", why)); };
  if (dash == std::string_view::npos) {
    auto prefix = Prefix::Parse(value);
    if (!prefix || !prefix->address.is_v4()) return bad("not an IPv4 range 'a - b' or prefix");
    return std::pair<uint32_t, uint32_t>{prefix->address.v4(), static_cast<uint32_t>(prefix->last())};
  }
  const std::string_view a = StripValue(value.substr(0, dash));
  const std::string_view b = StripValue(value.substr(dash + 1));
  auto first = IpAddress::Parse(a);
  auto last = IpAddress::Parse(b);
  if (!first || !last || !first->is_v4() || !last->is_v4()) return bad("not an IPv4 range 'a - b'");
  if (first->v4() > last->v4()) return bad("range starts after it ends");
  return std::pair<uint32_t, uint32_t>{first->v4(), last->v4()};
}

Result<uint32_t> ParseAutNum(std::string_view value) {
  if (value.size() < 3 || (value[0] != 'A' && value[0] != 'a') || (value[1] != 'S' && value[1] != 's')) {
    return Err(InvalidArgument("invalid-aut-num", "aut-num is not 'AS<number>'"));
  }
  const std::string_view digits = value.substr(2);
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n > 0xffffffffu || digits[0] == '+') {
    return Err(InvalidArgument("invalid-aut-num", "aut-num is not 'AS<number>' with a 32-bit number"));
  }
  return static_cast<uint32_t>(n);
}

// Untrusted text for a message: at most 60 bytes, non-printable bytes as '?'.
std::string Printable(std::string_view text) {
  std::string out(text.substr(0, 60));
  for (char& c : out) {
    if (c < 0x20 || c >= 0x7f) c = '?';
  }
  return out;
}

std::string FormatV4(uint32_t v) { return IpAddress::V4(v).ToString(); }

}  // namespace

std::string_view AbuseViaName(AbuseVia via) {
  switch (via) {
    case AbuseVia::kAbuseC:
      return "abuse-c";
    case AbuseVia::kOrgAbuseC:
      return "org-abuse-c";
    case AbuseVia::kOrgAbuseMailbox:
      return "org-abuse-mailbox";
    case AbuseVia::kIrt:
      return "irt";
    case AbuseVia::kTechOrAdminRole:
      return "tech-admin-role";
  }
  return "unknown";
}

// ---- AbuseDirectory ----

std::string AbuseDirectory::Label(uint32_t resource) const {
  const Resource& r = resources_[resource];
  switch (r.kind) {
    case kInetnum:
      return "inetnum " + FormatV4(static_cast<uint32_t>(r.first)) + " - " +
             FormatV4(static_cast<uint32_t>(r.last));
    case kInet6num:
      return "inet6num " + IpAddress::V6(r.first).ToString() + "/" + std::to_string(r.inet6_length);
    default:
      return "aut-num AS" + std::to_string(r.asn);
  }
}

std::optional<AbuseAnswer> AbuseDirectory::FromRole(uint32_t handle, AbuseVia via, std::string first) const {
  auto it = roles_.find(handle);
  if (it == roles_.end() || it->second.empty()) return std::nullopt;
  AbuseAnswer answer;
  answer.mailbox = it->second;
  answer.via = via;
  answer.chain.push_back(std::move(first));
  answer.chain.push_back("role " + handles_[handle]);
  return answer;
}

std::optional<AbuseAnswer> AbuseDirectory::Direct(uint32_t resource) const {
  const Resource& r = resources_[resource];
  if (r.abuse_c != kNone) {
    if (auto a = FromRole(r.abuse_c, AbuseVia::kAbuseC, Label(resource))) return a;
  }
  if (r.org != kNone) {
    auto org = orgs_.find(r.org);
    if (org != orgs_.end()) {
      const std::string org_label = "organisation " + handles_[r.org];
      if (org->second.abuse_c != kNone) {
        if (auto a = FromRole(org->second.abuse_c, AbuseVia::kOrgAbuseC, org_label)) {
          a->chain.insert(a->chain.begin(), Label(resource));
          return a;
        }
      }
      if (!org->second.abuse_mailbox.empty()) {
        return AbuseAnswer{
            org->second.abuse_mailbox, AbuseVia::kOrgAbuseMailbox, {Label(resource), org_label}};
      }
    }
  }
  if (r.mnt_irt != kNone) {
    auto irt = irts_.find(r.mnt_irt);
    if (irt != irts_.end() && !irt->second.empty()) {
      return AbuseAnswer{irt->second, AbuseVia::kIrt, {Label(resource), "irt " + handles_[r.mnt_irt]}};
    }
  }
  return std::nullopt;
}

std::pair<uint32_t, int> AbuseDirectory::Containing(Family family, Uint128 bits, int max_length) const {
  const std::vector<Level>& levels = family == Family::kV4 ? v4_levels_ : v6_levels_;
  for (const Level& level : levels) {
    if (level.length > max_length) continue;
    const Uint128 key = bits & NetMask(family, level.length);
    auto it = std::lower_bound(level.pieces.begin(), level.pieces.end(), key,
                               [](const Piece& p, Uint128 k) { return p.bits < k; });
    if (it != level.pieces.end() && it->bits == key) return {it->resource, level.length};
  }
  return {kNone, -1};
}

std::optional<AbuseAnswer> AbuseDirectory::ForRange(Family family, Uint128 bits, int length) const {
  auto [first, first_length] = Containing(family, bits, length);
  if (first == kNone) return std::nullopt;
  // Rules 1-3 on the most specific object, then on each less specific one.
  uint32_t current = first;
  int current_length = first_length;
  while (current != kNone) {
    if (auto answer = Direct(current)) {
      if (current != first) {
        answer->chain.insert(answer->chain.begin(), Label(first));
        answer->inherited = true;
      }
      return answer;
    }
    std::tie(current, current_length) = Containing(family, bits, current_length - 1);
  }
  // Pre-abuse-c objects: a tech-c or admin-c role that carries an abuse-mailbox.
  current = first;
  current_length = first_length;
  while (current != kNone) {
    const Resource& r = resources_[current];
    for (uint32_t handle : {r.tech_c, r.admin_c}) {
      if (handle == kNone) continue;
      if (auto answer = FromRole(handle, AbuseVia::kTechOrAdminRole, Label(current))) {
        if (current != first) {
          answer->chain.insert(answer->chain.begin(), Label(first));
          answer->inherited = true;
        }
        return answer;
      }
    }
    std::tie(current, current_length) = Containing(family, bits, current_length - 1);
  }
  return std::nullopt;
}

std::optional<AbuseAnswer> AbuseDirectory::ForAsn(uint32_t asn) const {
  auto it = asns_.find(asn);
  if (it == asns_.end()) return std::nullopt;
  if (auto answer = Direct(it->second)) return answer;
  const Resource& r = resources_[it->second];
  for (uint32_t handle : {r.tech_c, r.admin_c}) {
    if (handle == kNone) continue;
    if (auto answer = FromRole(handle, AbuseVia::kTechOrAdminRole, Label(it->second))) return answer;
  }
  return std::nullopt;
}

std::optional<AbuseAnswer> AbuseDirectory::ForAddress(const IpAddress& address) const {
  if (auto mapped = address.MappedV4()) return ForRange(Family::kV4, *mapped, 32);
  return ForRange(address.family(), address.bits(), attribution::BitsOf(address.family()));
}

std::optional<AbuseAnswer> AbuseDirectory::ForPrefix(const Prefix& prefix) const {
  return ForRange(prefix.address.family(), prefix.address.bits(), prefix.length);
}

// ---- AbuseDirectoryBuilder ----

AbuseDirectoryBuilder::AbuseDirectoryBuilder(size_t max_issues) : max_issues_(max_issues) {}

uint32_t AbuseDirectoryBuilder::Intern(std::string_view handle) {
  std::string key = Upper(handle);
  auto [it, inserted] =
      handle_ids_.try_emplace(std::move(key), static_cast<uint32_t>(directory_.handles_.size()));
  if (inserted) directory_.handles_.emplace_back(handle);
  return it->second;
}

void AbuseDirectoryBuilder::OnIssue(const Issue& issue) {
  ++report_.issue_count;
  if (report_.issues.size() < max_issues_) report_.issues.push_back(issue);
}

void AbuseDirectoryBuilder::OnObject(const Object& object, const std::string& source) {
  auto reject = [&](size_t line, std::string message) {
    ++report_.malformed;
    OnIssue(Issue{source, line, object.class_name + " " + Printable(object.key) + ": " + message});
  };
  // References are single handles; a value with spaces or control bytes is malformed.
  uint32_t refs[5] = {AbuseDirectory::kNone, AbuseDirectory::kNone, AbuseDirectory::kNone,
                      AbuseDirectory::kNone, AbuseDirectory::kNone};
  static constexpr std::array<std::string_view, 5> kRefNames = {"abuse-c", "org", "mnt-irt", "tech-c",
                                                                "admin-c"};
  for (size_t i = 0; i < kRefNames.size(); ++i) {
    const Attribute* a = object.Find(kRefNames[i]);
    if (a == nullptr) continue;
    if (!ValidHandle(a->value)) {
      reject(a->line, std::string(kRefNames[i]) + " is not a single handle");
      return;
    }
    refs[i] = Intern(a->value);
  }
  const Attribute* mailbox = object.Find("abuse-mailbox");
  if (mailbox != nullptr && !ValidMailbox(mailbox->value)) {
    reject(mailbox->line, "abuse-mailbox is not an e-mail address");
    return;
  }

  const std::string& c = object.class_name;
  if (c == "inetnum" || c == "inet6num" || c == "aut-num") {
    AbuseDirectory::Resource r;
    r.abuse_c = refs[0];
    r.org = refs[1];
    r.mnt_irt = refs[2];
    r.tech_c = refs[3];
    r.admin_c = refs[4];
    std::string key;
    if (c == "inetnum") {
      auto range = ParseInetnum(object.key);
      if (!range) return reject(object.line, range.error().detail());
      r.kind = kInetnum;
      r.first = range->first;
      r.last = range->second;
      key = "inetnum " + std::to_string(range->first) + "-" + std::to_string(range->second);
    } else if (c == "inet6num") {
      auto prefix = Prefix::Parse(object.key);
      if (!prefix || prefix->address.is_v4()) {
        return reject(object.line, "not an IPv6 prefix (host bits must be zero)");
      }
      r.kind = kInet6num;
      r.first = prefix->address.v6();
      r.last = prefix->last();
      r.inet6_length = static_cast<uint8_t>(prefix->length);
      key = "inet6num " + prefix->ToString();
    } else {
      auto asn = ParseAutNum(object.key);
      if (!asn) return reject(object.line, asn.error().detail());
      r.kind = kAutNum;
      r.asn = *asn;
      key = "aut-num " + std::to_string(*asn);
    }
    auto [it, inserted] =
        resource_keys_.try_emplace(key, static_cast<uint32_t>(directory_.resources_.size()));
    if (inserted) {
      directory_.resources_.push_back(r);
    } else {
      ++report_.duplicates;
      directory_.resources_[it->second] = r;
    }
    if (r.kind == kAutNum) directory_.asns_[r.asn] = it->second;
  } else if (c == "role") {
    const Attribute* nic = object.Find("nic-hdl");
    if (nic == nullptr || !ValidHandle(nic->value))
      return reject(object.line, "role without a valid nic-hdl");
    const uint32_t id = Intern(nic->value);
    auto [it, inserted] = directory_.roles_.insert_or_assign(id, mailbox ? mailbox->value : std::string());
    if (!inserted) ++report_.duplicates;
  } else if (c == "organisation") {
    if (!ValidHandle(object.key)) return reject(object.line, "organisation id is not a single handle");
    AbuseDirectory::Org org{refs[0], mailbox ? mailbox->value : std::string()};
    auto [it, inserted] = directory_.orgs_.insert_or_assign(Intern(object.key), std::move(org));
    if (!inserted) ++report_.duplicates;
  } else {  // irt
    if (!ValidHandle(object.key)) return reject(object.line, "irt name is not a single handle");
    std::string box = mailbox ? mailbox->value : std::string();
    if (box.empty()) {
      const Attribute* email = object.Find("e-mail");
      if (email != nullptr && ValidMailbox(email->value)) box = email->value;
    }
    auto [it, inserted] = directory_.irts_.insert_or_assign(Intern(object.key), std::move(box));
    if (!inserted) ++report_.duplicates;
  }
  ++report_.kept;
}

std::unique_ptr<Reader> AbuseDirectoryBuilder::MakeReader(const std::string& source) {
  return std::make_unique<Reader>(
      source, [this, source](const Object& o) { OnObject(o, source); },
      [this](const Issue& i) { OnIssue(i); }, IsWantedClass, IsWantedAttribute);
}

void AbuseDirectoryBuilder::AddText(std::string_view source, std::string_view text) {
  auto reader = MakeReader(std::string(source));
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    reader->Line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  reader->Finish();
  report_.lines += reader->lines();
  report_.objects += reader->objects();
  report_.malformed += reader->malformed_objects();
}

namespace {

Status AddFileImpl(gzFile file, Reader& reader, const std::string& path) {
  std::string buffer(kReadChunk, '\0');
  std::string carry;
  bool skipping = false;  // inside an over-long line already reported
  const size_t max_line = ReaderLimits{}.max_line_bytes;
  while (true) {
    const int n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file, &code);
      return DataLoss(path + ": read failed after line " + std::to_string(reader.lines()) + ": " +
                      (message ? message : "unknown error"));
    }
    if (n == 0) break;
    std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        if (!skipping) {
          carry.append(chunk);
          if (carry.size() > max_line) {
            reader.Line(carry, true);
            carry.clear();
            skipping = true;
          }
        }
        break;
      }
      if (skipping) {
        skipping = false;
      } else if (carry.empty()) {
        reader.Line(chunk.substr(0, nl));
      } else {
        carry.append(chunk.substr(0, nl));
        reader.Line(carry, carry.size() > max_line);
        carry.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!carry.empty()) reader.Line(carry);
  reader.Finish();
  return Status::Ok();
}

}  // namespace

Status AbuseDirectoryBuilder::AddFile(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return NotFound("cannot open RPSL file " + path);
  gzbuffer(file, kReadChunk);
  auto reader = MakeReader(path);
  Status status = AddFileImpl(file, *reader, path);
  gzclose(file);
  report_.lines += reader->lines();
  report_.objects += reader->objects();
  report_.malformed += reader->malformed_objects();
  return status;
}

AbuseDirectory AbuseDirectoryBuilder::Build() {
  AbuseDirectory out = std::move(directory_);
  std::vector<std::vector<AbuseDirectory::Piece>> v4(33), v6(129);
  for (uint32_t i = 0; i < out.resources_.size(); ++i) {
    const AbuseDirectory::Resource& r = out.resources_[i];
    if (r.kind == kInetnum) {
      ++out.inetnum_count_;
      for (auto [bits, length] : RangeToPrefixes(r.first, r.last, 32)) v4[length].push_back({bits, i});
    } else if (r.kind == kInet6num) {
      ++out.inet6num_count_;
      v6[r.inet6_length].push_back({r.first, i});
    }
  }
  // Equal pieces from different objects (a range and a smaller range starting at the same
  // address): the smaller object is the more specific one.
  auto index = [&out](std::vector<std::vector<AbuseDirectory::Piece>>& by_length,
                      std::vector<AbuseDirectory::Level>& levels) {
    for (int length = static_cast<int>(by_length.size()) - 1; length >= 0; --length) {
      auto& pieces = by_length[length];
      if (pieces.empty()) continue;
      std::sort(pieces.begin(), pieces.end(), [&out](const auto& a, const auto& b) {
        if (a.bits != b.bits) return a.bits < b.bits;
        const auto& ra = out.resources_[a.resource];
        const auto& rb = out.resources_[b.resource];
        return (ra.last - ra.first) < (rb.last - rb.first);
      });
      pieces.erase(std::unique(pieces.begin(), pieces.end(),
                               [](const auto& a, const auto& b) { return a.bits == b.bits; }),
                   pieces.end());
      levels.push_back({length, std::move(pieces)});
    }
  };
  index(v4, out.v4_levels_);
  index(v6, out.v6_levels_);
  handle_ids_.clear();
  resource_keys_.clear();
  directory_ = AbuseDirectory();
  report_ = LoadReport();
  return out;
}

}  // namespace aiip::rpsl
