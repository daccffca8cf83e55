// What csaf_json_schema.json (CSAF 2.0) requires, checked in code: required members, the
// kinds of members, enumerations, date-times, version_t, the cve/cwe/category/tracking id
// patterns, and minItems/uniqueItems of id lists. The CVSS objects are left to mandatory
// test 6.1.8 and "format: uri" is not checked. Internal to aiip::csaf.
#pragma once

#include <boost/json.hpp>

#include "common/status.h"

namespace aiip::advisories::csaf_internal {

// OK, or InvalidArgument ("missing-field", "wrong-type", "invalid-value") naming the JSON
// Pointer of the first violation found.
Status CheckSchema(const boost::json::value& document);

}  // namespace aiip::advisories::csaf_internal
