#include "advisories/osv/parse_util.h"

#include "common/time.h"

namespace aiip::advisories::parse {
namespace bj = boost::json;

Status Close(json::ObjectReader& reader) {
  // Finish() reports the first error before any unread member; with no error there is
  // nothing to report, so the unread members are never looked at.
  return reader.ok() ? Status::Ok() : reader.Finish();
}

std::optional<std::string> Timestamp(json::ObjectReader& reader, std::string_view key, bool required,
                                     bool assume_utc) {
  std::optional<std::string> text;
  if (required) {
    std::string s = reader.RequiredString(key, 64);
    if (reader.ok()) text = std::move(s);
  } else {
    text = reader.OptionalString(key, 64);
  }
  if (!text) return std::nullopt;
  // "YYYY-MM-DDTHH:MM:SS[.fff]" with no zone: the offset is what is missing, so the date and
  // time themselves are still checked by the same parser.
  if (assume_utc && text->size() >= 19 && text->find_first_of("Zz+", 19) == std::string::npos &&
      text->find('-', 19) == std::string::npos) {
    *text += 'Z';
  }
  Result<SystemTime> time = ParseRfc3339(*text);
  if (!time) {
    reader.Fail(time.error().WithFieldPrefix(reader.PointerOf(key)));
    return std::nullopt;
  }
  return FormatRfc3339(*time);
}

const bj::object* ObjectItem(json::ObjectReader& reader, const bj::array& array, size_t index,
                             const std::string& array_pointer) {
  const bj::value& item = array[index];
  if (!item.is_object()) {
    reader.Fail(InvalidArgument("wrong-type",
                                "items must be objects, got " + std::string(json::KindName(item)),
                                array_pointer + "/" + std::to_string(index)));
    return nullptr;
  }
  return &item.get_object();
}

const bj::array* RequiredArray(json::ObjectReader& reader, std::string_view key) {
  const bool present = reader.Has(key) && !reader.IsNull(key);
  const bj::array* array = reader.OptionalArray(key);
  if (!present && reader.ok()) reader.Fail(key, "missing-field", "'" + std::string(key) + "' is required");
  return array;
}

}  // namespace aiip::advisories::parse
