// Package URL syntax (https://github.com/package-url/purl-spec) as far as CSAF test 6.1.13
// and the resolver need it: a scheme "pkg:", a type, an optional namespace, a required name,
// an optional version, qualifiers and subpath, with valid percent-escapes. Internal to
// aiip::csaf; type-specific rules (e.g. maven needs a namespace) are not checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aiip::advisories::purl {

struct Parts {
  std::string type;  // lower-cased
  std::string namespace_;
  std::string name;     // percent-decoded
  std::string version;  // percent-decoded, empty when absent
};

// Splits `text`; nullopt with `why` set when it is not a valid purl.
std::optional<Parts> Parse(std::string_view text, std::string* why);

}  // namespace aiip::advisories::purl
