#include "response/rpsl/rpsl.h"

#include <cstdio>
#include <utility>

namespace aiip::rpsl {

namespace {

constexpr size_t kMaxNameBytes = 80;

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Shows untrusted text in a message: at most 40 bytes, non-printable bytes as \xNN.
std::string Quote(std::string_view text) {
  std::string out = "'";
  const size_t shown = text.size() < 40 ? text.size() : 40;
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'') {
      out += static_cast<char>(c);
    } else {
      char buffer[5];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    }
  }
  if (shown < text.size()) out += "...";
  out += "'";
  return out;
}

}  // namespace

const Attribute* Object::Find(std::string_view name) const {
  for (const Attribute& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string Issue::ToString() const { return source + ":" + std::to_string(line) + ": " + message; }

std::string_view StripValue(std::string_view text) {
  const size_t hash = text.find('#');
  if (hash != std::string_view::npos) text = text.substr(0, hash);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Reader::Reader(std::string source, ObjectFn on_object, IssueFn on_issue, ClassFilter want_class,
               AttributeFilter keep, ReaderLimits limits)
    : source_(std::move(source)),
      on_object_(std::move(on_object)),
      on_issue_(std::move(on_issue)),
      want_class_(std::move(want_class)),
      keep_(std::move(keep)),
      limits_(limits) {}

void Reader::Line(std::string_view line, bool truncated) {
  ++line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (IsBlank(line) && !truncated) {
    if (in_object_) EndObject();
    return;
  }
  const char first = line.front();
  if (!in_object_ && (first == '%' || first == '#')) return;
  if (truncated || line.size() > limits_.max_line_bytes) {
    Fail("line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    return;
  }
  if (line.find('\0') != std::string_view::npos) {
    Fail("NUL byte in line");
    return;
  }
  if (failed_) return;
  if (first == '%' || first == '#') return;  // a comment line inside an object
  if (first == ' ' || first == '\t' || first == '+') {
    if (!in_object_) {
      Fail("continuation line outside an attribute");
      return;
    }
    Continue(first == '+' ? line.substr(1) : line);
    return;
  }
  StartAttribute(line);
}

void Reader::StartAttribute(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    Fail("missing ':' after the attribute name in " + Quote(line));
    return;
  }
  const std::string_view raw_name = line.substr(0, colon);
  bool valid = !raw_name.empty() && raw_name.size() <= kMaxNameBytes &&
               ((raw_name[0] >= 'a' && raw_name[0] <= 'z') || (raw_name[0] >= 'A' && raw_name[0] <= 'Z'));
  for (char c : raw_name) valid = valid && IsNameChar(c);
  if (!valid) {
    Fail("invalid attribute name " + Quote(raw_name));
    return;
  }
  std::string name(raw_name);
  for (char& c : name) c = Lower(c);
  const std::string_view value = StripValue(line.substr(colon + 1));

  if (!in_object_) {
    in_object_ = true;
    failed_ = false;
    object_.attributes.clear();
    object_.class_name = name;
    object_.line = line_;
    object_bytes_ = 0;
    attribute_count_ = 0;
    class_wanted_ = !want_class_ || want_class_(object_.class_name);
    current_kept_ = class_wanted_;
  } else {
    current_kept_ = class_wanted_ && (!keep_ || keep_(object_.class_name, name));
  }
  if (++attribute_count_ > limits_.max_attributes) {
    Fail("more than " + std::to_string(limits_.max_attributes) + " attributes in one object");
    return;
  }
  object_bytes_ += line.size();
  if (object_bytes_ > limits_.max_object_bytes) {
    Fail("object larger than " + std::to_string(limits_.max_object_bytes) + " bytes");
    return;
  }
  if (current_kept_) object_.attributes.push_back(Attribute{std::move(name), std::string(value), line_});
}

void Reader::Continue(std::string_view text) {
  object_bytes_ += text.size();
  if (object_bytes_ > limits_.max_object_bytes) {
    Fail("object larger than " + std::to_string(limits_.max_object_bytes) + " bytes");
    return;
  }
  if (!current_kept_) return;
  const std::string_view part = StripValue(text);
  if (part.empty()) return;
  std::string& value = object_.attributes.back().value;
  if (!value.empty()) value += ' ';
  value.append(part);
}

void Reader::EndObject() {
  if (!failed_) {
    if (!class_wanted_) {
      ++objects_;
    } else if (object_.attributes.front().value.empty()) {
      ++malformed_;
      on_issue_(Issue{source_, object_.line, "empty primary key in '" + object_.class_name + "' object"});
    } else {
      ++objects_;
      object_.key = object_.attributes.front().value;
      on_object_(object_);
    }
  }
  in_object_ = false;
  failed_ = false;
  object_.attributes.clear();
}

void Reader::Fail(std::string message) {
  if (!failed_) {
    failed_ = true;
    ++malformed_;
    on_issue_(Issue{source_, line_, std::move(message)});
  }
  in_object_ = true;
}

void Reader::Finish() {
  if (in_object_) EndObject();
}

}  // namespace aiip::rpsl
