// Invariant checks for the fuzz targets. A violated invariant is a bug the fuzzer found, so
// it must kill the process in a way every driver notices: the message says which property
// broke, and abort() raises SIGABRT, which AFL++ records as a crash, libFuzzer and the
// sanitizers report with a stack trace, and fuzz/driver.cc answers by saving the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define AIIP_FUZZ_CHECK(condition, what)                                                          \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                                   \
      std::abort();                                                                               \
    }                                                                                             \
  } while (false)
