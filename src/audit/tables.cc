#include "audit/tables.h"

#include <cstring>

#include "common/time.h"

namespace aiip::audit::internal {

std::optional<int64_t> IntColumn(const store::Row& row, size_t i) {
  if (i >= row.size()) return std::nullopt;
  const auto* v = std::get_if<int64_t>(&row.At(i));
  return v == nullptr ? std::nullopt : std::optional<int64_t>(*v);
}

const std::string* BlobColumn(const store::Row& row, size_t i) {
  if (i >= row.size()) return nullptr;
  const auto* b = std::get_if<store::Blob>(&row.At(i));
  return b == nullptr ? nullptr : &b->bytes;
}

std::optional<crypto::Sha256Digest> DigestColumn(const store::Row& row, size_t i) {
  const std::string* bytes = BlobColumn(row, i);
  if (bytes == nullptr) return std::nullopt;
  return crypto::DigestFromBytes(*bytes);
}

Result<SignedTreeHead> HeadFromRow(const store::Row& row) {
  auto malformed = [&](std::string what) {
    return Err(Status(Code::kDataLoss, "malformed-tree-head", std::move(what)));
  };
  const std::optional<int64_t> size = IntColumn(row, 0);
  if (!size || *size < 0) return malformed("a tree head has no valid size");
  const std::string where = " of the tree head at size " + std::to_string(*size);
  const std::optional<crypto::Sha256Digest> root = DigestColumn(row, 1);
  if (!root) return malformed("malformed root" + where);
  const auto* signed_at = row.size() > 2 ? std::get_if<std::string>(&row.At(2)) : nullptr;
  if (signed_at == nullptr) return malformed("missing signed_at" + where);
  Result<SystemTime> timestamp = ParseRfc3339(*signed_at);
  if (!timestamp) return malformed("malformed signed_at" + where + ": " + timestamp.error().detail());
  const std::string* signature = BlobColumn(row, 3);
  if (signature == nullptr || signature->size() != crypto::kEd25519SignatureSize) {
    return malformed("malformed signature" + where);
  }
  SignedTreeHead sth;
  sth.head = TreeHead{static_cast<uint64_t>(*size), *root, *timestamp};
  std::memcpy(sth.signature.data(), signature->data(), signature->size());
  return sth;
}

std::vector<store::Value> HeadParams(const SignedTreeHead& sth) {
  return {
      static_cast<int64_t>(sth.head.size), store::Blob{crypto::DigestBytes(sth.head.root)},
      FormatRfc3339(sth.head.timestamp),
      store::Blob{std::string(reinterpret_cast<const char*>(sth.signature.data()), sth.signature.size())}};
}

}  // namespace aiip::audit::internal
