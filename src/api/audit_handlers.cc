// Routes of the transparency log: signed tree head, public key, entries and proofs.
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "common/encoding.h"
#include "common/time.h"
#include "crypto/sha256.h"
#include "http/problem.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

namespace {
std::string Hex(const crypto::Sha256Digest& digest) { return HexEncode(std::span<const uint8_t>(digest)); }

bj::array HexArray(const std::vector<crypto::Sha256Digest>& digests) {
  bj::array out;
  for (const auto& d : digests) out.emplace_back(Hex(d));
  return out;
}

// Maps the audit log's range errors onto the query parameters that caused them.
Status RangeError(const Status& status, std::string field) {
  if (status.code() != Code::kInvalidArgument) return status;
  return InvalidArgument("out-of-range", status.detail(), std::move(field));
}
}  // namespace

void RegisterAuditRoutes(http::Router& router, ApiContext& ctx) {
  registry::Registry& reg = ctx.registry;
  audit::AuditLog& log = ctx.audit;
  const std::vector<std::string> any;

  AddAuthenticated(router, reg, "GET", "/api/v1/audit/head", "audit.head", any,
                   [&log](Request&, const Actor&) -> Result<Response> {
                     audit::SignedTreeHead sth = log.LatestHead();
                     std::string signature(reinterpret_cast<const char*>(sth.signature.data()), sth.signature.size());
                     return JsonResponse(200, bj::object{{"size", sth.head.size},
                                                         {"root_hash", Hex(sth.head.root)},
                                                         {"timestamp", FormatRfc3339(sth.head.timestamp)},
                                                         {"signature", Base64Encode(signature)}});
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/audit/key", "audit.key", any,
                   [&log](Request&, const Actor&) -> Result<Response> {
                     const auto& key = log.PublicKey();
                     return JsonResponse(200, bj::object{{"algorithm", "Ed25519"},
                                                         {"public_key", Base64Encode(key.RawBytes())},
                                                         {"pem", key.ToPem()}});
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/audit/entries", "audit.entries", any,
                   [&log](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto start, QueryInt(request, "start", true));
                     AIIP_ASSIGN_OR_RETURN(auto end, QueryInt(request, "end", true));
                     auto entries = log.Entries(*start, *end);
                     if (!entries) return Err(RangeError(entries.error(), "end"));
                     bj::array out;
                     for (const auto& e : *entries) {
                       out.push_back(bj::object{{"index", e.entry.index},
                                                {"entry", Base64Encode(e.encoded)},
                                                {"leaf_hash", Hex(e.leaf_hash)},
                                                {"time", FormatRfc3339(e.entry.time)},
                                                {"member", e.entry.fields.member_id},
                                                {"organisation", e.entry.fields.organisation_id},
                                                {"action", e.entry.fields.action},
                                                {"object", e.entry.fields.object_id},
                                                {"object_hash", Hex(e.entry.fields.object_hash)}});
                     }
                     return JsonResponse(200, bj::object{{"entries", std::move(out)}});
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/audit/proof/inclusion", "audit.proof.inclusion", any,
                   [&log](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto index, QueryInt(request, "index", true));
                     AIIP_ASSIGN_OR_RETURN(auto size, QueryInt(request, "size", false));
                     uint64_t tree_size = size.value_or(log.LatestHead().head.size);
                     auto proof = log.InclusionProof(*index, tree_size);
                     if (!proof) return Err(RangeError(proof.error(), size ? "size" : "index"));
                     return JsonResponse(200, bj::object{{"index", proof->index},
                                                         {"size", proof->size},
                                                         {"leaf_hash", Hex(proof->leaf_hash)},
                                                         {"audit_path", HexArray(proof->audit_path)},
                                                         {"root_hash", Hex(proof->root)}});
                   });
  AddAuthenticated(router, reg, "GET", "/api/v1/audit/proof/consistency", "audit.proof.consistency", any,
                   [&log](Request& request, const Actor&) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto first, QueryInt(request, "first", true));
                     AIIP_ASSIGN_OR_RETURN(auto second, QueryInt(request, "second", true));
                     auto proof = log.ConsistencyProof(*first, *second);
                     if (!proof) return Err(RangeError(proof.error(), "second"));
                     return JsonResponse(200, bj::object{{"first", proof->first},
                                                         {"second", proof->second},
                                                         {"first_root", Hex(proof->first_root)},
                                                         {"second_root", Hex(proof->second_root)},
                                                         {"proof", HexArray(proof->proof)}});
                   });
}

}  // namespace aiip::api
