// Standalone main for the fuzz targets in this folder. Each target defines
// LLVMFuzzerTestOneInput (the harness ABI libFuzzer and AFL++ share); libFuzzer itself is not
// usable because the clang that could provide it cannot compile AIIP's C++23, so the targets
// are built with GCC and driven from here in one of two ways:
//
//  - Replay and smoke fuzzing:  <target> [--mutate N] [--seed S] FILE_OR_DIR...
//    runs every file (directories recursively, in path order) through the target, then, with
//    --mutate N, N inputs derived from them by stacked mutations (bit flips, random bytes,
//    byte insertion and deletion, chunk duplication, splicing two inputs, interesting
//    values) drawn from a PRNG seeded with S (default 1). The same seed gives the same
//    inputs, so a CI failure reproduces anywhere. There is no coverage feedback: this is
//    the quick net CI casts under ASan and UBSan; AFL++ does the deep search.
//  - AFL++ (compiled by afl-g++-fast with AIIP_AFL defined; see scripts/fuzz): under
//    afl-fuzz the target runs in persistent mode, many test cases per process, reading each
//    from AFL++'s shared memory; started by hand it replays the files it is given, so
//    `<target> <crash file>` reproduces what afl-fuzz found.
//
// When an input kills the process (a violated invariant aborts; a sanitizer reports), the
// input is first written to <target>.crash in the working directory.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// The input under test and where to save it, for the handlers below, which may only use
// async-signal-safe calls.
const uint8_t* g_input = nullptr;
size_t g_input_size = 0;
std::array<char, 4096> g_crash_path{};
size_t g_crash_path_length = 0;
volatile std::sig_atomic_t g_saved = 0;

