#include "audit/entry.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/random.h"

namespace aiip::audit {
namespace {

Entry SampleEntry() {
  Entry entry;
  entry.index = 0x0102030405060708;
  entry.time = SystemTime(std::chrono::milliseconds(1700000000123));
  entry.fields.member_id = "mbr_01";
  entry.fields.organisation_id = "org_02";
  entry.fields.action = "organisation.create";
  entry.fields.object_id = "org_03";
  entry.fields.object_hash = crypto::Sha256("object");
  return entry;
}

TEST(Entry, EncodingIsExactlyAsSpecified) {
  Entry entry = SampleEntry();
  entry.fields.object_hash = crypto::Sha256("abc");
  auto bytes = EncodeEntry(entry);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(HexEncode(*bytes),
            "01"                // version
            "0102030405060708"  // index
            "0000018bcfe5687b"  // 1700000000123 ms
            "0006"
            "6d62725f3031"  // "mbr_01"
            "0006"
            "6f72675f3032"  // "org_02"
            "0013"
            "6f7267616e69736174696f6e2e637265617465"  // "organisation.create"
            "0006"
            "6f72675f3033"  // "org_03"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Entry, RoundTripsIncludingEmptyAndUnicodeFields) {
  Entry entry = SampleEntry();
  entry.fields.member_id.clear();
  entry.fields.object_id = "Zürich–東京 🌍";
  entry.time = SystemTime(std::chrono::milliseconds(-5));
  auto bytes = EncodeEntry(entry);
  ASSERT_TRUE(bytes.has_value());
  auto decoded = DecodeEntry(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, entry);
  EXPECT_EQ(*EncodeEntry(*decoded), *bytes);

  entry.fields.action = std::string(kMaxEntryFieldSize, 'a');
  auto longest = EncodeEntry(entry);
  ASSERT_TRUE(longest.has_value());
  EXPECT_EQ(*DecodeEntry(*longest), entry);
}

TEST(Entry, EncodeRejectsOversizedAndNonUtf8Fields) {
  Entry entry = SampleEntry();
  entry.fields.action = std::string(kMaxEntryFieldSize + 1, 'a');
  EXPECT_EQ(EncodeEntry(entry).error().type(), "invalid-audit-entry");
  for (std::string bad : {std::string("\xff"), std::string("\xc0\x80"),  // overlong NUL
                          std::string("\xed\xa0\x80"),                   // surrogate
                          std::string("\xf4\x90\x80\x80"),               // > U+10FFFF
                          std::string("ab\xe2\x82")}) {                  // truncated
    entry = SampleEntry();
    entry.fields.object_id = bad;
    EXPECT_EQ(EncodeEntry(entry).error().type(), "invalid-audit-entry") << HexEncode(bad);
  }
}

TEST(Entry, DecodeRejectsEveryMalformation) {
  const std::string good = *EncodeEntry(SampleEntry());
  auto expect_malformed = [](std::string_view bytes, std::string_view why) {
    auto decoded = DecodeEntry(bytes);
    ASSERT_FALSE(decoded.has_value()) << why;
    EXPECT_EQ(decoded.error().code(), Code::kDataLoss) << why;
    EXPECT_EQ(decoded.error().type(), "malformed-audit-entry") << why;
  };
  expect_malformed("", "empty");
  for (size_t n = 1; n < good.size(); ++n) expect_malformed(good.substr(0, n), "truncated");
  expect_malformed(good + '\0', "trailing byte");
  std::string v2 = good;
  v2[0] = 0x02;
  expect_malformed(v2, "version 2");
  // A length prefix that runs past the end.
  std::string long_length = good;
  long_length[17] = '\x7f';
  expect_malformed(long_length, "length too large");
  // Invalid UTF-8 inside a field ("mbr_01" starts at offset 19).
  std::string bad_utf8 = good;
  bad_utf8[19] = '\xff';
  expect_malformed(bad_utf8, "bad utf-8");
}

TEST(TreeHead, SignatureInputIsExactlyAsSpecified) {
  TreeHead head{.size = 5,
                .root = crypto::Sha256("abc"),
                .timestamp = SystemTime(std::chrono::milliseconds(1700000000123))};
  EXPECT_EQ(HexEncode(TreeHeadSignatureInput(head)),
            "414949502d5354482d763100"  // "AIIP-STH-v1\0"
            "0000000000000005"
            "0000018bcfe5687b"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TreeHead, SignAndVerify) {
  SeededRandom random(9);
  auto key = crypto::Ed25519PrivateKey::Generate(random);
  auto other = crypto::Ed25519PrivateKey::Generate(random);
  ASSERT_TRUE(key && other);
  TreeHead head{.size = 42,
                .root = crypto::Sha256("root"),
                .timestamp = SystemTime(std::chrono::milliseconds(1700000000000))};
  auto sth = SignTreeHead(head, *key);
  ASSERT_TRUE(sth.has_value());
  EXPECT_EQ(sth->head, head);
  EXPECT_TRUE(VerifyTreeHeadSignature(*sth, key->PublicKey()));
  EXPECT_FALSE(VerifyTreeHeadSignature(*sth, other->PublicKey()));

  SignedTreeHead altered = *sth;
  altered.head.size = 43;
  EXPECT_FALSE(VerifyTreeHeadSignature(altered, key->PublicKey()));
  altered = *sth;
  altered.head.timestamp += std::chrono::milliseconds(1);
  EXPECT_FALSE(VerifyTreeHeadSignature(altered, key->PublicKey()));
  altered = *sth;
  altered.head.root[31] ^= 1;
  EXPECT_FALSE(VerifyTreeHeadSignature(altered, key->PublicKey()));
  altered = *sth;
  altered.signature[0] ^= 1;
  EXPECT_FALSE(VerifyTreeHeadSignature(altered, key->PublicKey()));
}

}  // namespace
}  // namespace aiip::audit
