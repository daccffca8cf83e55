#include "crypto/ed25519.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace aiip::crypto {
namespace {

// Takes and clears OpenSSL's (thread-local) error queue, so a failure here is not
// misreported by the next OpenSSL call on this thread.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) { return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free); }

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

BioPtr ReadBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Drains a memory BIO into a string.
std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

// A passphrase callback that supplies none: without it OpenSSL would prompt on the
// terminal when it meets an encrypted PEM block.
int NoPassphrase(char*, int, int, void*) { return 0; }

std::string ErrnoText(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close may carry (deferred write errors on NFS).
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Status FsyncDirectory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Internal(ErrnoText("cannot open directory", dir));
  if (::fsync(fd.get()) != 0) return Internal(ErrnoText("cannot fsync directory", dir));
  return Status::Ok();
}

// Writes `contents` to `path` crash-safely: a temporary file in the same directory
// (O_EXCL, `mode`), fsync, rename into place, fsync of the directory. With
// `replace == false` the rename refuses to replace an existing `path` (kConflict).
Status WriteFileDurably(const std::filesystem::path& path, std::string_view contents, mode_t mode,
                        bool replace) {
  static std::atomic<uint64_t> counter{0};
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  // The name embeds our pid, so an existing file of that name is debris from a crashed
  // process that had the same pid: no live writer can own it.
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  int raw_fd = ::open(tmp.c_str(), kFlags, mode);
  if (raw_fd < 0 && errno == EEXIST && ::unlink(tmp.c_str()) == 0) {
    raw_fd = ::open(tmp.c_str(), kFlags, mode);
  }
  Fd fd(raw_fd);
  if (fd.get() < 0) return Internal(ErrnoText("cannot create", tmp));
  auto fail = [&](std::string_view what) {
    Status status = Internal(ErrnoText(what, tmp));
    ::unlink(tmp.c_str());
    return status;
  };
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot fsync");
  if (fd.Close() != 0) return fail("cannot close");
  if (replace) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  } else if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      ::unlink(tmp.c_str());
      return Conflict("refusing to replace existing file " + path.string());
    }
    return fail("cannot rename");
  }
  return FsyncDirectory(path.parent_path());
}

// Reads a whole file. With `private_file`, refuses files that are not regular or that
// grant any permission to group or others, checking the descriptor actually read (no
// window between check and use).
Result<std::string> ReadKeyFile(const std::filesystem::path& path, bool private_file) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Err(NotFound("key file " + path.string() + " does not exist"));
    return Err(Internal(ErrnoText("cannot open", path)));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Err(Internal(ErrnoText("cannot stat", path)));
  if (private_file && (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Err(FailedPrecondition("insecure-key-file",
                                  "private key file " + path.string() + " has mode " + mode +
                                      " or is not a regular file; it must be accessible to its owner "
                                      "only (chmod 600)"));
  }
  // Key files are a few hundred bytes; anything large is not a key and is not read whole.
  constexpr off_t kMaxKeyFile = 64 * 1024;
  if (st.st_size > kMaxKeyFile) {
    return Err(FailedPrecondition("invalid-key-file", path.string() + " is too large to be a key"));
  }
  std::string contents;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Err(Internal(ErrnoText("cannot read", path)));
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > static_cast<size_t>(kMaxKeyFile)) {
      return Err(FailedPrecondition("invalid-key-file", path.string() + " is too large to be a key"));
    }
  }
  return contents;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Ed25519PublicKey

Result<Ed25519PublicKey> Ed25519PublicKey::FromKey(std::shared_ptr<EVP_PKEY> key) {
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Err(InvalidArgument("invalid-public-key", "not an Ed25519 key"));
  }
  std::array<uint8_t, kEd25519PublicKeySize> raw;
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &size) != 1 || size != raw.size()) {
    return Err(Internal("cannot read Ed25519 public key: " + OpenSslError()));
  }
  return Ed25519PublicKey(std::move(key), raw);
}

Result<Ed25519PublicKey> Ed25519PublicKey::FromRaw(std::string_view raw) {
  if (raw.size() != kEd25519PublicKeySize) {
    return Err(InvalidArgument("invalid-public-key",
                               "an Ed25519 public key has 32 bytes, got " + std::to_string(raw.size())));
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (key == nullptr) {
    return Err(InvalidArgument("invalid-public-key", "OpenSSL rejected the key: " + OpenSslError()));
  }
  return FromKey(Own(key));
}

Result<Ed25519PublicKey> Ed25519PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return Err(Internal("BIO_new_mem_buf: " + OpenSslError()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr);
  if (key == nullptr) {
    return Err(InvalidArgument("invalid-public-key", "no PEM public key: " + OpenSslError()));
  }
  return FromKey(Own(key));
}

std::string Ed25519PublicKey::RawBytes() const {
  return std::string(reinterpret_cast<const char*>(raw_.data()), raw_.size());
}

std::string Ed25519PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // Writing a valid key to memory fails only when allocation does.
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    std::fprintf(stderr, "fatal: PEM_write_bio_PUBKEY: %s\n", OpenSslError().c_str());
    std::abort();
  }
  return BioContents(bio.get());
}