void WriteAll(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    if (n <= 0) return;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void SaveCrashInput() {
  if (g_saved != 0 || g_input == nullptr || g_crash_path_length == 0) return;
  g_saved = 1;
  const int fd = open(g_crash_path.data(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  WriteAll(fd, g_input, g_input_size);
  close(fd);
  constexpr std::string_view kSaved = "fuzz driver: the failing input was saved to ";
  WriteAll(STDERR_FILENO, kSaved.data(), kSaved.size());
  WriteAll(STDERR_FILENO, g_crash_path.data(), g_crash_path_length);
  WriteAll(STDERR_FILENO, "\n", 1);
}

void OnFatalSignal(int signal) {
  SaveCrashInput();
  // SA_RESETHAND restored the default action: die of the same signal, as without us.
  std::raise(signal);
}

void InstallCrashHandlers(std::string_view argv0) {
  const std::string path = fs::path(argv0).filename().string() + ".crash";
  g_crash_path_length = std::min(path.size(), g_crash_path.size() - 1);
  std::memcpy(g_crash_path.data(), path.data(), g_crash_path_length);

  struct sigaction action {};
  action.sa_handler = OnFatalSignal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  // abort() (violated invariants, failed asserts) and __builtin_trap() (SIGILL) are ours to
  // handle in every build.
  std::vector<int> signals{SIGABRT, SIGILL};
#if defined(__SANITIZE_ADDRESS__)
  // ASan reports memory faults itself and then calls the death callback; taking SIGSEGV
  // from it would lose its report.
  __sanitizer_set_death_callback(SaveCrashInput);
#else
  signals.insert(signals.end(), {SIGSEGV, SIGBUS, SIGFPE});
#endif
  for (int signal : signals) sigaction(signal, &action, nullptr);
}

// Runs one input from a heap block of exactly its size, so that ASan catches a target that
// reads even one byte past the end (a std::string would hide it behind its terminator).
void Run(const std::string& input) {
  auto block = std::make_unique<uint8_t[]>(input.size());
  std::memcpy(block.get(), input.data(), input.size());
  g_input = block.get();
  g_input_size = input.size();
  LLVMFuzzerTestOneInput(block.get(), input.size());
  g_input = nullptr;
}

// SplitMix64 (Steele, Lea, Flood 2014): small, and unlike the std distributions it yields
// the same numbers on every platform, which keeps mutations reproducible from a seed.
class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = state_ += 0x9e3779b97f4a7c15;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for mutation choices; 0 when n is 0.
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

// Mutants stay small: the parsers' limits are far below this, and big inputs only slow the
// campaign down.
constexpr size_t kMaxMutantSize = 64 * 1024;

// Byte patterns that sit on the edges parsers get wrong: integer limits in both byte orders
// (binary formats, length prefixes) and their text forms, JSON escapes and structures,
// base64 padding, RFC 3339 separators and offsets.
const std::vector<std::string>& InterestingValues() {
  static const std::vector<std::string> values = [] {
    std::vector<std::string> v;
    for (uint64_t n : {0x0ull, 0x1ull, 0x7full, 0x80ull, 0xffull, 0x7fffull, 0x8000ull, 0xffffull,
                       0x7fffffffull, 0x80000000ull, 0xffffffffull, 0x7fffffffffffffffull,
                       0x8000000000000000ull, 0xffffffffffffffffull}) {
      for (size_t width : {1u, 2u, 4u, 8u}) {
        if (width < 8 && n >> (8 * width) != 0) continue;
        std::string big, little;
        for (size_t i = 0; i < width; ++i) {
          big.push_back(static_cast<char>(n >> (8 * (width - 1 - i)) & 0xff));
          little.push_back(static_cast<char>(n >> (8 * i) & 0xff));
        }
        v.push_back(big);
        if (little != big) v.push_back(little);
      }
    }
    for (const char* text : {"0",
                             "-0",
                             "-1",
                             "1e3",
                             "1.5",
                             "-0.0",
                             "1e308",
                             "1e999",
                             "9223372036854775807",
                             "9223372036854775808",
                             "-9223372036854775808",
                             "-9223372036854775809",
                             "18446744073709551616",
                             "9223372036854775808.0",
                             "\\u0000",
                             "\\ud800",
                             "\\udc00",
                             "\\ud83d\\ude00",
                             "\\\"",
                             "\xc3\xa9",
                             "\xed\xa0\x80",
                             "\xf4\x90\x80\x80",
                             "\xc0\x80",
                             "null",
                             "true",
                             "[]",
                             "{}",
                             "\"\"",
                             "[[[[[[[[",
                             "]]]]]]]]",
                             ",",
                             ":",
                             "~0",
                             "~1",
                             "/",
                             "=",
                             "==",
                             "-",
                             "_",
                             "+",
                             "Z",
                             "T",
                             "60",
                             "+23:59",
                             "-00:00",
                             "9999-12-31",
                             "0000-01-01",
                             "v1:"}) {
      v.emplace_back(text);
    }
    return v;
  }();
  return values;
}

// Applies one to eight random mutations, stacked (as AFL's havoc stage does), to `input`.
std::string Mutate(std::string input, const std::vector<std::string>& corpus, Prng& rng) {
  const size_t rounds = 1 + rng.Below(8);
  for (size_t round = 0; round < rounds; ++round) {
    switch (rng.Below(7)) {
      case 0:  // flip one bit
        if (!input.empty()) input[rng.Below(input.size())] ^= static_cast<char>(1 << rng.Below(8));
        break;
      case 1:  // replace one byte with a random one
        if (!input.empty()) input[rng.Below(input.size())] = static_cast<char>(rng.Next());
        break;
      case 2: {  // insert one to four random bytes
        const size_t at = rng.Below(input.size() + 1);
        const size_t n = 1 + rng.Below(4);
        for (size_t i = 0; i < n; ++i)
          input.insert(input.begin() + static_cast<ptrdiff_t>(at), static_cast<char>(rng.Next()));
        break;
      }
      case 3:  // delete up to sixteen bytes
        if (!input.empty()) {
          const size_t at = rng.Below(input.size());
          input.erase(at, 1 + rng.Below(std::min<size_t>(16, input.size() - at)));
        }
        break;
      case 4:  // duplicate a chunk somewhere (repeats fields, nests deeper)
        if (!input.empty()) {
          const size_t from = rng.Below(input.size());
          const std::string chunk =
              input.substr(from, 1 + rng.Below(std::min<size_t>(64, input.size() - from)));
          input.insert(rng.Below(input.size() + 1), chunk);
        }
        break;
      case 5: {  // splice: a head of this input, a tail of another
        const std::string& other = corpus[rng.Below(corpus.size())];
        input = input.substr(0, rng.Below(input.size() + 1)) + other.substr(rng.Below(other.size() + 1));
        break;
      }
      default: {  // overwrite with or insert an interesting value
        const std::string& value = InterestingValues()[rng.Below(InterestingValues().size())];
        const size_t at = rng.Below(input.size() + 1);
        if (rng.Below(2) == 0) {
          input.insert(at, value);
        } else {
          input.replace(at, std::min(value.size(), input.size() - at), value);
        }
        break;
      }
    }
  }
  if (input.size() > kMaxMutantSize) input.resize(kMaxMutantSize);
  return input;
}

bool ReadFile(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  out = bytes.str();
  return !in.bad();
}

// Every regular file named, or under a directory named, in path order within a directory.
bool CollectFiles(const std::vector<std::string>& args, std::vector<fs::path>& files) {
  for (const std::string& arg : args) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(arg, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path());
      }
      if (ec) {
        std::fprintf(stderr, "cannot read directory %s: %s\n", arg.c_str(), ec.message().c_str());
        return false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(arg, ec)) {
      files.emplace_back(arg);
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", arg.c_str());
      return false;
    }
  }
  return true;
}

bool ParseCount(const char* text, uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && text[0] != '-';
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--mutate N] [--seed S] FILE_OR_DIR...\n"
               "Runs each file (directories recursively) through the fuzz target, then N\n"
               "mutations of them derived from seed S (default 1).\n",
               argv0);
  return 2;
}

