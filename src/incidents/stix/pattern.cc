#include "incidents/stix/pattern.h"

#include <cstdint>
#include <optional>

#include "common/time.h"

namespace aiip::incidents::stix {
namespace {

constexpr size_t kMaxPatternBytes = 64 * 1024;
constexpr int kMaxDepth = 128;

enum class Tok : uint8_t {
  kEnd,
  kLBrack,
  kRBrack,
  kLParen,
  kRParen,
  kColon,
  kDot,
  kComma,
  kAsterisk,
  kEq,
  kNeq,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNot,
  kFollowedBy,
  kLike,
  kMatches,
  kIsSuperset,
  kIsSubset,
  kExists,
  kLast,
  kIn,
  kStart,
  kStop,
  kSeconds,
  kWithin,
  kRepeats,
  kTimes,
  kBool,
  kIdent,
  kIdentHyphen,
  kString,
  kIntPos,
  kIntNeg,
  kFloatPos,
  kFloatNeg,
  kHex,
  kBinary,
  kTimestamp,
  kOther,  // a token of the grammar no parser rule uses (+, -, ^, /, a lone quote) or an invalid character
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t begin = 0;
  size_t end = 0;
  std::string text;  // unescaped content of string literals, inner text of timestamps
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdChar(char c) { return IsIdStart(c) || IsDigit(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsBase64(char c) { return (IsIdChar(c) && c != '_') || c == '+' || c == '/'; }

struct Keyword {
  std::string_view text;
  Tok kind;
};
constexpr Keyword kKeywords[] = {
    {"AND", Tok::kAnd},
    {"OR", Tok::kOr},
    {"NOT", Tok::kNot},
    {"FOLLOWEDBY", Tok::kFollowedBy},
    {"LIKE", Tok::kLike},
    {"MATCHES", Tok::kMatches},
    {"ISSUPERSET", Tok::kIsSuperset},
    {"ISSUBSET", Tok::kIsSubset},
    {"EXISTS", Tok::kExists},
    {"LAST", Tok::kLast},
    {"IN", Tok::kIn},
    {"START", Tok::kStart},
    {"STOP", Tok::kStop},
    {"SECONDS", Tok::kSeconds},
    {"true", Tok::kBool},
    {"false", Tok::kBool},
    {"WITHIN", Tok::kWithin},
    {"REPEATS", Tok::kRepeats},
    {"TIMES", Tok::kTimes},
};

// The lexer of STIXPattern.g4: at each position the longest match wins, ties go to the rule
// defined first (ANTLR's rule), whitespace and comments are skipped.
class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token Next() {
    SkipSpaceAndComments();
    Token t;
    t.begin = pos_;
    if (pos_ >= s_.size()) {
      t.kind = Tok::kEnd;
      t.end = pos_;
      return t;
    }
    const char c = s_[pos_];
    // Literals that start with a letter and a quote.
    if ((c == 't' || c == 'h' || c == 'b') && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {
      if (size_t n = c == 't' ? Timestamp(pos_) : c == 'h' ? Hex(pos_) : Binary(pos_); n > 0) {
        t.kind = c == 't' ? Tok::kTimestamp : c == 'h' ? Tok::kHex : Tok::kBinary;
        t.text = std::string(s_.substr(pos_ + 2, n - 3));
        return Finish(t, n);
      }
    }
    if (IsIdStart(c)) {
      size_t plain = 1;
      while (pos_ + plain < s_.size() && IsIdChar(s_[pos_ + plain])) ++plain;
      size_t hyphen = plain;
      while (pos_ + hyphen < s_.size() && (IsIdChar(s_[pos_ + hyphen]) || s_[pos_ + hyphen] == '-')) ++hyphen;
      if (hyphen > plain) {
        t.kind = Tok::kIdentHyphen;
        t.text = std::string(s_.substr(pos_, hyphen));
        return Finish(t, hyphen);
      }
      t.text = std::string(s_.substr(pos_, plain));
      t.kind = Tok::kIdent;
      for (const Keyword& k : kKeywords) {
        if (k.text == t.text) t.kind = k.kind;
      }
      return Finish(t, plain);
    }
    if (c == '\'') {
      std::string unescaped;
      size_t i = pos_ + 1;
      while (i < s_.size() && s_[i] != '\'') {
        if (s_[i] == '\\') {
          if (i + 1 < s_.size() && (s_[i + 1] == '\'' || s_[i + 1] == '\\')) {
            unescaped += s_[i + 1];
            i += 2;
            continue;
          }
          break;  // a backslash escaping anything else ends the literal: no StringLiteral here
        }
        unescaped += s_[i++];
      }
      if (i < s_.size() && s_[i] == '\'') {
        t.kind = Tok::kString;
        t.text = std::move(unescaped);
        return Finish(t, i + 1 - pos_);
      }
      t.kind = Tok::kOther;
      return Finish(t, 1);
    }
    if (IsDigit(c) || c == '.' || c == '+' || c == '-') {
      if (size_t n = Number(pos_, t); n > 0) return Finish(t, n);
    }
    switch (c) {
      case '[':
        t.kind = Tok::kLBrack;
        return Finish(t, 1);
      case ']':
        t.kind = Tok::kRBrack;
        return Finish(t, 1);
      case '(':
        t.kind = Tok::kLParen;
        return Finish(t, 1);
      case ')':
        t.kind = Tok::kRParen;
        return Finish(t, 1);
      case ':':
        t.kind = Tok::kColon;
        return Finish(t, 1);
      case '.':
        t.kind = Tok::kDot;
        return Finish(t, 1);
      case ',':
        t.kind = Tok::kComma;
        return Finish(t, 1);
      case '*':
        t.kind = Tok::kAsterisk;
        return Finish(t, 1);
      case '=':
        t.kind = Tok::kEq;
        return Finish(t, Peek(1) == '=' ? 2 : 1);
      case '!':
        if (Peek(1) == '=') {
          t.kind = Tok::kNeq;
          return Finish(t, 2);
        }
        break;
      case '<':
        if (Peek(1) == '>') {
          t.kind = Tok::kNeq;
          return Finish(t, 2);
        }
        t.kind = Peek(1) == '=' ? Tok::kLe : Tok::kLt;
        return Finish(t, t.kind == Tok::kLe ? 2 : 1);
      case '>':
        t.kind = Peek(1) == '=' ? Tok::kGe : Tok::kGt;
        return Finish(t, t.kind == Tok::kGe ? 2 : 1);
      default:
        break;
    }
    t.kind = Tok::kOther;
    // One whole UTF-8 character, so offsets stay on character boundaries.
    size_t n = 1;
    while (pos_ + n < s_.size() && (static_cast<unsigned char>(s_[pos_ + n]) & 0xc0) == 0x80) ++n;
    return Finish(t, n);
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

  Token Finish(Token& t, size_t n) {
    pos_ += n;
    t.end = pos_;
    return t;
  }

  // Length of the Unicode white space of the grammar's WS rule at `i`, or 0.
  size_t Space(size_t i) const {
    const auto b = [&](size_t k) { return i + k < s_.size() ? static_cast<unsigned char>(s_[i + k]) : 0u; };
    const unsigned c = b(0);
    if (c == ' ' || (c >= 0x09 && c <= 0x0d)) return 1;
    if (c == 0xc2 && (b(1) == 0x85 || b(1) == 0xa0)) return 2;
    if (c == 0xe1 && b(1) == 0x9a && b(2) == 0x80) return 3;  // U+1680
    if (c == 0xe2 && b(1) == 0x80 &&
        ((b(2) >= 0x80 && b(2) <= 0x8a) || b(2) == 0xa8 || b(2) == 0xa9 || b(2) == 0xaf)) {
      return 3;  // U+2000-200A, U+2028, U+2029, U+202F
    }
    if (c == 0xe2 && b(1) == 0x81 && b(2) == 0x9f) return 3;  // U+205F
    if (c == 0xe3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
    return 0;
  }

  void SkipSpaceAndComments() {
    while (pos_ < s_.size()) {
      if (size_t n = Space(pos_); n > 0) {
        pos_ += n;
      } else if (s_.substr(pos_, 2) == "/*") {
        const size_t close = s_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) return;  // no COMMENT: '/' is a token
        pos_ = close + 2;
      } else if (s_.substr(pos_, 2) == "//") {
        while (pos_ < s_.size() && s_[pos_] != '\r' && s_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  // t'YYYY-MM-DDTHH:MM:SS(.fff)Z' at `i`: its length, or 0.
  size_t Timestamp(size_t i) const {
    std::string_view s = s_.substr(i + 2);
    const auto digits = [&](size_t at, size_t n) {
      for (size_t k = at; k < at + n; ++k) {
        if (k >= s.size() || !IsDigit(s[k])) return false;
      }
      return true;
    };
    const auto in = [&](size_t at, int lo, int hi) {
      if (!digits(at, 2)) return false;
      const int v = (s[at] - '0') * 10 + (s[at + 1] - '0');
      return v >= lo && v <= hi;
    };
    if (!digits(0, 4) || s.size() < 20 || s[4] != '-' || !in(5, 1, 12) || s[7] != '-' || !in(8, 1, 31) ||
        s[10] != 'T' || !in(11, 0, 23) || s[13] != ':' || !in(14, 0, 59) || s[16] != ':' || !in(17, 0, 60)) {
      return 0;
    }
    size_t k = 19;
    if (k < s.size() && s[k] == '.') {
      ++k;
      const size_t start = k;
      while (k < s.size() && IsDigit(s[k])) ++k;
      if (k == start) return 0;
    }
    if (k + 1 >= s.size() || s[k] != 'Z' || s[k + 1] != '\'') return 0;
    return k + 4;
  }

  size_t Hex(size_t i) const {
    size_t k = i + 2;
    while (k + 1 < s_.size() && IsHex(s_[k]) && IsHex(s_[k + 1])) k += 2;
    return k < s_.size() && s_[k] == '\'' ? k + 1 - i : 0;
  }

  size_t Binary(size_t i) const {
    size_t k = i + 2;
    size_t chars = 0;
    while (k < s_.size() && IsBase64(s_[k])) ++k, ++chars;
    size_t pad = 0;
    while (k < s_.size() && s_[k] == '=' && pad < 2) ++k, ++pad;
    if (k >= s_.size() || s_[k] != '\'') return 0;
    // The grammar: groups of four, the last possibly "xxx=" or "xx==", and at least one group.
    if ((chars + pad) % 4 != 0 || chars + pad == 0) return 0;
    if (pad > 0 && chars % 4 != 4 - pad) return 0;
    return k + 1 - i;
  }

  // Int/float literals at `i` (sign included): the longest of the four rules, or 0.
  size_t Number(size_t i, Token& t) const {
    size_t k = i;
    const bool neg = s_[k] == '-';
    if (s_[k] == '+' || s_[k] == '-') ++k;
    // Integer: '0' | [1-9][0-9]*
    size_t int_end = 0;
    if (k < s_.size() && IsDigit(s_[k])) {
      int_end = k + 1;
      if (s_[k] != '0') {
        while (int_end < s_.size() && IsDigit(s_[int_end])) ++int_end;
      }
    }
    // Float: [0-9]* '.' [0-9]+
    size_t f = k;
    while (f < s_.size() && IsDigit(s_[f])) ++f;
    size_t float_end = 0;
    if (f < s_.size() && s_[f] == '.' && f + 1 < s_.size() && IsDigit(s_[f + 1])) {
      float_end = f + 2;
      while (float_end < s_.size() && IsDigit(s_[float_end])) ++float_end;
    }
    if (float_end > int_end) {
      t.kind = neg ? Tok::kFloatNeg : Tok::kFloatPos;
      t.text = std::string(s_.substr(i, float_end - i));
      return float_end - i;
    }
    if (int_end > 0) {
      t.kind = neg ? Tok::kIntNeg : Tok::kIntPos;
      t.text = std::string(s_.substr(i, int_end - i));
      return int_end - i;
    }
    return 0;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

std::string_view Describe(Tok kind) {
  switch (kind) {
    case Tok::kEnd:
      return "the end of the pattern";
    case Tok::kLBrack:
      return "'['";
    case Tok::kRBrack:
      return "']'";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kColon:
      return "':'";
    case Tok::kDot:
      return "'.'";
    case Tok::kComma:
      return "','";
    case Tok::kAsterisk:
      return "'*'";
    case Tok::kString:
      return "a string literal";
    case Tok::kIdent:
    case Tok::kIdentHyphen:
      return "an identifier";
    case Tok::kTimestamp:
      return "a timestamp literal";
    case Tok::kIntPos:
    case Tok::kIntNeg:
    case Tok::kFloatPos:
    case Tok::kFloatNeg:
      return "a number";
    case Tok::kOther:
      return "a character the grammar does not allow here";
    default:
      return "a keyword or operator";
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) { Advance(); }

  Result<ParsedPattern> Run() {
    ObservationExpressions(0);
    if (error_.ok() && tok_.kind != Tok::kEnd) Expected("FOLLOWEDBY, OR, AND, a qualifier or the end");
    if (!error_.ok()) return Err(error_);
    result_.disjunction_only =
        observations_ == 1 && qualifiers_ == 0 && !comparison_and_ && !observation_join_;
    return std::move(result_);
  }

 private:
  void Advance() { tok_ = lexer_.Next(); }

  void Expected(std::string_view what) {
    if (!error_.ok()) return;
    std::string found = std::string(Describe(tok_.kind));
    if (tok_.kind != Tok::kEnd)
      found +=
          " '" + std::string(text_.substr(tok_.begin, std::min<size_t>(tok_.end - tok_.begin, 40))) + "'";
    error_ = InvalidArgument("invalid-pattern", "at byte " + std::to_string(tok_.begin) + ": expected " +
                                                    std::string(what) + ", found " + found);
  }

  void Fail(size_t at, std::string detail) {
    if (error_.ok())
      error_ = InvalidArgument("invalid-pattern", "at byte " + std::to_string(at) + ": " + detail);
  }

  bool Accept(Tok kind) {
    if (!error_.ok() || tok_.kind != kind) return false;
    Advance();
    return true;
  }

  bool Deep(int depth) {
    if (depth <= kMaxDepth) return false;
    Fail(tok_.begin, "nested more than " + std::to_string(kMaxDepth) + " levels");
    return true;
  }

  void ObservationExpressions(int depth) {
    if (Deep(depth)) return;
    ObservationOr(depth);
    while (Accept(Tok::kFollowedBy)) {
      observation_join_ = true;
      ObservationOr(depth);
    }
  }

  void ObservationOr(int depth) {
    ObservationAnd(depth);
    while (Accept(Tok::kOr)) {
      observation_join_ = true;
      ObservationAnd(depth);
    }
  }

  void ObservationAnd(int depth) {
    Observation(depth);
    while (Accept(Tok::kAnd)) {
      observation_join_ = true;
      Observation(depth);
    }
  }

  void Observation(int depth) {
    if (!error_.ok()) return;
    if (Accept(Tok::kLBrack)) {
      ++observations_;
      Comparison(depth + 1);
      if (!Accept(Tok::kRBrack)) return Expected("']' or a comparison joined by AND/OR");
    } else if (Accept(Tok::kLParen)) {
      observation_join_ = true;
      ObservationExpressions(depth + 1);
      if (!Accept(Tok::kRParen)) return Expected("')'");
    } else {
      return Expected("'[' or '(' (an observation expression)");
    }
    while (error_.ok()) {
      if (Accept(Tok::kStart)) {
        ++qualifiers_;
        const Token start = tok_;
        if (!Accept(Tok::kTimestamp)) return Expected("a timestamp literal after START");
        if (!Accept(Tok::kStop)) return Expected("STOP");
        const Token stop = tok_;
        if (!Accept(Tok::kTimestamp)) return Expected("a timestamp literal after STOP");
        auto a = ParseRfc3339(start.text);
        auto b = ParseRfc3339(stop.text);
        if (!a) return Fail(start.begin, "'" + start.text + "' is not a valid time");
        if (!b) return Fail(stop.begin, "'" + stop.text + "' is not a valid time");
        if (!(*a < *b)) return Fail(stop.begin, "the STOP time must be later than the START time");
      } else if (Accept(Tok::kWithin)) {
        ++qualifiers_;
        const Token n = tok_;
        if (!Accept(Tok::kIntPos) && !Accept(Tok::kFloatPos))
          return Expected("a positive number after WITHIN");
        if (n.text.find_first_of("123456789") == std::string::npos) {
          return Fail(n.begin, "WITHIN needs a positive number of seconds");
        }
        if (!Accept(Tok::kSeconds)) return Expected("SECONDS");
      } else if (Accept(Tok::kRepeats)) {
        ++qualifiers_;
        const Token n = tok_;
        if (!Accept(Tok::kIntPos)) return Expected("a positive integer after REPEATS");
        if (n.text.find_first_of("123456789") == std::string::npos) {
          return Fail(n.begin, "REPEATS needs a positive integer");
        }
        if (!Accept(Tok::kTimes)) return Expected("TIMES");
      } else {
        return;
      }
    }
  }

  void Comparison(int depth) {
    if (Deep(depth)) return;
    ComparisonAnd(depth);
    while (Accept(Tok::kOr)) ComparisonAnd(depth);
  }

  void ComparisonAnd(int depth) {
    PropTest(depth);
    while (Accept(Tok::kAnd)) {
      comparison_and_ = true;
      PropTest(depth);
    }
  }

  void PropTest(int depth) {
    if (!error_.ok()) return;
    if (Accept(Tok::kLParen)) {
      Comparison(depth + 1);
      if (!Accept(Tok::kRParen)) Expected("')'");
      return;
    }
    PatternComparison c;
    if (tok_.kind == Tok::kNot || tok_.kind == Tok::kExists) {
      c.negated = Accept(Tok::kNot);
      if (!Accept(Tok::kExists)) return Expected("EXISTS");
      c.op = "EXISTS";
      ObjectPath(c);
      result_.comparisons.push_back(std::move(c));
      return;
    }
    ObjectPath(c);
    if (!error_.ok()) return;
    c.negated = Accept(Tok::kNot);
    const Tok op = tok_.kind;
    switch (op) {
      case Tok::kEq:
      case Tok::kNeq:
        Advance();
        c.op = op == Tok::kEq ? "=" : "!=";
        Literal(c, /*orderable_only=*/false);
        break;
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
        Advance();
        c.op = op == Tok::kLt ? "<" : op == Tok::kLe ? "<=" : op == Tok::kGt ? ">" : ">=";
        Literal(c, /*orderable_only=*/true);
        break;
      case Tok::kIn:
        Advance();
        c.op = "IN";
        Set(c);
        break;
      case Tok::kLike:
      case Tok::kMatches:
      case Tok::kIsSubset:
      case Tok::kIsSuperset:
        Advance();
        c.op = op == Tok::kLike       ? "LIKE"
               : op == Tok::kMatches  ? "MATCHES"
               : op == Tok::kIsSubset ? "ISSUBSET"
                                      : "ISSUPERSET";
        if (tok_.kind != Tok::kString) return Expected("a string literal");
        c.strings.push_back(tok_.text);
        c.only_strings = true;
        Advance();
        break;
      default:
        return Expected(
            "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)");
    }
    if (error_.ok()) result_.comparisons.push_back(std::move(c));
  }

  void ObjectPath(PatternComparison& c) {
    if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kIdentHyphen) return Expected("an object type");
    c.object_type = tok_.text;
    Advance();
    if (!Accept(Tok::kColon)) return Expected("':' after the object type");
    if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kString) return Expected("a property name");
    c.path = tok_.text;
    Advance();
    while (error_.ok()) {
      if (Accept(Tok::kDot)) {
        if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kString)
          return Expected("a property name after '.'");
        c.path += "." + tok_.text;
        Advance();
      } else if (tok_.kind == Tok::kLBrack) {
        Advance();
        if (tok_.kind == Tok::kAsterisk) {
          c.path += "[*]";
        } else if (tok_.kind == Tok::kIntPos || tok_.kind == Tok::kIntNeg) {
          c.path += "[" + tok_.text + "]";
        } else {
          return Expected("an index or '*'");
        }
        Advance();
        if (!Accept(Tok::kRBrack)) return Expected("']'");
      } else {
        return;
      }
    }
  }

  // One literal; string literals are collected.
  bool Primitive(PatternComparison& c, bool orderable_only, bool& all_strings) {
    switch (tok_.kind) {
      case Tok::kString:
        c.strings.push_back(tok_.text);
        break;
      case Tok::kTimestamp:
        if (!ParseRfc3339(tok_.text)) {
          Fail(tok_.begin, "'" + tok_.text + "' is not a valid time");
          return false;
        }
        all_strings = false;
        break;
      case Tok::kBool:
        if (orderable_only) {
          Expected("an orderable literal");
          return false;
        }
        all_strings = false;
        break;
      case Tok::kIntPos:
      case Tok::kIntNeg:
      case Tok::kFloatPos:
      case Tok::kFloatNeg:
      case Tok::kHex:
      case Tok::kBinary:
        all_strings = false;
        break;
      default:
        Expected("a literal");
        return false;
    }
    Advance();
    return true;
  }

  void Literal(PatternComparison& c, bool orderable_only) {
    bool all_strings = true;
    if (Primitive(c, orderable_only, all_strings)) c.only_strings = all_strings;
  }

  void Set(PatternComparison& c) {
    if (!Accept(Tok::kLParen)) return Expected("'(' (a set)");
    bool all_strings = true;
    if (Accept(Tok::kRParen)) {
      c.only_strings = false;
      return;
    }
    do {
      if (!Primitive(c, false, all_strings)) return;
    } while (Accept(Tok::kComma));
    if (!Accept(Tok::kRParen)) return Expected("',' or ')'");
    c.only_strings = all_strings;
  }

  std::string_view text_;
  Lexer lexer_;
  Token tok_;
  Status error_;
  ParsedPattern result_;
  int observations_ = 0;
  int qualifiers_ = 0;
  bool comparison_and_ = false;
  bool observation_join_ = false;
};

}  // namespace

Result<ParsedPattern> ParsePattern(std::string_view text) {
  if (text.size() > kMaxPatternBytes) {
    return Err(
        InvalidArgument("invalid-pattern", "longer than " + std::to_string(kMaxPatternBytes) + " bytes"));
  }
  return Parser(text).Run();
}

std::string QuotePatternString(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace aiip::incidents::stix
