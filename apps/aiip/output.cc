#include "aiip/output.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace aiip::cli {

namespace {

void Pad(std::ostream& out, const std::string& text, size_t width) {
  out << text;
  for (size_t w = DisplayWidth(text); w < width; ++w) out << ' ';
}

void Flatten(const boost::json::object& object, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& lines) {
  for (const auto& [key, value] : object) {
    std::string name = prefix + Printable(key);
    if (value.is_object()) {
      Flatten(value.get_object(), name + ".", lines);
    } else {
      lines.emplace_back(std::move(name), Cell(&value));
    }
  }
}

void WriteJson(std::ostream& out, const boost::json::value& value, int indent) {
  const std::string pad(static_cast<size_t>(indent) + 2, ' ');
  const std::string close(static_cast<size_t>(indent), ' ');
  if (value.is_object() && !value.get_object().empty()) {
    out << "{\n";
    bool first = true;
    for (const auto& [key, member] : value.get_object()) {
      if (!first) out << ",\n";
      first = false;
      out << pad << boost::json::serialize(boost::json::string(key)) << ": ";
      WriteJson(out, member, indent + 2);
    }
    out << '\n' << close << '}';
  } else if (value.is_array() && !value.get_array().empty()) {
    out << "[\n";
    bool first = true;
    for (const auto& item : value.get_array()) {
      if (!first) out << ",\n";
      first = false;
      out << pad;
      WriteJson(out, item, indent + 2);
    }
    out << '\n' << close << ']';
  } else {
    out << boost::json::serialize(value);
  }
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buffer[16];
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    // C1 controls are U+0080..U+009F, encoded as 0xC2 0x80..0x9F; some terminals treat
    // U+009B like ESC [ and start a control sequence.
    if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(text[++i]));
      out += buffer;
    } else if (byte < 0x20 || byte == 0x7f) {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
      out += buffer;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string Cell(const boost::json::value* value) {
  if (value == nullptr || value->is_null()) return "-";
  // An empty cell would leave a gap that reads as a missing column.
  if (value->is_string()) return value->get_string().empty() ? "-" : Printable(value->get_string());
  if (value->is_bool()) return value->get_bool() ? "yes" : "no";
  if (value->is_array()) {
    std::string joined;
    for (const auto& item : value->get_array()) {
      if (!joined.empty()) joined += ", ";
      joined += Cell(&item);
    }
    return joined.empty() ? "-" : joined;
  }
  return Printable(boost::json::serialize(*value));
}

size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(
      std::ranges::count_if(text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void PrintTable(std::ostream& out, const std::vector<Column>& columns, const boost::json::array& rows) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (const Column& column : columns) widths.push_back(DisplayWidth(column.header));
  for (const auto& row : rows) {
    if (!row.is_object()) continue;
    std::vector<std::string>& line = cells.emplace_back();
    for (size_t i = 0; i < columns.size(); ++i) {
      line.push_back(Cell(row.get_object().if_contains(columns[i].key)));
      widths[i] = std::max(widths[i], DisplayWidth(line.back()));
    }
  }
  auto print_line = [&](const auto& texts) {
    for (size_t i = 0; i < columns.size(); ++i) {
      // The last column is not padded, so lines carry no trailing blanks.
      if (i + 1 < columns.size()) {
        Pad(out, texts[i], widths[i]);
        out << "  ";
      } else {
        out << texts[i];
      }
    }
    out << '\n';
  };
  std::vector<std::string> headers;
  for (const Column& column : columns) headers.push_back(column.header);
  print_line(headers);
  for (const auto& line : cells) print_line(line);
}

void PrintObject(std::ostream& out, const boost::json::object& object) {
  std::vector<std::pair<std::string, std::string>> lines;
  Flatten(object, "", lines);
  size_t width = 0;
  for (const auto& [key, value] : lines) width = std::max(width, DisplayWidth(key));
  for (const auto& [key, value] : lines) {
    Pad(out, key, width);
    out << "  " << value << '\n';
  }
}

void PrintJson(std::ostream& out, const boost::json::value& value) {
  WriteJson(out, value, 0);
  out << '\n';
}

}  // namespace aiip::cli
