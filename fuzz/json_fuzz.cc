// Fuzz target for the strict JSON entry of src/common/json.h — json::Parse, json::ParseObject
// and json::ObjectReader — through which every API request body passes.
//
// The input is a request body. It is parsed and, if it is an object, read against a fixed
// schema holding every kind of field the API reads, the way the registry's handlers read
// theirs: required and optional strings (one under a key that needs JSON Pointer escaping),
// bounded integers and one spanning all of int64, a boolean, string arrays, a timestamp
// checked with ParseRfc3339, a nested object and an array of objects, each read by a reader
// of its own whose errors the outer reader adopts.
//
// Invariants (a violation aborts):
//  - Parse and ParseObject agree; a failure is InvalidArgument "malformed-json" or
//    "not-an-object" with a detail and no field;
//  - a parsed value survives serialisation and parsing (the registry hashes serialised
//    JSON, so values must survive a store/load cycle): structure, keys, strings and
//    integers exactly. Two Boost.JSON 1.81 flaws are tolerated, as AIIP never writes back a
//    number a client sent: doubles may come back one unit in the last place off (decimal
//    text is not always rounded to the nearest double, boostorg/json#599), and numbers
//    beyond double become infinity ("1e999") or even NaN ("0e999"), written as "Infinity"
//    and "NaN", which are not JSON (boostorg/json#397); see doc/fuzzing.md;
//  - a failed read is InvalidArgument with one of the documented types, a detail, and a
//    field that is a JSON Pointer ("/...") into the body: it resolves to the offending value
//    or, for "missing-field", to an object where that member is absent or null;
//  - "wrong-type" names the kind the value really has; an integer field calls a number the
//    wrong type only if it has a fraction, and out of range only if it is outside the range;
//  - values handed back equal what the body holds and respect the schema's limits;
//  - Finish() gives the same answer when asked twice.
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "common/time.h"
#include "fuzz/check.h"

namespace {

namespace bj = boost::json;
namespace json = aiip::json;
using aiip::Code;
using aiip::Status;

constexpr std::string_view kFieldErrorTypes[] = {"wrong-type",   "missing-field", "unknown-field",
                                                 "out-of-range", "invalid-value", "invalid-timestamp"};

// An integer read, remembered so that an error pointing at it can be checked against the
// value it points at.
struct IntField {
  std::string pointer;
  int64_t min;
  int64_t max;
};

// What an integer field ought to make of a non-null value. JSON has one number type, so an
// integer may arrive as int64, as uint64 (above INT64_MAX) or as a double with no fraction
// ("1e3", "-0.0"); a double beyond int64 is still an integer, just out of range.
struct IntVerdict {
  bool integral = false;
  bool in_range = false;
  int64_t value = 0;
};

IntVerdict JudgeInt(const bj::value& v, int64_t min, int64_t max) {
  IntVerdict verdict;
  if (v.is_int64()) {
    verdict = {true, false, v.get_int64()};
  } else if (v.is_uint64()) {
    return {true, false, 0};
  } else if (v.is_double()) {
    const double d = v.get_double();
    if (std::trunc(d) != d) return {};
    // -2^63 is the only double at the edge that converts exactly; 2^63 is already too big.
    if (!(d >= -0x1p63 && d < 0x1p63)) return {true, false, 0};
    verdict = {true, false, static_cast<int64_t>(d)};
  } else {
    return {};
  }
  verdict.in_range = verdict.value >= min && verdict.value <= max;
  return verdict;
}

bool HasNonFiniteNumber(const bj::value& v) {
  if (v.is_double()) return !std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const bj::value& item : v.get_array()) {
      if (HasNonFiniteNumber(item)) return true;
    }
  }
  if (v.is_object()) {
    for (const auto& member : v.get_object()) {
      if (HasNonFiniteNumber(member.value())) return true;
    }
  }
  return false;
}

