// Output: how the `aiip` command line shows API objects.
//
// People get aligned tables for lists (the columns are chosen per kind of object by the
// caller) and key/value blocks for single objects; scripts (`--json`) get the server's JSON
// pretty-printed. Everything shown to people passes through `Cell`, which escapes control
// characters: the strings come from the server and other parties' members, and must not be
// able to move the cursor or recolour the operator's terminal.
#pragma once

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace aiip::cli {

// One table column: its header and the key of the object field it shows.
struct Column {
  std::string header;
  std::string key;
};

// The text of one value for people: strings as Printable() makes them,
// null, absent or empty as "-", booleans as "yes"/"no", arrays joined with ", ", objects as
// compact JSON.
std::string Cell(const boost::json::value* value);

// `text` with control characters (C0, DEL and the C1 range) written as \xNN / \uNNNN, for
// showing server-supplied strings such as problem details.
std::string Printable(std::string_view text);

// Display width of `text` in terminal columns, counting one per UTF-8 code point.
size_t DisplayWidth(std::string_view text);

// Prints `rows` (objects; other values are skipped) as a table with a header line, columns
// separated by two spaces and padded to the widest cell. Prints nothing but the header
// when there are no rows.
void PrintTable(std::ostream& out, const std::vector<Column>& columns, const boost::json::array& rows);

// Prints `object` as "key  value" lines with the keys aligned, in the object's order.
// Nested objects are flattened with dotted keys ("member.name").
void PrintObject(std::ostream& out, const boost::json::object& object);

// Prints `value` as JSON indented by two spaces, followed by a newline.
void PrintJson(std::ostream& out, const boost::json::value& value);

}  // namespace aiip::cli
