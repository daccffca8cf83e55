// Space-separated lists: how the store keeps small sets of identifiers in one text column
// (event kinds of a webhook, subscription channels, a report's sharing groups, a legal
// request's grounds). Identifiers never contain spaces; the validators of each caller
// guarantee it. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiip {

// The non-empty words of `text` in order; runs of spaces separate, leading and trailing
// spaces are ignored ("" gives none).
std::vector<std::string> SplitWords(std::string_view text);

// `words` joined by single spaces ("" for none).
std::string JoinWords(const std::vector<std::string>& words);

}  // namespace aiip
