// Reading and validating the legal reference data (data/legal, doc/legal.md) from the text
// of its files. Pure: the caller supplies the files (see legal/loader.h for reading a
// directory), so tests and fuzzers can feed any text.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "legal/model.h"

namespace aiip::legal {

// One data file: its path relative to the data directory ("conduct.json",
// "instruments.json", "parties/budapest.json", "states/PH.json") and its text.
struct DataFile {
  std::string name;
  std::string text;
};

// Parses and cross-checks the files: every field has its documented type and vocabulary,
// dates are real calendar dates, every row has a source with a title, a URL or citation and
// an access date, every null fact is explained, every conduct code and instrument id
// referred to exists, each party file names a known instrument, each state file's name
// matches its code. Returns the data, or InvalidArgument whose detail starts with the file
// name and whose field is the JSON Pointer of the offending value in that file.
Result<LegalData> ParseLegalData(const std::vector<DataFile>& files);

}  // namespace aiip::legal
