#include "legal/loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace aiip::legal {

namespace {

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Err(InvalidArgument("unreadable-data", "cannot read " + path.string()));
  return text.str();
}

}  // namespace

Result<std::vector<DataFile>> ReadLegalDataFiles(const std::filesystem::path& directory) {
  std::vector<DataFile> files;
  for (const char* name : {"conduct.json", "instruments.json"}) {
    AIIP_ASSIGN_OR_RETURN(std::string text, ReadFile(directory / name));
    files.push_back({name, std::move(text)});
  }
  for (const char* folder : {"parties", "states"}) {
    std::error_code ec;
    std::vector<std::filesystem::path> paths;
    for (std::filesystem::directory_iterator it(directory / folder, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().extension() == ".json") paths.push_back(it->path());
    }
    if (ec)
      return Err(InvalidArgument("unreadable-data",
                                 "cannot list " + (directory / folder).string() + ": " + ec.message()));
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      AIIP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
      files.push_back({std::string(folder) + "/" + path.filename().string(), std::move(text)});
    }
  }
  return files;
}

Result<LegalData> LoadLegalData(const std::filesystem::path& directory) {
  AIIP_ASSIGN_OR_RETURN(std::vector<DataFile> files, ReadLegalDataFiles(directory));
  return ParseLegalData(files);
}

}  // namespace aiip::legal