// Whether `a` and `b` are equal but for doubles one unit in the last place apart.
bool SameUpToUlp(const bj::value& a, const bj::value& b) {
  if (a.is_double() && b.is_double()) {
    return a.get_double() == b.get_double() ||
           std::nextafter(a.get_double(), b.get_double()) == b.get_double();
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const bj::array& x = a.get_array();
    const bj::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameUpToUlp(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const bj::object& x = a.get_object();
    const bj::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& member : x) {
      const bj::value* other = y.if_contains(member.key());
      if (other == nullptr || !SameUpToUlp(member.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
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

// Reads `object` against the fixed schema. Every read goes through a helper that checks the
// reader's answer against the body: while the reader is still ok, a present value of the
// right kind within the limits must be handed back unchanged and anything else must fail
// the reader; once it has failed, reads must hand back nothing.
class SchemaReader {
 public:
  SchemaReader(const bj::object& object, std::vector<IntField>& ints) : object_(object), ints_(ints) {}

  Status Read() {
    json::ObjectReader r(object_);
    ReadString(r, object_, "name", 64, true);
    ReadString(r, object_, "note", 1024, false);
    ReadString(r, object_, "a/b~c", 16, false);
    ReadInt(r, object_, "count", -1000, 1000, true);
    ReadInt(r, object_, "offset", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
            false);
    ReadBool(r, object_, "enabled");
    ReadStringArray(r, object_, "roles", 4, 32, true);
    ReadStringArray(r, object_, "tags", 256, 1024, false);
    if (std::optional<std::string> when = ReadString(r, object_, "when", 64, false)) {
      // As the registry reads expires_at: the time parser's error, pointed at the field.
      if (auto parsed = aiip::ParseRfc3339(*when); !parsed) {
        r.Fail(parsed.error().WithFieldPrefix(r.PointerOf("when")));
      }
    }
    ReadOwner(r);
    ReadItems(r);
    r.Raw("extra");  // any value: only marks the key as known

    Status status = r.Finish();
    AIIP_FUZZ_CHECK(r.Finish() == status, "Finish() changed its answer");
    return status;
  }

 private:
  void ReadOwner(json::ObjectReader& r) {
    const bj::object* owner = r.OptionalObject("owner");
    if (owner == nullptr) return;
    AIIP_FUZZ_CHECK(owner == &object_.at("owner").get_object(), "OptionalObject returned another object");
    json::ObjectReader o(*owner, r.PointerOf("owner"));
    ReadString(o, *owner, "id", 32, true);
    ReadInt(o, *owner, "level", 0, 10, false);
    ReadStringArray(o, *owner, "scopes", 2, 8, false);
    if (Status s = o.Finish(); !s.ok()) r.Fail(s);
  }

  void ReadItems(json::ObjectReader& r) {
    const bj::array* items = r.OptionalArray("items");
    if (items == nullptr) return;
    AIIP_FUZZ_CHECK(items == &object_.at("items").get_array(), "OptionalArray returned another array");
    for (size_t i = 0; i < items->size(); ++i) {
      const std::string pointer = r.PointerOf("items") + "/" + std::to_string(i);
      if (!(*items)[i].is_object()) {
        r.Fail(aiip::InvalidArgument(
            "wrong-type", "items of 'items' must be objects, got " + std::string(json::KindName((*items)[i])),
            pointer));
        return;
      }
      const bj::object& item = (*items)[i].get_object();
      json::ObjectReader ir(item, pointer);
      ReadString(ir, item, "kind", 16, true);
      ReadInt(ir, item, "weight", 0, 100, false);
      ReadBool(ir, item, "on");
      if (Status s = ir.Finish(); !s.ok()) {
        r.Fail(s);
        return;
      }
    }
  }

  // The body's value for `key`, or nullptr when absent or null (which readers treat alike).
  static const bj::value* Present(const bj::object& object, std::string_view key) {
    const bj::value* v = object.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  // After a read that handed back nothing for an absent field: only a required one fails.
  static void CheckAbsent(const json::ObjectReader& r, bool handed_back, bool required) {
    AIIP_FUZZ_CHECK(!handed_back, "a value was handed back for an absent field");
    AIIP_FUZZ_CHECK(r.ok() == !required, "an absent field was not treated as absent");
  }

  static void CheckVerdict(const json::ObjectReader& r, bool handed_back, bool acceptable) {
    AIIP_FUZZ_CHECK(handed_back == acceptable && r.ok() == acceptable,
                    acceptable ? "a valid value was refused" : "an invalid value was accepted");
  }

  static std::optional<std::string> ReadString(json::ObjectReader& r, const bj::object& object,
                                               std::string_view key, size_t max_length, bool required) {
    const bool was_ok = r.ok();
    std::optional<std::string> got;
    if (required) {
      std::string s = r.RequiredString(key, max_length);
      if (r.ok()) got = std::move(s);
    } else {
      got = r.OptionalString(key, max_length);
    }
    const bj::value* v = Present(object, key);
    if (!was_ok) {
      AIIP_FUZZ_CHECK(!got, "a reader in error handed back a string");
    } else if (v == nullptr) {
      CheckAbsent(r, got.has_value(), required);
    } else {
      const bool acceptable =
          v->is_string() && v->get_string().size() <= max_length && (!required || !v->get_string().empty());
      CheckVerdict(r, got.has_value(), acceptable);
      if (got) AIIP_FUZZ_CHECK(*got == v->get_string(), "a string read is not the body's");
    }
    return got;
  }

  static void ReadStringArray(json::ObjectReader& r, const bj::object& object, std::string_view key,
                              size_t max_items, size_t max_length, bool required) {
    const bool was_ok = r.ok();
    std::optional<std::vector<std::string>> got;
    if (required) {
      std::vector<std::string> items = r.RequiredStringArray(key, max_items, max_length);
      if (r.ok()) got = std::move(items);
    } else {
      got = r.OptionalStringArray(key, max_items, max_length);
    }
    const bj::value* v = Present(object, key);
    if (!was_ok) {
      AIIP_FUZZ_CHECK(!got, "a reader in error handed back a string array");
      return;
    }
    if (v == nullptr) {
      CheckAbsent(r, got.has_value(), required);
      return;
    }
    bool acceptable = v->is_array() && v->get_array().size() <= max_items;
    for (size_t i = 0; acceptable && i < v->get_array().size(); ++i) {
      const bj::value& item = v->get_array()[i];
      acceptable = item.is_string() && !item.get_string().empty() && item.get_string().size() <= max_length;
    }
    CheckVerdict(r, got.has_value(), acceptable);
    if (!got) return;
    AIIP_FUZZ_CHECK(got->size() == v->get_array().size(), "a string array read is not the body's");
    for (size_t i = 0; i < got->size(); ++i) {
      AIIP_FUZZ_CHECK((*got)[i] == v->get_array()[i].get_string(), "a string array item is not the body's");
    }
  }

  static void ReadBool(json::ObjectReader& r, const bj::object& object, std::string_view key) {
    const bool was_ok = r.ok();
    std::optional<bool> got = r.OptionalBool(key);
    const bj::value* v = Present(object, key);
    if (!was_ok) {
      AIIP_FUZZ_CHECK(!got, "a reader in error handed back a boolean");
    } else if (v == nullptr) {
      CheckAbsent(r, got.has_value(), false);
    } else {
      CheckVerdict(r, got.has_value(), v->is_bool());
      if (got) AIIP_FUZZ_CHECK(*got == v->get_bool(), "a boolean read is not the body's");
    }
  }

  void ReadInt(json::ObjectReader& r, const bj::object& object, std::string_view key, int64_t min,
               int64_t max, bool required) {
    ints_.push_back({r.PointerOf(key), min, max});
    const bool was_ok = r.ok();
    std::optional<int64_t> got;
    if (required) {
      const int64_t n = r.RequiredInt(key, min, max);
      if (r.ok()) got = n;
    } else {
      got = r.OptionalInt(key, min, max);
    }
    const bj::value* v = Present(object, key);
    if (!was_ok) {
      AIIP_FUZZ_CHECK(!got, "a reader in error handed back an integer");
    } else if (v == nullptr) {
      CheckAbsent(r, got.has_value(), required);
    } else {
      const IntVerdict verdict = JudgeInt(*v, min, max);
      CheckVerdict(r, got.has_value(), verdict.integral && verdict.in_range);
      if (got) AIIP_FUZZ_CHECK(*got == verdict.value, "an integer read is not the body's");
    }
  }

  const bj::object& object_;
  std::vector<IntField>& ints_;
};

void CheckParseFailure(const Status& s) {
  AIIP_FUZZ_CHECK(!s.ok() && s.code() == Code::kInvalidArgument, "a parse failure is not InvalidArgument");
  AIIP_FUZZ_CHECK(s.type() == "malformed-json" || s.type() == "not-an-object",
                  "unexpected parse failure type");
  AIIP_FUZZ_CHECK(!s.detail().empty(), "a parse failure has no detail");
  AIIP_FUZZ_CHECK(s.field().empty(), "a parse failure names a field");
}

void CheckFieldError(const Status& s, const bj::value& body, const std::vector<IntField>& ints) {
  AIIP_FUZZ_CHECK(!s.ok() && s.code() == Code::kInvalidArgument, "a field error is not InvalidArgument");
  AIIP_FUZZ_CHECK(!s.type().empty(), "a field error has no type");
  bool known_type = false;
  for (std::string_view type : kFieldErrorTypes) known_type = known_type || s.type() == type;
  AIIP_FUZZ_CHECK(known_type, "a field error has an undocumented type");
  AIIP_FUZZ_CHECK(!s.detail().empty(), "a field error has no detail");
  AIIP_FUZZ_CHECK(s.field().starts_with("/"), "a field error's field is not a JSON Pointer");

  boost::system::error_code ec;
  if (s.type() == "missing-field") {
    const size_t slash = s.field().rfind('/');
    const bj::value* parent = body.find_pointer(std::string_view(s.field()).substr(0, slash), ec);
    AIIP_FUZZ_CHECK(parent != nullptr && parent->is_object(), "a missing field's parent does not resolve");
    const bj::value* member = parent->get_object().if_contains(PointerUnescape(s.field().substr(slash + 1)));
    AIIP_FUZZ_CHECK(member == nullptr || member->is_null(), "a field reported missing is present");
    return;
  }
  const bj::value* target = body.find_pointer(s.field(), ec);
  AIIP_FUZZ_CHECK(target != nullptr, "a field error points at nothing");
  if (s.type() == "wrong-type") {
    AIIP_FUZZ_CHECK(s.detail().ends_with("got " + std::string(json::KindName(*target))),
                    "a wrong-type error misnames the kind of the value");
  }
  for (const IntField& field : ints) {
    if (field.pointer != s.field()) continue;
    const IntVerdict verdict = JudgeInt(*target, field.min, field.max);
    if (s.type() == "wrong-type") {
      AIIP_FUZZ_CHECK(!verdict.integral, "an integer field calls an integral number the wrong type");
    } else if (s.type() == "out-of-range") {
      AIIP_FUZZ_CHECK(verdict.integral && !verdict.in_range,
                      "an integer field calls a number in range out of range");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  aiip::Result<bj::value> parsed = json::Parse(text);
  aiip::Result<bj::object> object = json::ParseObject(text);
  if (!parsed) {
    CheckParseFailure(parsed.error());
    AIIP_FUZZ_CHECK(!object && object.error() == parsed.error(), "ParseObject disagrees with Parse");
    return 0;
  }
  if (!HasNonFiniteNumber(*parsed)) {
    aiip::Result<bj::value> reparsed = json::Parse(bj::serialize(*parsed));
    AIIP_FUZZ_CHECK(reparsed.has_value(), "serialised JSON does not parse");
    AIIP_FUZZ_CHECK(SameUpToUlp(*parsed, *reparsed), "serialised JSON parses to another value");
  }

  if (!parsed->is_object()) {
    AIIP_FUZZ_CHECK(!object && object.error().type() == "not-an-object", "ParseObject accepted a non-object");
    CheckParseFailure(object.error());
    return 0;
  }
  // Compared as text: a NaN (see above) is unequal to itself.
  AIIP_FUZZ_CHECK(object.has_value() && bj::serialize(*object) == bj::serialize(*parsed),
                  "ParseObject disagrees with Parse");

  std::vector<IntField> ints;
  Status status = SchemaReader(*object, ints).Read();
  if (!status.ok()) CheckFieldError(status, *parsed, ints);
  return 0;
}