int ReplayAndMutate(int argc, char** argv) {
  uint64_t mutations = 0;
  uint64_t seed = 1;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--mutate" || arg == "--seed") && i + 1 < argc) {
      if (!ParseCount(argv[++i], arg == "--mutate" ? mutations : seed)) return Usage(argv[0]);
    } else if (arg.starts_with("-")) {
      return Usage(argv[0]);
    } else {
      paths.emplace_back(arg);
    }
  }
  if (paths.empty()) return Usage(argv[0]);
  std::vector<fs::path> files;
  if (!CollectFiles(paths, files)) return 2;

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> corpus;
  for (const fs::path& file : files) {
    std::string input;
    if (!ReadFile(file, input)) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      return 2;
    }
    Run(input);
    corpus.push_back(std::move(input));
  }
  if (corpus.empty()) corpus.emplace_back();  // mutate from nothing rather than not at all
  Prng rng(seed);
  for (uint64_t i = 0; i < mutations; ++i) Run(Mutate(corpus[rng.Below(corpus.size())], corpus, rng));
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("%s: %zu files and %llu mutations (seed %llu) passed in %.1f s\n", argv[0], files.size(),
              static_cast<unsigned long long>(mutations), static_cast<unsigned long long>(seed),
              elapsed.count());
  return 0;
}

}  // namespace

#if defined(AIIP_AFL)
#if !defined(__AFL_COMPILER)
#error "AIIP_AFL builds need AFL++'s compiler (afl-g++-fast), which defines the __AFL_* macros"
#endif

// AFL++'s macros expand to GNU statement expressions and C casts; they are not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wold-style-cast"

// Declares the shared-memory test case buffer at global scope, where AFL++'s runtime finds
// it. The macro brings its own semicolons.
__AFL_FUZZ_INIT()

// At global namespace scope, not in the anonymous namespace: __AFL_INIT and __AFL_LOOP
// declare AFL++'s runtime functions at block scope, and there they would get internal
// linkage and never be linked to the runtime.
static int FuzzUnderAfl() {
  // The fork server starts here, after static initialisation, rather than before main.
  __AFL_INIT();
  const unsigned char* buffer = __AFL_FUZZ_TESTCASE_BUF;
  // The targets keep no state between inputs, so one process can run many; restarting it
  // now and then bounds the effect of any leak.
  while (__AFL_LOOP(10000)) {
    const size_t size = __AFL_FUZZ_TESTCASE_LEN;
    LLVMFuzzerTestOneInput(buffer, size);
  }
  return 0;
}

#pragma GCC diagnostic pop
#endif

int main(int argc, char** argv) {
#if defined(AIIP_AFL)
  // afl-fuzz, afl-showmap, afl-tmin and afl-cmin all pass the coverage map's id here.
  if (std::getenv("__AFL_SHM_ID") != nullptr) return FuzzUnderAfl();
#endif
  InstallCrashHandlers(argv[0]);
  return ReplayAndMutate(argc, argv);
}
