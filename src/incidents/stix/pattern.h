// STIX 2.1 patterns (STIX 2.1 §9, "STIX Patterning"): a recursive-descent parser for the
// grammar in specs/stix/pattern_grammar/STIXPattern.g4 (the OASIS ANTLR grammar). It accepts
// exactly the sentences of that grammar -- observation expressions joined by AND, OR and
// FOLLOWEDBY with START/STOP, WITHIN and REPEATS qualifiers; comparison expressions joined by
// AND and OR; every comparison operator (=, ==, !=, <>, <, <=, >, >=, IN, LIKE, MATCHES,
// ISSUBSET, ISSUPERSET, EXISTS, with NOT); object paths with key and index steps; string,
// integer, float, boolean, hex, binary and timestamp literals; whitespace and comments -- and
// hands back the comparisons it found, so that callers can pull out simple indicators such
// as `[ipv4-addr:value = '198.51.100.7']`.
//
// Beyond the grammar it checks what the specification's prose requires and the grammar
// cannot say: timestamp literals must be valid dates (RFC 3339), and the START time must
// precede the STOP time (§9.5). Object types and property names are not checked against
// the SCO definitions (custom objects are allowed).
//
// Pure and thread-safe. Inputs are bounded: at most 64 KiB and 128 levels of nesting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::incidents::stix {

// One comparison of a pattern, e.g. `ipv4-addr:value = '198.51.100.7'`.
struct PatternComparison {
  std::string object_type;  // "ipv4-addr"
  // The path after the colon with string steps unquoted and joined by '.', index steps as
  // "[n]" or "[*]": "value", "hashes.SHA-256", "body_multipart[*].body_raw_ref.name".
  std::string path;
  std::string op;        // "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
                         // "ISSUPERSET" or "EXISTS"; "==" is reported as "=", "<>" as "!="
  bool negated = false;  // NOT before the operator
  // The unescaped string literals compared against (several for IN); empty for other kinds.
  std::vector<std::string> strings;
  bool only_strings = false;  // every literal compared against is a string
};

struct ParsedPattern {
  std::vector<PatternComparison> comparisons;
  // True when the pattern is one observation `[ ... ]` whose comparisons are joined only
  // by OR, with no qualifier: then each `=` comparison is on its own an indicator.
  bool disjunction_only = false;
};

// Parses `text`. On failure returns InvalidArgument("invalid-pattern") whose detail gives the
// byte offset and what was expected there.
Result<ParsedPattern> ParsePattern(std::string_view text);

// Quotes `value` as a pattern string literal: '...' with ' and \ escaped.
std::string QuotePatternString(std::string_view value);

}  // namespace aiip::incidents::stix
