#include "common/json.h"

#include <cmath>

namespace aiip::json {
namespace bj = boost::json;

Result<bj::value> Parse(std::string_view text) {
  bj::parse_options options;
  options.max_depth = 64;
  bj::stream_parser parser(bj::storage_ptr(), options);
  boost::system::error_code ec;
  size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) {
    return Err(InvalidArgument("malformed-json",
                               "unexpected data after the JSON value at byte " + std::to_string(consumed)));
  }
  if (!ec) parser.finish(ec);
  if (ec) {
    return Err(InvalidArgument("malformed-json",
                               "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message()));
  }
  return parser.release();
}

Result<bj::object> ParseObject(std::string_view text) {
  AIIP_ASSIGN_OR_RETURN(bj::value value, Parse(text));
  if (!value.is_object()) {
    return Err(InvalidArgument("not-an-object",
                               "expected a JSON object, got " + std::string(KindName(value))));
  }
  return std::move(value.as_object());
}

std::string PointerEscape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string_view KindName(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: return "number";
    case bj::kind::string: return "string";
    case bj::kind::array: return "array";
    case bj::kind::object: return "object";
  }
  return "unknown";
}

ObjectReader::ObjectReader(const bj::object& object, std::string pointer)
    : object_(object), pointer_(std::move(pointer)) {}

bool ObjectReader::Has(std::string_view key) const { return object_.contains(key); }

bool ObjectReader::IsNull(std::string_view key) const {
  auto* v = object_.if_contains(key);
  return v != nullptr && v->is_null();
}

std::string ObjectReader::PointerOf(std::string_view key) const {
  return pointer_ + "/" + PointerEscape(key);
}

const bj::value* ObjectReader::Lookup(std::string_view key) {
  known_.emplace(key);
  if (!first_error_.ok()) return nullptr;
  return object_.if_contains(key);
}

void ObjectReader::TypeError(std::string_view key, std::string_view expected, const bj::value& got) {
  Fail(InvalidArgument("wrong-type",
                       "'" + std::string(key) + "' must be " + std::string(expected) + ", got " +
                           std::string(KindName(got)),
                       PointerOf(key)));
}

void ObjectReader::Fail(std::string_view key, std::string type, std::string detail) {
  Fail(InvalidArgument(std::move(type), std::move(detail), PointerOf(key)));
}

void ObjectReader::Fail(Status status) {
  if (first_error_.ok()) first_error_ = std::move(status);
}

namespace {
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}
}  // namespace

std::optional<std::string> ObjectReader::OptionalString(std::string_view key, size_t max_length) {
  const bj::value* v = Lookup(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    TypeError(key, "a string", *v);
    return std::nullopt;
  }
  std::string_view s = v->as_string();
  if (s.size() > max_length) {
    Fail(key, "out-of-range",
         "'" + std::string(key) + "' is longer than " + std::to_string(max_length) + " bytes");
    return std::nullopt;
  }
  if (!ValidUtf8(s)) {
    Fail(key, "invalid-value", "'" + std::string(key) + "' is not valid UTF-8");
    return std::nullopt;
  }
  return std::string(s);
}

std::string ObjectReader::RequiredString(std::string_view key, size_t max_length) {
  bool present = Has(key) && !IsNull(key);
  auto value = OptionalString(key, max_length);
  if (!present && first_error_.ok()) {
    Fail(key, "missing-field", "'" + std::string(key) + "' is required");
    return {};
  }
  if (value && value->empty()) {
    Fail(key, "out-of-range", "'" + std::string(key) + "' must not be empty");
    return {};
  }
  return value.value_or(std::string());
}

std::optional<int64_t> ObjectReader::OptionalInt(std::string_view key, int64_t min, int64_t max) {
  const bj::value* v = Lookup(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  auto out_of_range = [&] {
    Fail(key, "out-of-range",
         "'" + std::string(key) + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  };
  int64_t n;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64()) {
    return out_of_range();  // above INT64_MAX
  } else if (v->is_double()) {
    // A number with no fraction is an integer however it is written ("1e3", "-0.0"), and one
    // beyond int64 is out of range, not of the wrong type. Check before converting: a double
    // outside int64 does not convert (undefined behaviour), 2^63 included.
    const double d = v->as_double();
    if (std::trunc(d) != d) {
      TypeError(key, "an integer", *v);
      return std::nullopt;
    }
    if (!(d >= -0x1p63 && d < 0x1p63)) return out_of_range();
    n = static_cast<int64_t>(d);
  } else {
    TypeError(key, "an integer", *v);
    return std::nullopt;
  }
  if (n < min || n > max) return out_of_range();
  return n;
}

int64_t ObjectReader::RequiredInt(std::string_view key, int64_t min, int64_t max) {
  bool present = Has(key) && !IsNull(key);
  auto value = OptionalInt(key, min, max);
  if (!present && first_error_.ok()) Fail(key, "missing-field", "'" + std::string(key) + "' is required");
  return value.value_or(0);
}

std::optional<bool> ObjectReader::OptionalBool(std::string_view key) {
  const bj::value* v = Lookup(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    TypeError(key, "a boolean", *v);
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<std::string>> ObjectReader::OptionalStringArray(std::string_view key,
                                                                         size_t max_items,
                                                                         size_t max_length) {
  const bj::value* v = Lookup(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_array()) {
    TypeError(key, "an array of strings", *v);
    return std::nullopt;
  }
  const auto& array = v->as_array();
  if (array.size() > max_items) {
    Fail(key, "out-of-range",
         "'" + std::string(key) + "' has more than " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < array.size(); ++i) {
    std::string item_pointer = PointerOf(key) + "/" + std::to_string(i);
    if (!array[i].is_string()) {
      Fail(InvalidArgument("wrong-type",
                           "items of '" + std::string(key) + "' must be strings, got " +
                               std::string(KindName(array[i])),
                           item_pointer));
      return std::nullopt;
    }
    std::string_view s = array[i].as_string();
    if (s.empty() || s.size() > max_length || !ValidUtf8(s)) {
      Fail(InvalidArgument("out-of-range",
                           "items of '" + std::string(key) + "' must be 1.." + std::to_string(max_length) +
                               " bytes of UTF-8",
                           item_pointer));
      return std::nullopt;
    }
    out.emplace_back(s);
  }
  return out;
}

std::vector<std::string> ObjectReader::RequiredStringArray(std::string_view key, size_t max_items,
                                                           size_t max_length) {
  bool present = Has(key) && !IsNull(key);
  auto value = OptionalStringArray(key, max_items, max_length);
  if (!present && first_error_.ok()) Fail(key, "missing-field", "'" + std::string(key) + "' is required");
  return value.value_or(std::vector<std::string>{});
}

const bj::object* ObjectReader::OptionalObject(std::string_view key) {
  const bj::value* v = Lookup(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object()) {
    TypeError(key, "an object", *v);
    return nullptr;
  }
  return &v->as_object();
}

const bj::array* ObjectReader::OptionalArray(std::string_view key) {
  const bj::value* v = Lookup(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) {
    TypeError(key, "an array", *v);
    return nullptr;
  }
  return &v->as_array();
}

const bj::value* ObjectReader::Raw(std::string_view key) { return Lookup(key); }

Status ObjectReader::Finish() {
  if (!first_error_.ok()) return first_error_;
  for (const auto& [key, value] : object_) {
    if (!known_.contains(std::string_view(key))) {
      return InvalidArgument("unknown-field", "unknown field '" + std::string(key) + "'",
                             PointerOf(key));
    }
  }
  return Status::Ok();
}

}  // namespace aiip::json
