#include "legal/request.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/json.h"

namespace aiip::legal {

namespace {

namespace bj = boost::json;
using json::ObjectReader;

bool IsStateCode(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

Date ReadRequiredDate(ObjectReader& r, std::string_view key) {
  std::string text = r.RequiredString(key, 10);
  if (!r.ok()) return Date{};
  auto date = ParseDate(text);
  if (!date) {
    r.Fail(key, "invalid-value", "'" + text + "' is not a YYYY-MM-DD date");
    return Date{};
  }
  return *date;
}

std::optional<std::string> ReadOptionalState(ObjectReader& r, std::string_view key) {
  auto code = r.OptionalString(key, 2);
  if (code && !IsStateCode(*code)) {
    r.Fail(key, "invalid-value", "'" + *code + "' is not an ISO 3166-1 alpha-2 code");
    return std::nullopt;
  }
  return code;
}

std::vector<std::string> ReadStates(ObjectReader& r, std::string_view key, bool required) {
  std::vector<std::string> codes =
      required ? r.RequiredStringArray(key, 64, 2)
               : r.OptionalStringArray(key, 64, 2).value_or(std::vector<std::string>{});
  for (size_t i = 0; i < codes.size() && r.ok(); ++i) {
    if (!IsStateCode(codes[i])) {
      r.Fail(Status(Code::kInvalidArgument, "invalid-value",
                    "'" + codes[i] + "' is not an ISO 3166-1 alpha-2 code",
                    r.PointerOf(key) + "/" + std::to_string(i)));
    }
  }
  return codes;
}

}  // namespace

Result<Request> ParseRequest(std::string_view text) {
  AIIP_ASSIGN_OR_RETURN(bj::object root, json::ParseObject(text));
  ObjectReader r(root);
  Request request;
  std::string kind = r.RequiredString("kind", 64);
  if (r.ok()) {
    auto parsed = ParseRequestKind(kind);
    if (!parsed) {
      r.Fail("kind", "invalid-value", "unknown request kind '" + kind + "'");
    } else {
      request.kind = *parsed;
    }
  }
  request.requesting_state = r.RequiredString("requesting_state", 2);
  if (r.ok() && !IsStateCode(request.requesting_state)) {
    r.Fail("requesting_state", "invalid-value", "not an ISO 3166-1 alpha-2 code");
  }
  request.requested_state = r.RequiredString("requested_state", 2);
  if (r.ok() && !IsStateCode(request.requested_state)) {
    r.Fail("requested_state", "invalid-value", "not an ISO 3166-1 alpha-2 code");
  }
  if (r.ok() && request.requesting_state == request.requested_state) {
    r.Fail("requested_state", "invalid-value", "the requested State must differ from the requesting State");
  }
  request.date = ReadRequiredDate(r, "date");
  if (const bj::object* conduct = r.OptionalObject("conduct")) {
    ObjectReader c(*conduct, r.PointerOf("conduct"));
    RequestConduct& rc = request.conduct;
    rc.types = c.RequiredStringArray("types", 32, 64);
    if (c.ok() && rc.types.empty()) c.Fail("types", "invalid-value", "at least one conduct code is required");
    rc.start = ReadRequiredDate(c, "start");
    if (c.Has("end") && !c.IsNull("end")) {
      rc.end = ReadRequiredDate(c, "end");
      if (c.ok() && *rc.end < rc.start) c.Fail("end", "invalid-value", "the conduct ends before it starts");
    } else {
      c.Raw("end");
    }
    rc.committed_in = ReadStates(c, "committed_in", true);
    rc.effects_in = ReadStates(c, "effects_in", false);
    rc.against_state = ReadOptionalState(c, "against_state");
    rc.coerced_state = ReadOptionalState(c, "coerced_state");
    rc.by_state_agent = c.OptionalBool("by_state_agent");
    rc.political = c.OptionalBool("political");
    rc.conditions_met = c.OptionalStringArray("conditions_met", 16, 64).value_or(std::vector<std::string>{});
    rc.description = c.OptionalString("description", 8192).value_or("");
    r.Fail(c.Finish());
  } else if (r.ok()) {
    r.Fail("conduct", "missing-field", "'conduct' is required");
  }
  if (r.ok() && request.conduct.start > request.date) {
    r.Fail(Status(Code::kInvalidArgument, "invalid-value", "the conduct starts after the request date",
                  "/conduct/start"));
  }
  if (const bj::object* person = r.OptionalObject("person")) {
    ObjectReader p(*person, r.PointerOf("person"));
    request.person.nationalities = ReadStates(p, "nationalities", false);
    request.person.located_in = ReadOptionalState(p, "located_in");
    r.Fail(p.Finish());
  }
  if (const bj::array* offences = r.OptionalArray("requesting_offences")) {
    if (offences->size() > 64) r.Fail("requesting_offences", "out-of-range", "at most 64 offences");
    for (size_t i = 0; i < offences->size() && r.ok(); ++i) {
      const std::string pointer = r.PointerOf("requesting_offences") + "/" + std::to_string(i);
      if (!(*offences)[i].is_object()) {
        r.Fail(Status(Code::kInvalidArgument, "wrong-type",
                      "expected an object, got " + std::string(json::KindName((*offences)[i])), pointer));
        break;
      }
      ObjectReader o((*offences)[i].get_object(), pointer);
      RequestingOffence offence;
      offence.citation = o.RequiredString("citation", 512);
      auto months = o.OptionalInt("max_penalty_months", 0, 1200);
      if (months) offence.max_penalty_months = static_cast<int>(*months);
      r.Fail(o.Finish());
      request.requesting_offences.push_back(std::move(offence));
    }
  }
  request.death_penalty_possible = r.OptionalBool("death_penalty_possible");
  request.assurances = r.OptionalStringArray("assurances", 8, 32).value_or(std::vector<std::string>{});
  for (size_t i = 0; i < request.assurances.size() && r.ok(); ++i) {
    if (request.assurances[i] != "death-penalty" && request.assurances[i] != "fair-trial") {
      r.Fail(Status(Code::kInvalidArgument, "invalid-value",
                    "'" + request.assurances[i] + "' is not one of: death-penalty, fair-trial",
                    "/assurances/" + std::to_string(i)));
    }
  }
  request.assume_parties =
      r.OptionalStringArray("assume_parties", 16, 128).value_or(std::vector<std::string>{});
  AIIP_RETURN_IF_ERROR(r.Finish());
  return request;
}

}  // namespace aiip::legal
