#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/encoding.h"
#include "common/random.h"
#include "crypto/ed25519.h"
#include "crypto/hmac.h"
#include "crypto/sha256.h"

namespace aiip::crypto {
namespace {

std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  return bytes.value_or("");
}

// A fresh directory under the system temp dir, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aiip-crypto-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

unsigned Mode(const std::filesystem::path& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

// --- HMAC-SHA256: RFC 4231 test cases 1, 2 and 6 --------------------------------------

TEST(HmacSha256, Rfc4231Vectors) {
  struct Case {
    const char* key_hex;
    const char* message_hex;
    const char* mac_hex;
  };
  const std::string long_key(262, 'a');  // 131 bytes of 0xaa: longer than the block
  const Case cases[] = {
      {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {long_key.c_str(),
       "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  };
  for (const Case& c : cases) {
    Sha256Digest mac = HmacSha256(Unhex(c.key_hex), Unhex(c.message_hex));
    EXPECT_EQ(HexEncode(mac), c.mac_hex);
    EXPECT_TRUE(DigestsEqual(mac, HmacSha256(Unhex(c.key_hex), Unhex(c.message_hex))));
    Sha256Digest altered = mac;
    altered[31] ^= 1;
    EXPECT_FALSE(DigestsEqual(mac, altered));
  }
}

// --- SHA-256: FIPS 180-4 example vectors -------------------------------------------

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(DigestHex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(DigestHex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(DigestHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, StreamingMatchesOneShotAndResets) {
  Sha256Hasher hasher;
  std::string million(1000000, 'a');
  for (size_t i = 0; i < million.size(); i += 999) {
    hasher.Update(std::string_view(million).substr(i, 999));
  }
  EXPECT_EQ(DigestHex(hasher.Finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.Finish(), Sha256("abc"));

  Sha256Hasher moved = std::move(hasher);
  moved.Update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("abc"), 3));
  EXPECT_EQ(moved.Finish(), Sha256("abc"));
}

TEST(Sha256, DigestConversions) {
  Sha256Digest digest = Sha256("abc");
  EXPECT_EQ(DigestFromBytes(DigestBytes(digest)), digest);
  EXPECT_EQ(DigestFromHex(DigestHex(digest)), digest);
  EXPECT_FALSE(DigestFromBytes("short").has_value());
  EXPECT_FALSE(DigestFromHex("abcd").has_value());
  EXPECT_FALSE(DigestFromHex(std::string(64, 'g')).has_value());
}

// --- Ed25519: RFC 8032 §7.1 TEST 1 (empty message) -----------------------------------

constexpr std::string_view kSeed1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPublic1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kSignature1 =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
    "d25bf5f0595bbe24655141438e7a100b";

TEST(Ed25519, Rfc8032Test1) {
  auto key = Ed25519PrivateKey::FromSeed(Unhex(kSeed1));
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(HexEncode(key->PublicKey().RawBytes()), kPublic1);

  auto signature = key->Sign("");
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(*signature)), kSignature1);

  auto public_key = Ed25519PublicKey::FromRaw(Unhex(kPublic1));
  ASSERT_TRUE(public_key.has_value());
  EXPECT_TRUE(public_key->Verify("", Unhex(kSignature1)));
  EXPECT_TRUE(public_key->Verify("", *signature));
}

TEST(Ed25519, AlteredInputsFailToVerify) {
  auto key = Ed25519PrivateKey::FromSeed(Unhex(kSeed1));
  ASSERT_TRUE(key.has_value());
  const Ed25519PublicKey& public_key = key->PublicKey();
  std::string signature = Unhex(kSignature1);

  EXPECT_FALSE(public_key.Verify("x", signature));
  for (size_t i = 0; i < signature.size(); i += 7) {
    std::string altered = signature;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(public_key.Verify("", altered)) << "byte " << i;
  }
  EXPECT_FALSE(public_key.Verify("", signature.substr(0, 63)));
  EXPECT_FALSE(public_key.Verify("", signature + "x"));
  EXPECT_FALSE(public_key.Verify("", std::string()));

  SeededRandom random(7);
  auto other = Ed25519PrivateKey::Generate(random);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->PublicKey().Verify("", signature));
}

TEST(Ed25519, GenerateUsesInjectedRandom) {
  SeededRandom a(42), b(42), c(43);
  auto ka = Ed25519PrivateKey::Generate(a);
  auto kb = Ed25519PrivateKey::Generate(b);
  auto kc = Ed25519PrivateKey::Generate(c);
  ASSERT_TRUE(ka && kb && kc);
  EXPECT_EQ(ka->PublicKey(), kb->PublicKey());
  EXPECT_FALSE(ka->PublicKey() == kc->PublicKey());

  auto signature = ka->Sign("tree head");
  ASSERT_TRUE(signature.has_value());
  EXPECT_TRUE(kb->PublicKey().Verify("tree head", *signature));
}

TEST(Ed25519, PemRoundTrips) {
  auto key = Ed25519PrivateKey::FromSeed(Unhex(kSeed1));
  ASSERT_TRUE(key.has_value());
  std::string pem = key->ToPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem;
  auto reread = Ed25519PrivateKey::FromPem(pem);
  ASSERT_TRUE(reread.has_value()) << reread.error().ToString();
  EXPECT_EQ(reread->PublicKey(), key->PublicKey());

  std::string pub_pem = key->PublicKey().ToPem();
  EXPECT_TRUE(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----\n")) << pub_pem;
  auto pub = Ed25519PublicKey::FromPem(pub_pem);
  ASSERT_TRUE(pub.has_value()) << pub.error().ToString();
  EXPECT_EQ(*pub, key->PublicKey());

  EXPECT_EQ(Ed25519PrivateKey::FromPem("garbage").error().type(), "invalid-private-key");
  EXPECT_EQ(Ed25519PublicKey::FromPem(pem).error().type(), "invalid-public-key");
  EXPECT_EQ(Ed25519PublicKey::FromRaw("short").error().type(), "invalid-public-key");
  EXPECT_EQ(Ed25519PrivateKey::FromSeed("short").error().type(), "invalid-private-key");
}

// --- Key files ------------------------------------------------------------------------

TEST(KeyFiles, PrivateKeyFileIsOwnerOnlyAndNeverReplaced) {
  TempDir dir;
  SeededRandom random(1);
  auto key = Ed25519PrivateKey::Generate(random);
  ASSERT_TRUE(key.has_value());
  auto path = dir.path() / "k.pem";

  ASSERT_TRUE(WritePrivateKeyFile(*key, path).ok());
  EXPECT_EQ(Mode(path), 0600u);
  auto reread = ReadPrivateKeyFile(path);
  ASSERT_TRUE(reread.has_value()) << reread.error().ToString();
  EXPECT_EQ(reread->PublicKey(), key->PublicKey());

  auto other = Ed25519PrivateKey::Generate(random);
  EXPECT_EQ(WritePrivateKeyFile(*other, path).code(), Code::kConflict);
  EXPECT_EQ(ReadPrivateKeyFile(path)->PublicKey(), key->PublicKey());
  // No temporary files are left behind.
  EXPECT_EQ(
      std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()),
      1);

  for (unsigned mode : {0640u, 0604u, 0620u, 0602u}) {
    std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode));
    auto refused = ReadPrivateKeyFile(path);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().type(), "insecure-key-file") << std::oct << mode;
  }
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0400));
  EXPECT_TRUE(ReadPrivateKeyFile(path).has_value());

  EXPECT_EQ(ReadPrivateKeyFile(dir.path() / "missing").error().code(), Code::kNotFound);
}

