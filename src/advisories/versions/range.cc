#include "advisories/versions/range.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisories/versions/internal.h"
#include "advisories/versions/version.h"

namespace aiip::advisories {
namespace {

using internal::SmallVec;

int Compare(Ecosystem ecosystem, Range::Type type, std::string_view a, std::string_view b) {
  return type == Range::Type::kSemver ? CompareSemver(a, b) : CompareVersions(ecosystem, a, b);
}

bool IsZeroIntroduced(const RangeEvent& e) {
  return e.kind == RangeEvent::Kind::kIntroduced && e.version == "0";
}

// The order events are evaluated in: by version, introduced "0" first; at equal versions an
// introduced comes before the events that end an interval, so that "introduced: 1, fixed: 1"
// is an empty interval rather than one that never ends.
bool EventBefore(Ecosystem ecosystem, Range::Type type, const RangeEvent& a, const RangeEvent& b) {
  const bool a_zero = IsZeroIntroduced(a);
  const bool b_zero = IsZeroIntroduced(b);
  if (a_zero || b_zero) return a_zero && !b_zero;
  const int c = Compare(ecosystem, type, a.version, b.version);
  if (c != 0) return c < 0;
  return a.kind == RangeEvent::Kind::kIntroduced && b.kind != RangeEvent::Kind::kIntroduced;
}

bool Satisfies(Ecosystem ecosystem, const VersConstraint& c, std::string_view version) {
  if (c.op == VersConstraint::Op::kAny) return true;
  const int cmp = CompareVersions(ecosystem, version, c.version);
  switch (c.op) {
    case VersConstraint::Op::kEq:
      return cmp == 0;
    case VersConstraint::Op::kNe:
      return cmp != 0;
    case VersConstraint::Op::kLt:
      return cmp < 0;
    case VersConstraint::Op::kLe:
      return cmp <= 0;
    case VersConstraint::Op::kGt:
      return cmp > 0;
    case VersConstraint::Op::kGe:
      return cmp >= 0;
    case VersConstraint::Op::kAny:
      return true;
  }
  return false;
}

bool IsLower(VersConstraint::Op op) { return op == VersConstraint::Op::kGt || op == VersConstraint::Op::kGe; }
bool IsUpper(VersConstraint::Op op) { return op == VersConstraint::Op::kLt || op == VersConstraint::Op::kLe; }

// The ecosystem whose order a `vers:` range uses: the package's, else its scheme's.
Ecosystem VersEcosystem(Ecosystem ecosystem, const Vers& vers) {
  return ecosystem != Ecosystem::kUnknown ? ecosystem : EcosystemFromPurl(vers.scheme, "");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status VersError(std::string detail) { return InvalidArgument("invalid-vers", std::move(detail)); }

}  // namespace

bool InRange(Ecosystem ecosystem, const Range& range, std::string_view version) {
  if (range.type == Range::Type::kGit || range.events.empty()) return false;
  SmallVec<const RangeEvent*, 8> events;
  bool has_limit = false;
  bool below_limit = false;
  for (const RangeEvent& e : range.events) {
    if (e.kind == RangeEvent::Kind::kLimit) {
      // OSV: a version is only affected below one of the limits ("*" is no limit).
      has_limit = true;
      if (e.version == "*" || Compare(ecosystem, range.type, version, e.version) < 0) below_limit = true;
      continue;
    }
    // Insertion sort: ranges have a handful of events, and this does not allocate.
    events.push_back(&e);
    for (size_t i = events.size() - 1;
         i > 0 && EventBefore(ecosystem, range.type, *events[i], *events[i - 1]); --i) {
      std::swap(events[i], events[i - 1]);
    }
  }
  if (has_limit && !below_limit) return false;
  bool affected = false;
  for (size_t i = 0; i < events.size(); ++i) {
    const RangeEvent& e = *events[i];
    switch (e.kind) {
      case RangeEvent::Kind::kIntroduced:
        if (IsZeroIntroduced(e) || Compare(ecosystem, range.type, version, e.version) >= 0) affected = true;
        break;
      case RangeEvent::Kind::kFixed:
        if (Compare(ecosystem, range.type, version, e.version) >= 0) affected = false;
        break;
      case RangeEvent::Kind::kLastAffected:
        if (Compare(ecosystem, range.type, version, e.version) > 0) affected = false;
        break;
      case RangeEvent::Kind::kLimit:
        break;
    }
  }
  return affected;
}

bool IsAffectedVersion(Ecosystem ecosystem, const Affected& affected, std::string_view version) {
  if (affected.all_versions) return true;
  for (const Range& range : affected.ranges) {
    if (InRange(ecosystem, range, version)) return true;
  }
  for (const std::string& listed : affected.versions) {
    if (listed == version || CompareVersions(ecosystem, listed, version) == 0) return true;
  }
  if (!affected.vers.empty()) {
    Result<Vers> vers = ParseVers(affected.vers);
    if (vers && InVers(ecosystem, *vers, version)) return true;
  }
  return false;
}

std::vector<std::string> FixedVersions(Ecosystem ecosystem, const Affected& affected) {
  std::vector<std::string> fixed;
  auto add = [&](const std::string& v) {
    for (const std::string& known : fixed) {
      if (CompareVersions(ecosystem, known, v) == 0) return;
    }
    fixed.push_back(v);
  };
  for (const Range& range : affected.ranges) {
    if (range.type == Range::Type::kGit) continue;
    for (const RangeEvent& e : range.events) {
      if (e.kind == RangeEvent::Kind::kFixed) add(e.version);
    }
  }
  if (!affected.vers.empty()) {
    if (Result<Vers> vers = ParseVers(affected.vers); vers) {
      for (const VersConstraint& c : vers->constraints) {
        if (c.op == VersConstraint::Op::kLt) add(c.version);
      }
    }
  }
  std::stable_sort(fixed.begin(), fixed.end(), [ecosystem](const std::string& a, const std::string& b) {
    return CompareVersions(ecosystem, a, b) < 0;
  });
  return fixed;
}

Result<Vers> ParseVers(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\t') compact += c;
  }
  std::string_view rest = compact;
  if (rest.size() < 5 || !internal::EqualsIgnoreCase(rest.substr(0, 5), "vers:")) {
    return Err(VersError("a vers range must start with \"vers:\""));
  }
  rest.remove_prefix(5);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Err(VersError("a vers range must be \"vers:<scheme>/<constraints>\": no \"/\" after the scheme"));
  }
  Vers vers;
  for (char c : rest.substr(0, slash)) vers.scheme += internal::ToLower(c);
  if (vers.scheme.empty()) return Err(VersError("the versioning scheme of a vers range is empty"));
  for (char c : vers.scheme) {
    if (!internal::IsAlnum(c) && c != '.' && c != '-' && c != '+') {
      return Err(
          VersError("the versioning scheme \"" + vers.scheme + "\" has a character that is not allowed"));
    }
  }
  std::string_view constraints = rest.substr(slash + 1);
  while (!constraints.empty() && constraints.front() == '|') constraints.remove_prefix(1);
  while (!constraints.empty() && constraints.back() == '|') constraints.remove_suffix(1);
  if (constraints.empty()) return Err(VersError("a vers range has no constraints"));
  if (constraints == "*") {
    vers.constraints.push_back({VersConstraint::Op::kAny, ""});
    return vers;
  }
  size_t start = 0;
  while (start <= constraints.size()) {
    size_t bar = constraints.find('|', start);
    if (bar == std::string_view::npos) bar = constraints.size();
    std::string_view item = constraints.substr(start, bar - start);
    const std::string position = "constraint " + std::to_string(vers.constraints.size() + 1);
    if (item.empty()) return Err(VersError(position + " is empty"));
    if (item == "*") return Err(VersError("\"*\" must be the only constraint of a vers range"));
    VersConstraint c{VersConstraint::Op::kEq, ""};
    if (item.starts_with(">=")) {
      c.op = VersConstraint::Op::kGe;
      item.remove_prefix(2);
    } else if (item.starts_with("<=")) {
      c.op = VersConstraint::Op::kLe;
      item.remove_prefix(2);
    } else if (item.starts_with("!=")) {
      c.op = VersConstraint::Op::kNe;
      item.remove_prefix(2);
    } else if (item.starts_with("<")) {
      c.op = VersConstraint::Op::kLt;
      item.remove_prefix(1);
    } else if (item.starts_with(">")) {
      c.op = VersConstraint::Op::kGt;
      item.remove_prefix(1);
    } else if (item.starts_with("=")) {
      item.remove_prefix(1);
    }
    if (item.empty()) return Err(VersError(position + " has an operator but no version"));
    for (size_t i = 0; i < item.size(); ++i) {
      if (item[i] == '%') {
        const int hi = i + 1 < item.size() ? HexValue(item[i + 1]) : -1;
        const int lo = i + 2 < item.size() ? HexValue(item[i + 2]) : -1;
        if (hi < 0 || lo < 0) return Err(VersError(position + " has a malformed percent-encoding"));
        c.version += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else if (item[i] == '<' || item[i] == '>' || item[i] == '=' || item[i] == '!') {
        return Err(VersError(position + " has a comparator inside its version"));
      } else {
        c.version += item[i];
      }
    }
    vers.constraints.push_back(std::move(c));
    start = bar + 1;
  }
  return vers;
}

bool InVers(Ecosystem ecosystem, const Vers& vers, std::string_view version) {
  const Ecosystem eco = VersEcosystem(ecosystem, vers);
  SmallVec<const VersConstraint*, 8> bounds;
  bool has_ne = false;
  for (const VersConstraint& c : vers.constraints) {
    switch (c.op) {
      case VersConstraint::Op::kAny:
        return true;
      case VersConstraint::Op::kEq:
        if (Satisfies(eco, c, version)) return true;
        break;
      case VersConstraint::Op::kNe:
        if (!Satisfies(eco, c, version)) return false;
        has_ne = true;
        break;
      default:
        bounds.push_back(&c);
        for (size_t i = bounds.size() - 1;
             i > 0 && CompareVersions(eco, bounds[i]->version, bounds[i - 1]->version) < 0; --i) {
          std::swap(bounds[i], bounds[i - 1]);
        }
    }
  }
  // Only "!=" constraints: every other version (the spec leaves this case open).
  if (bounds.empty()) return has_ne;
  if (bounds.size() == 1) return Satisfies(eco, *bounds[0], version);
  // The purl spec's walk over consecutive pairs: an upper bound first or a lower bound last
  // is an open interval; a lower bound followed by an upper bound is a closed one.
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    const VersConstraint& current = *bounds[i];
    const VersConstraint& next = *bounds[i + 1];
    if (i == 0 && IsUpper(current.op) && Satisfies(eco, current, version)) return true;
    if (i + 2 == bounds.size() && IsLower(next.op) && Satisfies(eco, next, version)) return true;
    if (IsLower(current.op) && IsUpper(next.op) && Satisfies(eco, current, version) &&
        Satisfies(eco, next, version)) {
      return true;
    }
  }
  return false;
}

}  // namespace aiip::advisories