bool Ed25519PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  // A bad signature leaves an entry in the error queue; it is an answer, not an error.
  ERR_clear_error();
  return ok;
}

bool Ed25519PublicKey::Verify(std::string_view message, const Ed25519Signature& signature) const {
  return Verify(message, std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
}

// ---------------------------------------------------------------------------------------
// Ed25519PrivateKey

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromKey(std::shared_ptr<EVP_PKEY> key) {
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Err(InvalidArgument("invalid-private-key", "not an Ed25519 key"));
  }
  AIIP_ASSIGN_OR_RETURN(Ed25519PublicKey public_key, Ed25519PublicKey::FromKey(key));
  return Ed25519PrivateKey(std::move(key), std::move(public_key));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(std::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return Err(InvalidArgument("invalid-private-key",
                               "an Ed25519 seed has 32 bytes, got " + std::to_string(seed.size())));
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (key == nullptr) return Err(Internal("cannot create Ed25519 key: " + OpenSslError()));
  return FromKey(Own(key));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::Generate(Random& random) {
  std::array<uint8_t, kEd25519SeedSize> seed;
  random.Fill(seed);
  auto key = FromSeed(std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return Err(Internal("BIO_new_mem_buf: " + OpenSslError()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (key == nullptr) {
    return Err(InvalidArgument("invalid-private-key", "no unencrypted PEM private key: " + OpenSslError()));
  }
  return FromKey(Own(key));
}

std::string Ed25519PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    std::fprintf(stderr, "fatal: PEM_write_bio_PrivateKey: %s\n", OpenSslError().c_str());
    std::abort();
  }
  std::string pem = BioContents(bio.get());
  // The memory BIO's buffer held the secret; wipe it before BIO_free releases it.
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  OPENSSL_cleanse(data, static_cast<size_t>(size));
  return pem;
}

Result<Ed25519Signature> Ed25519PrivateKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Ed25519Signature signature;
  size_t size = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      size != signature.size()) {
    return Err(Internal("Ed25519 signing failed: " + OpenSslError()));
  }
  return signature;
}

// ---------------------------------------------------------------------------------------
// Key files

Status WritePrivateKeyFile(const Ed25519PrivateKey& key, const std::filesystem::path& path) {
  std::string pem = key.ToPem();
  Status status = WriteFileDurably(path, pem, 0600, /*replace=*/false);
  OPENSSL_cleanse(pem.data(), pem.size());
  return status;
}

Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::filesystem::path& path) {
  AIIP_ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(path, /*private_file=*/true));
  auto key = Ed25519PrivateKey::FromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key) {
    if (key.error().code() != Code::kInvalidArgument) return key;
    return Err(
        FailedPrecondition("invalid-key-file",
                           path.string() + " does not hold an Ed25519 private key: " + key.error().detail()));
  }
  return key;
}

Status WritePublicKeyFile(const Ed25519PublicKey& key, const std::filesystem::path& path) {
  return WriteFileDurably(path, key.ToPem(), 0644, /*replace=*/true);
}

Result<Ed25519PublicKey> ReadPublicKeyFile(const std::filesystem::path& path) {
  AIIP_ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(path, /*private_file=*/false));
  auto key = Ed25519PublicKey::FromPem(pem);
  if (!key && key.error().code() == Code::kInvalidArgument) {
    return Err(FailedPrecondition(
        "invalid-key-file", path.string() + " does not hold an Ed25519 public key: " + key.error().detail()));
  }
  return key;
}

Result<Ed25519PrivateKey> LoadOrCreateNodeKey(const std::filesystem::path& dir, Random& random) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec)) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return Err(Internal("cannot create directory " + dir.string() + ": " + ec.message()));

  const std::filesystem::path key_path = dir / "node.key";
  const std::filesystem::path pub_path = dir / "node.pub";
  auto key = ReadPrivateKeyFile(key_path);
  if (!key && key.error().code() == Code::kNotFound) {
    AIIP_ASSIGN_OR_RETURN(Ed25519PrivateKey created, Ed25519PrivateKey::Generate(random));
    Status written = WritePrivateKeyFile(created, key_path);
    if (written.ok()) {
      key = std::move(created);
    } else if (written.code() == Code::kConflict) {
      // Another process created the key first; use its key so both agree.
      key = ReadPrivateKeyFile(key_path);
    } else {
      return Err(written);
    }
  }
  if (!key) return key;

  auto pub = ReadPublicKeyFile(pub_path);
  if (pub) {
    if (*pub != key->PublicKey()) {
      return Err(FailedPrecondition("node-key-mismatch",
                                    pub_path.string() + " is not the public key of " + key_path.string()));
    }
    return key;
  }
  if (pub.error().code() != Code::kNotFound) return Err(pub.error());
  if (Status written = WritePublicKeyFile(key->PublicKey(), pub_path); !written.ok()) {
    return Err(written);
  }
  return key;
}

}  // namespace aiip::crypto
