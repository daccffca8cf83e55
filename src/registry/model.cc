#include "registry/model.h"

#include <boost/json/array.hpp>

namespace aiip::registry {
namespace {
boost::json::value OptionalJson(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return boost::json::value(*s);
}
boost::json::array StringArray(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}
}  // namespace

std::string StatePartyId(std::string_view code) { return "state_" + std::string(code); }

boost::json::object ToJson(const StateRecord& s) {
  return {{"id", StatePartyId(s.code)}, {"kind", "state"},       {"state", s.code},
          {"name", s.name},             {"official_name", OptionalJson(s.official_name)},
          {"alpha3", s.alpha3},         {"numeric", s.numeric}};
}

boost::json::object ToJson(const Organisation& o) {
  return {{"id", o.id},
          {"kind", o.kind},
          {"state", OptionalJson(o.state)},
          {"name", o.name},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at},
          {"version", o.version}};
}

boost::json::object ToJson(const ClientRelation& r) {
  return {{"provider", r.provider}, {"client", r.client}, {"created_at", r.created_at}};
}

boost::json::object ToJson(const Contact& c) {
  return {{"id", c.id},
          {"organisation", c.organisation},
          {"name", c.name},
          {"phone", c.phone},
          {"email", c.email},
          {"timezone", c.timezone},
          {"languages", StringArray(c.languages)},
          {"escalation_order", c.escalation_order},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at},
          {"version", c.version}};
}

boost::json::object ToJson(const Member& m) {
  return {{"id", m.id},
          {"organisation", m.organisation},
          {"name", m.name},
          {"type", m.type},
          {"roles", StringArray(m.roles)},
          {"disabled", m.disabled},
          {"created_at", m.created_at},
          {"updated_at", m.updated_at},
          {"version", m.version}};
}

boost::json::object ToJson(const Token& t) {
  return {{"id", t.id},
          {"member", t.member},
          {"label", OptionalJson(t.label)},
          {"created_at", t.created_at},
          {"expires_at", OptionalJson(t.expires_at)},
          {"revoked_at", OptionalJson(t.revoked_at)}};
}

}  // namespace aiip::registry
