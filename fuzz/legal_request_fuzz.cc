// Fuzz target for legal::ParseRequest, the strict reader of the requests `aiip legal assess`
// and the node accept, and for legal::Assess on every request it accepts, over the shipped
// reference data (data/legal: $AIIP_DATA_DIR/legal, else <dir of this binary>/../../data/legal,
// else ./data/legal; the target aborts at start when none loads, since it would test nothing).
//
// Invariants (a violation aborts):
//  - a refusal is InvalidArgument with a documented type and a detail; but for malformed JSON
//    and a non-object, its field is a JSON Pointer into the body: it resolves to the offending
//    value or, for "missing-field", to an object where that member is absent or null;
//  - an accepted request has a date no earlier than its conduct, distinct requesting and
//    requested States, at least one conduct code, and assesses without crashing;
//  - an assessment refused is InvalidArgument pointing at a conduct code or assumed
//    instrument of the request that the data does not know;
//  - an assessment is deterministic (same JSON twice) and coherent: the outcome is in the
//    vocabulary; "can-proceed" has no missing fact, no raised mandatory refusal ground, and not
//    both dual criminality required and unsatisfied; every listed item has a reason and a
//    citation; jurisdiction priorities run 1..n with mandatory claims first; the last
//    explanation line states the outcome.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "fuzz/check.h"
#include "legal/assess.h"
#include "legal/loader.h"
#include "legal/request.h"

namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
namespace legal = aiip::legal;
using aiip::Code;
using aiip::Status;

constexpr std::string_view kErrorTypes[] = {"wrong-type",   "missing-field", "unknown-field",
                                            "out-of-range", "invalid-value", "malformed-json",
                                            "not-an-object"};

