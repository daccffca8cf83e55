// Package URLs (purl, https://github.com/package-url/purl-spec, ECMA-427): the identity of a
// software package across ecosystems, e.g. "pkg:npm/%40angular/animation@12.3.1".
//
// `ParsePurl` reads a purl the way the specification's "how to parse" says (right to left:
// subpath, qualifiers, scheme, type, version, name, namespace), percent-decodes every
// component and applies the registered types' normalisations, so that two spellings of the
// same package compare equal as `Purl` values and format to the same canonical text:
//  - the scheme and type are lower-cased; slashes after "pkg:" are ignored;
//  - namespace and name are lower-cased for the types whose registries fold case (alpm,
//    apk, bitbucket, composer, deb, github, gitlab, hex, luarocks, npm; namespace only for
//    qpkg and rpm; name only for bitnami, oci and pub); pypi names are lower-cased with '_'
//    turned into '-'; huggingface versions are lower-cased. Go module paths keep their case
//    (they are case-sensitive, and the purl test suite only warns about capitals);
//  - qualifier keys are lower-cased and must be unique; pairs with an empty value are
//    dropped; qualifiers are kept sorted by key;
//  - empty, "." and ".." subpath segments are dropped.
// Type rules from the specification's test suite are enforced: maven needs a namespace;
// swift needs a namespace and a version; cran needs a version; a conan namespace and a
// "channel" qualifier come together or not at all.
//
// `FormatPurl` writes the canonical text: every byte except ASCII letters, digits and ".-_~"
// and ':' is percent-encoded (upper-case hex), except that '/' stays literal inside
// qualifier values (as in the specification's own canonical examples, e.g.
// "repository_url=repo.spring.io/release"). Parsing that text gives back an equal `Purl`.
//
// All functions are pure and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace aiip::advisories {

struct Purl {
  std::string type;        // lower-case, e.g. "maven"
  std::string namespace_;  // decoded segments joined by '/', e.g. "@angular"; may be empty
  std::string name;        // decoded, never empty
  std::string version;     // decoded; empty when the purl names no version
  std::map<std::string, std::string, std::less<>> qualifiers;  // lower-case key -> decoded value
  std::string subpath;                                         // decoded segments joined by '/'; may be empty

  friend bool operator==(const Purl&, const Purl&) = default;
};

// Parses `text` as a purl. On failure returns InvalidArgument("purl-invalid") whose detail
// begins with the part at fault ("scheme", "type", "namespace", "name", "version",
// "qualifiers" or "subpath"). No field is set: callers add the JSON Pointer of the value.
Result<Purl> ParsePurl(std::string_view text);

// The canonical text of `purl` (see above). `purl` must have a type and a name (as every
// parsed Purl has); other components are omitted when empty.
std::string FormatPurl(const Purl& purl);

// The canonical text of the package alone, without version, qualifiers or subpath, e.g.
// "pkg:maven/org.apache.logging.log4j/log4j-core": the key under which advisories and
// inventories meet.
std::string PackageKey(const Purl& purl);

}  // namespace aiip::advisories
