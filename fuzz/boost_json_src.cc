// Boost.JSON's implementation, compiled into json_fuzz (Boost's documented alternative to
// linking the library). AIIP otherwise uses Debian's shared libboost_json, whose code is
// neither instrumented for AFL++'s coverage feedback nor checked by ASan; every API body
// goes through that parser first, so the fuzzer should see inside it. The definitions here
// take precedence over the shared library's and come from the same Boost 1.81 headers.
#include <boost/json/src.hpp>
