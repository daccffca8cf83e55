#include "store/sql_text.h"

#include <cctype>

namespace aiip::store {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Copies `sql` to the result, passing each maximal run of SQL code (text outside quotes and
// comments) through `rewrite(run, out)` and copying everything else verbatim.
template <typename Rewrite>
std::string RewriteCode(std::string_view sql, Rewrite&& rewrite) {
  std::string out;
  out.reserve(sql.size() + 16);
  size_t i = 0;
  while (i < sql.size()) {
    // Find the end of the code run starting at i.
    size_t j = i;
    while (j < sql.size()) {
      char c = sql[j];
      if (c == '\'' || c == '"') break;
      if (c == '-' && j + 1 < sql.size() && sql[j + 1] == '-') break;
      if (c == '/' && j + 1 < sql.size() && sql[j + 1] == '*') break;
      ++j;
    }
    rewrite(sql.substr(i, j - i), out);
    if (j == sql.size()) break;
    // Copy the quoted run or comment starting at j.
    size_t end;
    char c = sql[j];
    if (c == '\'' || c == '"') {
      // A doubled quote inside is an escaped quote, so scanning on past it is correct.
      end = j + 1;
      while (end < sql.size() && sql[end] != c) ++end;
      end = end < sql.size() ? end + 1 : end;
    } else if (c == '-') {
      end = sql.find('\n', j);
      end = end == std::string_view::npos ? sql.size() : end;
    } else {
      end = sql.find("*/", j + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
    }
    out.append(sql.substr(j, end - j));
    i = end;
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string ToPostgresPlaceholders(std::string_view sql, int* count) {
  int n = 0;
  std::string out = RewriteCode(sql, [&n](std::string_view code, std::string& o) {
    for (char c : code) {
      if (c == '?') {
        o += '$';
        o += std::to_string(++n);
      } else {
        o += c;
      }
    }
  });
  *count = n;
  return out;
}

std::string ToPostgresTypes(std::string_view ddl) {
  return RewriteCode(ddl, [](std::string_view code, std::string& o) {
    size_t i = 0;
    while (i < code.size()) {
      if (!IsWordChar(code[i])) {
        o += code[i++];
        continue;
      }
      size_t j = i;
      while (j < code.size() && IsWordChar(code[j])) ++j;
      std::string_view word = code.substr(i, j - i);
      o += EqualsIgnoreCase(word, "BLOB") ? std::string_view("BYTEA") : word;
      i = j;
    }
  });
}

std::vector<std::string> SplitStatements(std::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  bool has_code = false;
  auto flush = [&] {
    if (has_code) statements.push_back(std::string(Trim(current)));
    current.clear();
    has_code = false;
  };
  while (!script.empty()) {
    size_t nl = script.find('\n');
    std::string_view line = script.substr(0, nl);
    script.remove_prefix(nl == std::string_view::npos ? script.size() : nl + 1);
    std::string_view trimmed = Trim(line);
    bool comment = trimmed.starts_with("--");
    if (!trimmed.empty() && !comment) has_code = true;
    if (!comment && trimmed.ends_with(';')) {
      current.append(line.substr(0, line.rfind(';')));
      flush();
    } else {
      current.append(line);
      current += '\n';
    }
  }
  flush();
  return statements;
}

}  // namespace aiip::store