const legal::LegalData& Data() {
  static const legal::LegalData* data = [] {
    std::vector<fs::path> candidates;
    if (const char* root = std::getenv("AIIP_DATA_DIR"); root != nullptr && *root != '\0') {
      candidates.push_back(fs::path(root) / "legal");
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(exe.parent_path() / ".." / ".." / "data" / "legal");
    candidates.push_back(fs::path("data") / "legal");
    for (const fs::path& dir : candidates) {
      if (!fs::is_regular_file(dir / "conduct.json", ec)) continue;
      auto loaded = legal::LoadLegalData(dir);
      AIIP_FUZZ_CHECK(loaded.has_value(), "the shipped legal data does not load");
      return new legal::LegalData(std::move(*loaded));
    }
    AIIP_FUZZ_CHECK(false, "no legal reference data found (set AIIP_DATA_DIR)");
    return static_cast<legal::LegalData*>(nullptr);
  }();
  return *data;
}

std::string PointerUnescape(std::string_view token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

void CheckRefusal(const Status& s, std::string_view text) {
  AIIP_FUZZ_CHECK(!s.ok() && s.code() == Code::kInvalidArgument, "a refusal is not InvalidArgument");
  bool known = false;
  for (std::string_view type : kErrorTypes) known = known || s.type() == type;
  AIIP_FUZZ_CHECK(known, "a refusal has an undocumented type");
  AIIP_FUZZ_CHECK(!s.detail().empty(), "a refusal has no detail");
  if (s.type() == "malformed-json" || s.type() == "not-an-object") {
    AIIP_FUZZ_CHECK(s.field().empty(), "a parse failure names a field");
    return;
  }
  AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a refusal's field is not a JSON Pointer");
  auto body = aiip::json::Parse(text);
  AIIP_FUZZ_CHECK(body.has_value(), "a field error for a body that does not parse");
  boost::system::error_code ec;
  if (s.type() == "missing-field") {
    const size_t slash = s.field().rfind('/');
    const bj::value* parent = body->find_pointer(std::string_view(s.field()).substr(0, slash), ec);
    AIIP_FUZZ_CHECK(parent != nullptr && parent->is_object(), "a missing field's parent does not resolve");
    const bj::value* member = parent->get_object().if_contains(PointerUnescape(s.field().substr(slash + 1)));
    AIIP_FUZZ_CHECK(member == nullptr || member->is_null(), "a field reported missing is present");
    return;
  }
  AIIP_FUZZ_CHECK(body->find_pointer(s.field(), ec) != nullptr, "a refusal points at nothing");
}

void CheckItems(const bj::object& answer, std::string_view key) {
  for (const bj::value& item : answer.at(key).as_array()) {
    AIIP_FUZZ_CHECK(!item.as_object().at("reason").as_string().empty(), "an item has no reason");
    AIIP_FUZZ_CHECK(!item.as_object().at("citation").as_string().empty(), "an item has no citation");
  }
}

void CheckAssessment(const legal::Request& request, const legal::Assessment& a) {
  const bj::object answer = legal::AssessmentToJson(a);
  const std::string outcome(legal::OutcomeName(a.outcome));
  AIIP_FUZZ_CHECK(outcome == "can-proceed" || outcome == "cannot-proceed" || outcome == "needs-review",
                  "an outcome outside the vocabulary");
  AIIP_FUZZ_CHECK(answer.at("outcome").as_string() == outcome, "the JSON outcome differs");
  if (a.outcome == legal::Outcome::kCanProceed) {
    AIIP_FUZZ_CHECK(a.missing_facts.empty(), "can-proceed with a missing fact");
    for (const legal::RefusalGroundItem& g : a.refusal_grounds) {
      AIIP_FUZZ_CHECK(!(g.raised && g.mandatory), "can-proceed with a mandatory refusal ground raised");
    }
    AIIP_FUZZ_CHECK(!(a.dual_criminality.required == std::optional<bool>(true) &&
                      a.dual_criminality.satisfied == std::optional<bool>(false)),
                    "can-proceed with dual criminality required and not satisfied");
  }
  for (std::string_view key :
       {"legal_bases", "refusal_grounds", "jurisdiction", "obligations", "deadlines"}) {
    CheckItems(answer, key);
  }
  for (size_t i = 0; i < a.jurisdiction.size(); ++i) {
    AIIP_FUZZ_CHECK(a.jurisdiction[i].priority == static_cast<int>(i) + 1, "jurisdiction priorities skip");
    AIIP_FUZZ_CHECK(!a.jurisdiction[i].bases.empty(), "a jurisdiction claim without a basis");
    if (i > 0) {
      AIIP_FUZZ_CHECK(a.jurisdiction[i - 1].mandatory || !a.jurisdiction[i].mandatory,
                      "an optional claim ranks before a mandatory one");
    }
  }
  AIIP_FUZZ_CHECK(!a.explanation.empty() && a.explanation.back() == "Outcome: " + outcome + ".",
                  "the explanation does not end with the outcome");
  AIIP_FUZZ_CHECK(a.kind == legal::RequestKindName(request.kind), "the assessment names another kind");
  const std::string text = bj::serialize(answer);
  auto again = legal::Assess(request, Data());
  AIIP_FUZZ_CHECK(again.has_value() && bj::serialize(legal::AssessmentToJson(*again)) == text,
                  "the assessment is not deterministic");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<legal::Request> request = legal::ParseRequest(text);
  if (!request) {
    CheckRefusal(request.error(), text);
    return 0;
  }
  AIIP_FUZZ_CHECK(request->conduct.start <= request->date, "a request dated before its conduct");
  AIIP_FUZZ_CHECK(request->requesting_state != request->requested_state, "a request to oneself");
  AIIP_FUZZ_CHECK(!request->conduct.types.empty(), "a request without conduct");
  aiip::Result<legal::Assessment> assessment = legal::Assess(*request, Data());
  if (!assessment) {
    const Status& s = assessment.error();
    AIIP_FUZZ_CHECK(s.code() == Code::kInvalidArgument, "an assessment refusal is not InvalidArgument");
    AIIP_FUZZ_CHECK(s.field().starts_with("/conduct/types/") || s.field().starts_with("/assume_parties/"),
                    "an assessment refusal points elsewhere");
    CheckRefusal(s, text);
    return 0;
  }
  CheckAssessment(*request, *assessment);
  return 0;
}