TEST(KeyFiles, GarbageIsInvalidKeyFile) {
  TempDir dir;
  auto path = dir.path() / "bad.key";
  {
    std::ofstream out(path);
    out << "not a key\n";
  }
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(0600));
  EXPECT_EQ(ReadPrivateKeyFile(path).error().type(), "invalid-key-file");
  EXPECT_EQ(ReadPublicKeyFile(path).error().type(), "invalid-key-file");
}

TEST(KeyFiles, PublicKeyFileRoundTripsAndIsReplaced) {
  TempDir dir;
  SeededRandom random(2);
  auto a = Ed25519PrivateKey::Generate(random);
  auto b = Ed25519PrivateKey::Generate(random);
  auto path = dir.path() / "k.pub";
  ASSERT_TRUE(WritePublicKeyFile(a->PublicKey(), path).ok());
  EXPECT_EQ(*ReadPublicKeyFile(path), a->PublicKey());
  ASSERT_TRUE(WritePublicKeyFile(b->PublicKey(), path).ok());
  EXPECT_EQ(*ReadPublicKeyFile(path), b->PublicKey());
}

TEST(KeyFiles, LoadOrCreateNodeKey) {
  TempDir dir;
  auto node_dir = dir.path() / "data";
  SeededRandom random(3);
  auto created = LoadOrCreateNodeKey(node_dir, random);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(Mode(node_dir / "node.key"), 0600u);
  EXPECT_EQ(Mode(node_dir), 0700u);
  EXPECT_EQ(*ReadPublicKeyFile(node_dir / "node.pub"), created->PublicKey());

  auto loaded = LoadOrCreateNodeKey(node_dir, random);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->PublicKey(), created->PublicKey());

  // A missing node.pub is recreated from node.key.
  std::filesystem::remove(node_dir / "node.pub");
  ASSERT_TRUE(LoadOrCreateNodeKey(node_dir, random).has_value());
  EXPECT_EQ(*ReadPublicKeyFile(node_dir / "node.pub"), created->PublicKey());

  // A node.pub that belongs to another key is refused.
  auto stranger = Ed25519PrivateKey::Generate(random);
  ASSERT_TRUE(WritePublicKeyFile(stranger->PublicKey(), node_dir / "node.pub").ok());
  EXPECT_EQ(LoadOrCreateNodeKey(node_dir, random).error().type(), "node-key-mismatch");

  // A readable node.key is refused.
  std::filesystem::permissions(node_dir / "node.key", static_cast<std::filesystem::perms>(0644));
  EXPECT_EQ(LoadOrCreateNodeKey(node_dir, random).error().type(), "insecure-key-file");
}

}  // namespace
}  // namespace aiip::crypto
