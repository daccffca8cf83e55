// aiip: the command-line client of an AIIP node. Everything lives in the aiip::cli library
// (apps/aiip/cli.h); main only supplies the process's streams and environment.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "aiip/cli.h"

int main(int argc, char** argv) {
  return aiip::cli::RunCli(argc, argv, std::cout, std::cerr,
                           [](std::string_view name) -> std::optional<std::string> {
                             const char* value = std::getenv(std::string(name).c_str());
                             if (value == nullptr) return std::nullopt;
                             return std::string(value);
                           });
}
