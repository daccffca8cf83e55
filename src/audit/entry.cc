#include "audit/entry.h"

#include <array>
#include <cstring>

namespace aiip::audit {
namespace {

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift & 0xff));
}

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;  // continuation bytes that follow
    uint32_t min;  // smallest code point that needs this many (shorter = overlong)
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      min = 0x80;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      min = 0x800;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

// Reads the fields of an encoded entry front to back; the first failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool Take(size_t n, std::string_view& out) {
    if (rest_.size() < n) return false;
    out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  bool U64(uint64_t& v) {
    std::string_view b;
    if (!Take(8, b)) return false;
    v = 0;
    for (char c : b) v = v << 8 | static_cast<uint8_t>(c);
    return true;
  }
  bool U16(uint16_t& v) {
    std::string_view b;
    if (!Take(2, b)) return false;
    v = static_cast<uint16_t>(static_cast<uint8_t>(b[0]) << 8 | static_cast<uint8_t>(b[1]));
    return true;
  }
  bool empty() const { return rest_.empty(); }
  size_t remaining() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

Status Malformed(std::string detail) {
  return Status(Code::kDataLoss, "malformed-audit-entry", std::move(detail));
}

struct StringField {
  std::string_view name;
  std::string EntryFields::*member;
};
constexpr std::array<StringField, 4> kStringFields{{
    {"member_id", &EntryFields::member_id},
    {"organisation_id", &EntryFields::organisation_id},
    {"action", &EntryFields::action},
    {"object_id", &EntryFields::object_id},
}};

}  // namespace

Result<std::string> EncodeEntry(const Entry& entry) {
  std::string out;
  out.reserve(1 + 8 + 8 + 4 * 2 + 32 + entry.fields.member_id.size() + entry.fields.organisation_id.size() +
              entry.fields.action.size() + entry.fields.object_id.size());
  out.push_back(static_cast<char>(kEntryVersion));
  PutU64(out, entry.index);
  PutU64(out, static_cast<uint64_t>(entry.time.time_since_epoch().count()));
  for (const StringField& field : kStringFields) {
    const std::string& value = entry.fields.*field.member;
    if (value.size() > kMaxEntryFieldSize) {
      return Err(
          InvalidArgument("invalid-audit-entry", std::string(field.name) + " is longer than 65535 bytes"));
    }
    if (!IsValidUtf8(value)) {
      return Err(InvalidArgument("invalid-audit-entry", std::string(field.name) + " is not UTF-8"));
    }
    PutU16(out, static_cast<uint16_t>(value.size()));
    out.append(value);
  }
  out.append(reinterpret_cast<const char*>(entry.fields.object_hash.data()), entry.fields.object_hash.size());
  return out;
}

Result<Entry> DecodeEntry(std::string_view bytes) {
  Reader reader(bytes);
  std::string_view version;
  if (!reader.Take(1, version)) return Err(Malformed("empty entry"));
  if (static_cast<uint8_t>(version[0]) != kEntryVersion) {
    return Err(Malformed("unknown entry version " + std::to_string(static_cast<uint8_t>(version[0]))));
  }
  Entry entry;
  uint64_t time_ms;
  if (!reader.U64(entry.index) || !reader.U64(time_ms)) return Err(Malformed("truncated header"));
  entry.time = SystemTime(std::chrono::milliseconds(static_cast<int64_t>(time_ms)));
  for (const StringField& field : kStringFields) {
    uint16_t length;
    std::string_view value;
    if (!reader.U16(length) || !reader.Take(length, value)) {
      return Err(Malformed("truncated " + std::string(field.name)));
    }
    if (!IsValidUtf8(value)) return Err(Malformed(std::string(field.name) + " is not UTF-8"));
    entry.fields.*field.member = std::string(value);
  }
  std::string_view hash;
  if (!reader.Take(crypto::kSha256Size, hash)) return Err(Malformed("truncated object hash"));
  std::memcpy(entry.fields.object_hash.data(), hash.data(), hash.size());
  if (!reader.empty()) {
    return Err(Malformed(std::to_string(reader.remaining()) + " trailing bytes"));
  }
  return entry;
}

std::string TreeHeadSignatureInput(const TreeHead& head) {
  std::string out(kTreeHeadSignaturePrefix);
  PutU64(out, head.size);
  PutU64(out, static_cast<uint64_t>(head.timestamp.time_since_epoch().count()));
  out.append(reinterpret_cast<const char*>(head.root.data()), head.root.size());
  return out;
}

Result<SignedTreeHead> SignTreeHead(const TreeHead& head, const crypto::Ed25519PrivateKey& key) {
  AIIP_ASSIGN_OR_RETURN(crypto::Ed25519Signature signature, key.Sign(TreeHeadSignatureInput(head)));
  return SignedTreeHead{head, signature};
}

bool VerifyTreeHeadSignature(const SignedTreeHead& sth, const crypto::Ed25519PublicKey& key) {
  return key.Verify(TreeHeadSignatureInput(sth.head), sth.signature);
}

}  // namespace aiip::audit
