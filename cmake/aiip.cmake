# Module helpers in the style of abseil's absl_cc_library: one target per module,
# explicit dependencies, warnings as errors.

set(AIIP_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    # GCC 12 reports impossible memcpy overlaps inside std::string::operator+ when
    # optimising (GCC bug 105329); every report is inside libstdc++, so it is off.
    -Wno-restrict)

if(AIIP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# aiip_cc_library(NAME name SRCS ... HDRS ... DEPS ...)
# Creates target aiip_<name> with alias aiip::<name>. Headers are included as
# "module/header.h" relative to src/.
function(aiip_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  set(target aiip_${A_NAME})
  if(A_SRCS)
    add_library(${target} STATIC ${A_SRCS} ${A_HDRS})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${A_DEPS})
    target_compile_options(${target} PRIVATE ${AIIP_WARNINGS})
  else()
    add_library(${target} INTERFACE ${A_HDRS})
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} INTERFACE ${A_DEPS})
  endif()
  add_library(aiip::${A_NAME} ALIAS ${target})
endfunction()

# aiip_cc_test(NAME name SRCS ... DEPS ... [LABELS ...])
# Builds a GoogleTest binary and registers its tests with CTest.
function(aiip_cc_test)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${A_NAME} PRIVATE ${AIIP_WARNINGS})
  target_compile_definitions(${A_NAME} PRIVATE
    AIIP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" AIIP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  include(GoogleTest)
  # PRE_TEST: list the tests when ctest runs, so parameterised suites follow the
  # environment of the test run (e.g. AIIP_TEST_POSTGRES_URL), not that of the build.
  gtest_discover_tests(${A_NAME} DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${A_LABELS}")
endfunction()

# aiip_embed_files(OUT_CC VAR_PREFIX FILES ...)
# Generates a .cc file defining `std::string_view <VAR_PREFIX>_<basename>()` entries in an
# array `k<VAR_PREFIX>Files` of {name, contents}, so data ships inside the binary.
function(aiip_embed_files out_cc namespace)
  set(files ${ARGN})
  add_custom_command(
    OUTPUT ${out_cc}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cc} -DNAMESPACE=${namespace} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${namespace} files"
    VERBATIM)
endfunction()
