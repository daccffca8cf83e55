#include "audit/merkle.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"

namespace aiip::audit {
namespace {

using crypto::DigestFromHex;
using crypto::DigestHex;

Sha256Digest D(std::string_view hex) {
  auto digest = DigestFromHex(hex);
  EXPECT_TRUE(digest.has_value()) << hex;
  return digest.value_or(Sha256Digest{});
}

std::vector<Sha256Digest> Ds(std::initializer_list<std::string_view> hexes) {
  std::vector<Sha256Digest> out;
  for (auto hex : hexes) out.push_back(D(hex));
  return out;
}

// The leaves of Certificate Transparency's reference tests (RFC 6962 reference
// implementation, reused by transparency-dev/merkle).
const std::vector<std::string>& CtLeaves() {
  static const std::vector<std::string> leaves = {
      std::string(),
      std::string("\x00", 1),
      "\x10",
      "\x20\x21",
      "\x30\x31",
      "\x40\x41\x42\x43",
      "\x50\x51\x52\x53\x54\x55\x56\x57",
      "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
  };
  return leaves;
}

// CT_ROOTS[n] = MTH of the first n CT leaves.
const std::vector<std::string_view> kCtRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Sha256Digest> CtLeafHashes() {
  std::vector<Sha256Digest> hashes;
  for (const auto& leaf : CtLeaves()) hashes.push_back(HashLeaf(leaf));
  return hashes;
}

Sha256Digest Flip(Sha256Digest d, size_t byte = 0, uint8_t mask = 0x08) {
  d[byte] ^= mask;
  return d;
}

TEST(MerkleHashing, LeafAndNodePrefixes) {
  EXPECT_EQ(DigestHex(EmptyRoot()), kCtRoots[0]);
  EXPECT_EQ(DigestHex(HashLeaf("")), kCtRoots[1]);
  auto leaves = CtLeafHashes();
  EXPECT_EQ(DigestHex(HashChildren(leaves[0], leaves[1])), kCtRoots[2]);
  EXPECT_EQ(DigestHex(leaves[1]), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
}

TEST(MerkleTree, CtKnownRootsAtEverySize) {
  auto leaves = CtLeafHashes();
  MerkleTree tree;
  EXPECT_EQ(DigestHex(*tree.RootAt(0)), kCtRoots[0]);
  for (size_t n = 1; n <= leaves.size(); ++n) {
    tree.Append(leaves[n - 1]);
    EXPECT_EQ(tree.size(), n);
    for (size_t m = 0; m <= n; ++m) {
      EXPECT_EQ(DigestHex(*tree.RootAt(m)), kCtRoots[m]) << "size " << m << " of " << n;
      EXPECT_EQ(DigestHex(RootOfLeaves(std::span(leaves).first(m))), kCtRoots[m]);
    }
  }
  EXPECT_EQ(tree.RootAt(9).error().type(), "tree-size-out-of-range");
}

TEST(MerkleTree, CtKnownInclusionProofs) {
  MerkleTree tree;
  tree.Append(CtLeafHashes());
  struct Case {
    uint64_t index, size;
    std::vector<Sha256Digest> proof;
  };
  std::vector<Case> cases = {
      {0, 1, {}},
      {0, 8,
       Ds({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Ds({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 3, Ds({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Ds({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  auto leaves = CtLeafHashes();
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "PATH(" << c.index << ", D[" << c.size << "])");
    auto proof = tree.InclusionProof(c.index, c.size);
    ASSERT_TRUE(proof.has_value());
    EXPECT_EQ(*proof, c.proof);
    const Sha256Digest root = D(kCtRoots[c.size]);
    EXPECT_TRUE(VerifyInclusion(leaves[c.index], c.index, c.size, c.proof, root).ok());
    // The mutations of transparency-dev's reference probes all fail.
    if (c.index > 0) {
      EXPECT_FALSE(VerifyInclusion(leaves[c.index], c.index - 1, c.size, c.proof, root).ok());
    }
    EXPECT_FALSE(VerifyInclusion(leaves[c.index], c.index + 1, c.size, c.proof, root).ok());
    EXPECT_FALSE(VerifyInclusion(leaves[c.index], c.index ^ 2, c.size, c.proof, root).ok());
    EXPECT_FALSE(VerifyInclusion(leaves[c.index], c.index, c.size * 2, c.proof, root).ok());
    EXPECT_FALSE(VerifyInclusion(leaves[c.index], c.index, c.size / 2, c.proof, root).ok());
  }
}

TEST(MerkleTree, CtKnownConsistencyProofs) {
  MerkleTree tree;
  tree.Append(CtLeafHashes());
  struct Case {
    uint64_t first, second;
    std::vector<Sha256Digest> proof;
  };
  std::vector<Case> cases = {
      {1, 1, {}},
      {1, 8,
       Ds({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {6, 8,
       Ds({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       Ds({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 7,
       Ds({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "PROOF(" << c.first << ", D[" << c.second << "])");
    auto proof = tree.ConsistencyProof(c.first, c.second);
    ASSERT_TRUE(proof.has_value());
    EXPECT_EQ(*proof, c.proof);
    const Sha256Digest r1 = D(kCtRoots[c.first]);
    const Sha256Digest r2 = D(kCtRoots[c.second]);
    EXPECT_TRUE(VerifyConsistency(c.first, c.second, r1, r2, c.proof).ok());
    if (c.proof.empty()) continue;
    EXPECT_FALSE(VerifyConsistency(c.first - 1, c.second, r1, r2, c.proof).ok());
    EXPECT_FALSE(VerifyConsistency(c.first + 1, c.second, r1, r2, c.proof).ok());
    EXPECT_FALSE(VerifyConsistency(c.first ^ 2, c.second, r1, r2, c.proof).ok());
    EXPECT_FALSE(VerifyConsistency(c.first, c.second * 2, r1, r2, c.proof).ok());
    EXPECT_FALSE(VerifyConsistency(c.first, c.second / 2, r1, r2, c.proof).ok());
    EXPECT_FALSE(VerifyConsistency(c.first, c.second, r2, r1, c.proof).ok());
  }
}

// Every mutation of a valid inclusion proof must fail to verify.
void ExpectInclusionMutationsFail(const std::vector<Sha256Digest>& leaves, uint64_t index, uint64_t size,
                                  const std::vector<Sha256Digest>& proof, const Sha256Digest& root,
                                  const Sha256Digest& other_root) {
  const Sha256Digest& leaf = leaves[index];
  for (size_t i = 0; i < proof.size(); ++i) {
    auto altered = proof;
    altered[i] = Flip(altered[i], i % 32);
    EXPECT_FALSE(VerifyInclusion(leaf, index, size, altered, root).ok()) << "flipped element " << i;
  }
  if (!proof.empty()) {
    EXPECT_FALSE(VerifyInclusion(leaf, index, size, std::span(proof).first(proof.size() - 1), root).ok());
    auto swapped = proof;
    std::swap(swapped.front(), swapped.back());
    if (swapped != proof) {
      EXPECT_FALSE(VerifyInclusion(leaf, index, size, swapped, root).ok());
    }
  }
  auto longer = proof;
  longer.push_back(root);
  EXPECT_FALSE(VerifyInclusion(leaf, index, size, longer, root).ok());
  auto prefixed = proof;
  prefixed.insert(prefixed.begin(), root);
  EXPECT_FALSE(VerifyInclusion(leaf, index, size, prefixed, root).ok());
  EXPECT_FALSE(VerifyInclusion(Flip(leaf), index, size, proof, root).ok());
  EXPECT_FALSE(VerifyInclusion(leaf, index, size, proof, other_root).ok());
  EXPECT_FALSE(VerifyInclusion(leaf, size, size, proof, root).ok());
  EXPECT_FALSE(VerifyInclusion(leaf, index, size * 2, proof, root).ok());
  if (index < size / 2) {
    EXPECT_FALSE(VerifyInclusion(leaf, index, size / 2, proof, root).ok());
  }
  for (uint64_t other = 0; other < size; ++other) {
    if (leaves[other] != leaf) {
      EXPECT_FALSE(VerifyInclusion(leaves[other], index, size, proof, root).ok());
    }
  }
}

TEST(MerkleTree, EveryCtInclusionProofVerifiesAndMutationsFail) {
  auto leaves = CtLeafHashes();
  MerkleTree tree;
  tree.Append(leaves);
  for (uint64_t size = 1; size <= 8; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE(testing::Message() << "index " << index << " size " << size);
      auto proof = tree.InclusionProof(index, size);
      ASSERT_TRUE(proof.has_value());
      const Sha256Digest root = D(kCtRoots[size]);
      Status status = VerifyInclusion(leaves[index], index, size, *proof, root);
      EXPECT_TRUE(status.ok()) << status.ToString();
      ExpectInclusionMutationsFail(leaves, index, size, *proof, root, D(kCtRoots[size == 8 ? 7 : size + 1]));
    }
  }
  EXPECT_FALSE(tree.InclusionProof(3, 3).has_value());
  EXPECT_FALSE(tree.InclusionProof(0, 9).has_value());
  EXPECT_FALSE(tree.InclusionProof(0, 0).has_value());
}

void ExpectConsistencyMutationsFail(uint64_t first, uint64_t second, const std::vector<Sha256Digest>& proof,
                                    const Sha256Digest& r1, const Sha256Digest& r2) {
  for (size_t i = 0; i < proof.size(); ++i) {
    auto altered = proof;
    altered[i] = Flip(altered[i], i % 32, 0x10);
    EXPECT_FALSE(VerifyConsistency(first, second, r1, r2, altered).ok()) << "flipped element " << i;
  }
  EXPECT_FALSE(VerifyConsistency(first, second, r1, r2, {}).ok());
  EXPECT_FALSE(VerifyConsistency(first, second, r1, r2, std::span(proof).first(proof.size() - 1)).ok());
  for (const Sha256Digest& extra : {r1, r2, proof[0]}) {
    auto longer = proof;
    longer.push_back(extra);
    EXPECT_FALSE(VerifyConsistency(first, second, r1, r2, longer).ok());
    auto prefixed = proof;
    prefixed.insert(prefixed.begin(), extra);
    EXPECT_FALSE(VerifyConsistency(first, second, r1, r2, prefixed).ok());
  }
  EXPECT_FALSE(VerifyConsistency(first, second, Flip(r1), r2, proof).ok());
  EXPECT_FALSE(VerifyConsistency(first, second, r1, Flip(r2), proof).ok());
  EXPECT_FALSE(VerifyConsistency(first, second, r2, r1, proof).ok());
  EXPECT_FALSE(VerifyConsistency(second, first, r1, r2, proof).ok());
  EXPECT_FALSE(VerifyConsistency(first, second * 2, r1, r2, proof).ok());
}

TEST(MerkleTree, EveryCtConsistencyProofVerifiesAndMutationsFail) {
  MerkleTree tree;
  tree.Append(CtLeafHashes());
  for (uint64_t second = 0; second <= 8; ++second) {
    for (uint64_t first = 0; first <= second; ++first) {
      SCOPED_TRACE(testing::Message() << "first " << first << " second " << second);
      auto proof = tree.ConsistencyProof(first, second);
      ASSERT_TRUE(proof.has_value());
      const Sha256Digest r1 = D(kCtRoots[first]);
      const Sha256Digest r2 = D(kCtRoots[second]);
      Status status = VerifyConsistency(first, second, r1, r2, *proof);
      EXPECT_TRUE(status.ok()) << status.ToString();
      if (first == 0 || first == second) {
        EXPECT_TRUE(proof->empty());
        EXPECT_FALSE(VerifyConsistency(first, second, r1, r2, std::vector{r1}).ok());
        if (first != second) {
          EXPECT_FALSE(VerifyConsistency(first, second, Flip(r1), r2, *proof).ok());
        }
        if (first == second) {
          EXPECT_FALSE(VerifyConsistency(first, second, r1, Flip(r2), *proof).ok());
        }
        continue;
      }
      ExpectConsistencyMutationsFail(first, second, *proof, r1, r2);
    }
  }
  EXPECT_FALSE(tree.ConsistencyProof(5, 4).has_value());
  EXPECT_FALSE(tree.ConsistencyProof(1, 9).has_value());
}

TEST(MerkleTree, GrowingTreeServesProofsAtItsCurrentSize) {
  std::vector<Sha256Digest> leaves;
  MerkleTree tree;
  for (int i = 0; i < 130; ++i) {
    leaves.push_back(HashLeaf("entry " + std::to_string(i)));
    tree.Append(leaves.back());
    const uint64_t size = leaves.size();
    const Sha256Digest root = RootOfLeaves(leaves);
    ASSERT_EQ(*tree.RootAt(size), root) << size;
    for (uint64_t index = 0; index < size; ++index) {
      ASSERT_TRUE(VerifyInclusion(leaves[index], index, size, *tree.InclusionProof(index, size), root).ok())
          << index << "/" << size;
    }
    for (uint64_t first = 1; first <= size; ++first) {
      ASSERT_TRUE(
          VerifyConsistency(first, size, *tree.RootAt(first), root, *tree.ConsistencyProof(first, size)).ok())
          << first << "/" << size;
    }
  }
}

TEST(MerkleTree, LargerTreesAgreeWithTheDefinition) {
  std::mt19937_64 rng(12345);
  std::vector<Sha256Digest> leaves;
  MerkleTree tree;
  for (int i = 0; i < 300; ++i) leaves.push_back(HashLeaf("entry " + std::to_string(i)));
  tree.Append(leaves);
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    const Sha256Digest root = RootOfLeaves(std::span(leaves).first(size));
    ASSERT_EQ(*tree.RootAt(size), root) << size;
    uint64_t index = rng() % size;
    auto proof = tree.InclusionProof(index, size);
    ASSERT_TRUE(VerifyInclusion(leaves[index], index, size, *proof, root).ok()) << index << "/" << size;
    uint64_t first = 1 + rng() % size;
    auto consistency = tree.ConsistencyProof(first, size);
    ASSERT_TRUE(VerifyConsistency(first, size, *tree.RootAt(first), root, *consistency).ok())
        << first << "/" << size;
  }
}

TEST(MerkleTree, TruncateRestoresEarlierState) {
  std::vector<Sha256Digest> leaves;
  for (int i = 0; i < 100; ++i) leaves.push_back(HashLeaf("a" + std::to_string(i)));
  MerkleTree tree;
  tree.Append(std::span(leaves).first(37));
  const Sha256Digest root37 = *tree.RootAt(37);
  tree.Append(std::span(leaves).subspan(37));
  ASSERT_EQ(tree.size(), 100u);
  tree.Truncate(37);
  EXPECT_EQ(tree.size(), 37u);
  EXPECT_EQ(*tree.RootAt(37), root37);
  EXPECT_FALSE(tree.RootAt(38).has_value());
  // Appending different leaves after truncation gives the tree of those leaves.
  std::vector<Sha256Digest> other(leaves.begin(), leaves.begin() + 37);
  for (int i = 0; i < 30; ++i) {
    other.push_back(HashLeaf("b" + std::to_string(i)));
    tree.Append(other.back());
  }
  EXPECT_EQ(*tree.RootAt(67), RootOfLeaves(other));
  tree.Truncate(0);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(*tree.RootAt(0), EmptyRoot());
  tree.Append(leaves[0]);
  EXPECT_EQ(*tree.RootAt(1), leaves[0]);
}

TEST(MerkleTree, ReadersRunConcurrentlyWithAnAppender) {
  MerkleTree tree;
  tree.Reserve(4096);
  std::vector<Sha256Digest> leaves;
  for (int i = 0; i < 4096; ++i) leaves.push_back(HashLeaf(std::to_string(i)));
  tree.Append(std::span(leaves).first(64));
  std::thread appender([&] {
    for (size_t i = 64; i < leaves.size(); ++i) tree.Append(leaves[i]);
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      for (uint64_t k = 0; k < 500; ++k) {
        uint64_t size = tree.size();
        uint64_t index = (k * 7 + t) % size;
        auto proof = tree.InclusionProof(index, size);
        auto root = tree.RootAt(size);
        ASSERT_TRUE(proof && root);
        ASSERT_TRUE(VerifyInclusion(leaves[index], index, size, *proof, *root).ok());
      }
    });
  }
  appender.join();
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(*tree.RootAt(4096), RootOfLeaves(leaves));
}

}  // namespace
}  // namespace aiip::audit
