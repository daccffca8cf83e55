#include "advisories/matcher/formats.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

#include "advisories/csaf/csaf.h"
#include "advisories/cve5/cve5.h"
#include "advisories/osv/osv.h"
#include "common/json.h"

namespace aiip::advisories {

namespace {

namespace fs = std::filesystem;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Skips one JSON string starting at text[i] == '"'; returns the index after its closing
// quote, or npos when it is unterminated.
size_t SkipString(std::string_view text, size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The names of the top-level members of a JSON object, read without building a tree:
// strings are skipped, brackets counted, and a string at depth 1 followed by ':' is a name.
// Malformed text yields what was read before the fault (the parser will report it).
template <typename Visit>
void ForEachTopLevelName(std::string_view text, Visit visit) {
  size_t i = 0;
  if (text.starts_with("\xEF\xBB\xBF")) i = 3;
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i >= text.size() || text[i] != '{') return;
  int depth = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      const size_t end = SkipString(text, i);
      if (end == std::string_view::npos) return;
      if (depth == 1) {
        size_t j = end;
        while (j < text.size() && IsSpace(text[j])) ++j;
        if (j < text.size() && text[j] == ':' && !visit(text.substr(i + 1, end - i - 2))) return;
      }
      i = end;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return;
    }
    ++i;
  }
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(InvalidArgument("unreadable", "cannot open " + path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Err(InvalidArgument("unreadable", "cannot read " + path.string()));
  return std::move(text).str();
}

struct Job {
  fs::path file;
  std::optional<fs::path> digest;  // its published .sha512
};

struct JobResult {
  std::optional<Document> document;
  std::optional<LoadError> error;
  size_t bytes = 0;
};

JobResult RunJob(const Job& job) {
  JobResult result;
  auto fail = [&](const Status& status) {
    result.error = LoadError{job.file.string(), status.field(), status.type(), status.detail()};
    return result;
  };
  auto bytes = ReadFile(job.file);
  if (!bytes) return fail(bytes.error());
  result.bytes = bytes->size();
  std::optional<std::string> digest;
  if (job.digest) {
    auto text = ReadFile(*job.digest);
    if (!text) return fail(text.error());
    digest = std::move(*text);
  }
  auto document = ParseAdvisory(*bytes, job.file.string(),
                                digest ? std::optional<std::string_view>(*digest) : std::nullopt);
  if (!document) return fail(document.error());
  result.document = std::move(*document);
  return result;
}

}  // namespace

DetectedFormat DetectAdvisoryFormat(std::string_view bytes) {
  bool id = false, modified = false, schema_version = false;
  DetectedFormat format = DetectedFormat::kUnknown;
  ForEachTopLevelName(bytes, [&](std::string_view name) {
    if (name == "document") {
      format = DetectedFormat::kCsaf;
      return false;
    }
    if (name == "cveMetadata" || name == "dataType") {
      format = DetectedFormat::kCve5;
      return false;
    }
    id = id || name == "id";
    modified = modified || name == "modified";
    schema_version = schema_version || name == "schema_version";
    return true;
  });
  if (format == DetectedFormat::kUnknown && id && (modified || schema_version)) format = DetectedFormat::kOsv;
  return format;
}

Result<Document> ParseAdvisory(std::string_view bytes, std::string source_name,
                               std::optional<std::string_view> published_sha512) {
  switch (DetectAdvisoryFormat(bytes)) {
    case DetectedFormat::kOsv:
      return ParseOsv(bytes, std::move(source_name));
    case DetectedFormat::kCsaf:
      return ParseCsaf(bytes, std::move(source_name), published_sha512);
    case DetectedFormat::kCve5:
      return ParseCve5(bytes, std::move(source_name));
    case DetectedFormat::kUnknown:
      break;
  }
  // Text that is not JSON at all deserves the JSON error (with its offset) rather than a
  // guess about its format.
  if (auto json = json::Parse(bytes); !json) return Err(json.error());
  return Err(InvalidArgument("unknown-format",
                             "not an OSV, CSAF 2.0 or CVE JSON 5 document (a JSON object with top-level "
                             "\"document\", \"cveMetadata\"/\"dataType\", or \"id\" and \"modified\")"));
}

Result<LoadedTree> LoadAdvisoryTree(std::span<const std::string> paths, unsigned threads) {
  // Gather the files: explicit files as given, directories walked for *.json and *.sha512.
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status))
      return Err(InvalidArgument("not-found", "no such file or directory: " + path));
    if (!fs::is_directory(status)) {
      files.emplace_back(path);
      continue;
    }
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const fs::path& file = it->path();
      if (file.extension() == ".json" || file.extension() == ".sha512") files.push_back(file);
    }
    if (ec) return Err(InvalidArgument("unreadable", "cannot walk " + path + ": " + ec.message()));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  // Pair each "<name>.sha512" with "<name>".
  std::vector<Job> jobs;
  std::map<fs::path, size_t> job_of;
  std::vector<fs::path> digests;
  for (const fs::path& file : files) {
    if (file.extension() == ".sha512") {
      digests.push_back(file);
      continue;
    }
    job_of[file] = jobs.size();
    jobs.push_back({file, std::nullopt});
  }
  LoadedTree tree;
  std::vector<LoadError> orphans;
  for (const fs::path& digest : digests) {
    fs::path document = digest;
    document.replace_extension();
    if (auto it = job_of.find(document); it != job_of.end()) {
      jobs[it->second].digest = digest;
    } else {
      orphans.push_back({digest.string(), "", "orphan-digest", "a .sha512 file without its document"});
    }
  }

  std::vector<JobResult> results(jobs.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) results[i] = RunJob(jobs[i]);
  };
  const unsigned count = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(jobs.size())));
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < count; ++t) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones running (and this one) do the rest
    }
  }
  work();
  for (auto& worker : workers) worker.join();

  tree.files = jobs.size();
  for (JobResult& result : results) {
    tree.bytes += result.bytes;
    if (result.document) tree.documents.push_back(std::move(*result.document));
    if (result.error) tree.errors.push_back(std::move(*result.error));
  }
  tree.errors.insert(tree.errors.end(), orphans.begin(), orphans.end());
  std::sort(tree.errors.begin(), tree.errors.end(),
            [](const LoadError& a, const LoadError& b) { return a.file < b.file; });
  return tree;
}

}  // namespace aiip::advisories
