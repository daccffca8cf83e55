// A streaming reader of RPSL text as the RIPE Database publishes it (RFC 2622 §2 as
// profiled by the RIPE Database: the split dumps ripe.db.<class>, whois output).
//
// Objects are runs of "attribute: value" lines separated by one or more blank lines. A
// line that starts with a space, a tab or "+" continues the value of the attribute before
// it ("+" alone stands for an empty line of the value). Lines starting with "%" or "#"
// outside a value are comments, and in a value "#" starts a comment that runs to the end of
// the line. Attribute names are case-insensitive (reported in lower case); the class of an
// object is the name of its first attribute.
//
// The reader is fed one line at a time and keeps only the object being read, so a dump of
// any size is read in memory proportional to its largest object. A malformed object is
// reported with its source and line and skipped as a whole; the reader resynchronises at
// the next blank line, so one bad object never stops the rest of the file.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace aiip::rpsl {

struct Attribute {
  std::string name;   // lower case
  std::string value;  // comments removed, continuation lines joined by one space, trimmed
  size_t line = 0;    // 1-based line of the attribute name
};

struct Object {
  std::vector<Attribute> attributes;  // in order; only those the filter kept
  std::string class_name;             // name of the first attribute (always kept)
  std::string key;                    // value of the first attribute
  size_t line = 0;                    // 1-based line of the first attribute

  // The value of the first attribute called `name`, or nullptr.
  const Attribute* Find(std::string_view name) const;
};

struct Issue {
  std::string source;  // file name as given
  size_t line = 0;     // 1-based
  std::string message;

  // "<source>:<line>: <message>".
  std::string ToString() const;
};

struct ReaderLimits {
  size_t max_line_bytes = 64 * 1024;          // longer lines make the object malformed
  size_t max_object_bytes = 4 * 1024 * 1024;  // counted over the kept and dropped values
  size_t max_attributes = 100000;
};

// Decides which attributes of an object to keep, given the object's class and the
// attribute name (both lower case). Objects whose class it rejects outright (see
// Reader::Reader) are read for syntax but nothing of them is stored.
using ClassFilter = std::function<bool(std::string_view class_name)>;
using AttributeFilter = std::function<bool(std::string_view class_name, std::string_view attribute)>;

class Reader {
 public:
  using ObjectFn = std::function<void(const Object&)>;
  using IssueFn = std::function<void(const Issue&)>;

  // `source` names the input in issues (e.g. the file path). Every well-formed object whose
  // class `want_class` accepts is passed to `on_object` with the attributes `keep` accepts
  // (null filters accept everything); every malformed object is passed to `on_issue` with
  // the line of the first problem. The callbacks run synchronously inside Line/Finish.
  Reader(std::string source, ObjectFn on_object, IssueFn on_issue, ClassFilter want_class = {},
         AttributeFilter keep = {}, ReaderLimits limits = {});

  // Feeds the next line, without its "\n" (a trailing "\r" is dropped). `truncated` says the
  // line was longer than the caller's buffer and only its start is given.
  void Line(std::string_view line, bool truncated = false);
  // Ends the input: the last object, if any, is delivered.
  void Finish();

  size_t lines() const { return line_; }
  size_t objects() const { return objects_; }  // well-formed objects seen (any class)
  size_t malformed_objects() const { return malformed_; }

 private:
  void StartAttribute(std::string_view line);
  void Continue(std::string_view text);
  void EndObject();
  void Fail(std::string message);

  std::string source_;
  ObjectFn on_object_;
  IssueFn on_issue_;
  ClassFilter want_class_;
  AttributeFilter keep_;
  ReaderLimits limits_;

  size_t line_ = 0;
  size_t objects_ = 0;
  size_t malformed_ = 0;
  bool in_object_ = false;
  bool failed_ = false;        // current object is malformed; skip to the blank line
  bool class_wanted_ = false;  // the current object's class passed want_class_
  bool current_kept_ = false;  // the current attribute's value is being stored
  size_t object_bytes_ = 0;
  size_t attribute_count_ = 0;
  Object object_;
};

// Removes an end-of-line "#" comment and surrounding spaces and tabs from a value line.
std::string_view StripValue(std::string_view text);

}  // namespace aiip::rpsl
