// Advisory formats and advisory trees: one entry point that recognises an OSV, CSAF 2.0 or
// CVE JSON 5 document and hands it to its parser, and a loader that reads every advisory
// under files and directories, one bad document never stopping the rest.
//
// Recognition looks only at the names of the top-level members (without building a JSON
// tree): "document" is CSAF; "cveMetadata" or "dataType" is CVE JSON 5; "id" together with
// "modified" or "schema_version" is OSV. Anything else is "unknown-format".
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "advisories/model.h"
#include "common/status.h"

namespace aiip::advisories {

enum class DetectedFormat { kUnknown, kOsv, kCsaf, kCve5 };

// The format of `bytes` by its top-level member names (see above). kUnknown for text that
// is not a JSON object or names none of them. Never fails, never allocates per byte.
DetectedFormat DetectAdvisoryFormat(std::string_view bytes);

// Parses one advisory in any supported format. `published_sha512` (the text of a published
// ".sha512" file) is checked for CSAF documents and ignored otherwise. Errors: the parser's
// (InvalidArgument naming the JSON Pointer), or InvalidArgument("unknown-format").
Result<Document> ParseAdvisory(std::string_view bytes, std::string source_name,
                               std::optional<std::string_view> published_sha512 = std::nullopt);

// A document that could not be loaded.
struct LoadError {
  std::string file;
  std::string pointer;  // JSON Pointer of the offending field; empty for the whole file
  std::string type;     // the Status problem type, e.g. "missing-field", "unreadable"
  std::string reason;
};

struct LoadedTree {
  std::vector<Document> documents;  // in file path order
  std::vector<LoadError> errors;    // in file path order
  size_t files = 0;                 // advisory files read (".sha512" files not counted)
  size_t bytes = 0;                 // bytes of those files
};

// Reads every advisory under `paths` (files, or directories walked recursively; only
// "*.json" files inside directories, any file named explicitly). A "<name>.sha512" file is
// paired with "<name>" and passed as its published digest; a ".sha512" file without its
// document is a LoadError. Files are parsed on up to `threads` threads. Errors: only
// InvalidArgument("not-found") when a path does not exist; everything about a file or
// document goes into LoadedTree::errors.
Result<LoadedTree> LoadAdvisoryTree(std::span<const std::string> paths, unsigned threads = 2);

}  // namespace aiip::advisories
