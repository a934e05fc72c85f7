# Included by the top CMakeLists.txt when LIFEBOAT_FUZZ is on (the fuzz
# preset), before any library is defined: every object built from here on
# carries libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link);
# only the targets of tests/fuzz link the fuzzer itself (-fsanitize=fuzzer).
# A compiler or libFuzzer that is missing fails the configure step, so the
# suite (tools/test) fails instead of skipping the fuzz tests. docs/FUZZING.md.

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "LIFEBOAT_FUZZ needs clang (libFuzzer is part of clang); this is "
                      "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}: use the fuzz preset "
                      "after tools/install-deps (clang-16, libclang-rt-16-dev)")
endif()
if(NOT LIFEBOAT_SANITIZE)
  message(FATAL_ERROR "LIFEBOAT_FUZZ needs LIFEBOAT_SANITIZE (ASan + UBSan find what the fuzzer reaches)")
endif()

# The core returns std::expected everywhere. libstdc++ 12 declares it only
# when __cpp_concepts >= 202002L (<expected>, line 34); clang before 19
# implements what <expected> uses (P0848 conditionally trivial special
# members, clang 16) but still reports 201907L, so nothing of the core
# compiles (clang 14, Debian 12's default, lacks P0848 and cannot build it
# at all). The macro is raised for C++ only; tests/fuzz/toolchain_check.cpp
# checks, at every build and run, that std::expected then behaves as GCC's.
if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  message(FATAL_ERROR "clang ${CMAKE_CXX_COMPILER_VERSION} cannot compile libstdc++'s <expected>: "
                      "use clang 16 or later (Debian 12: clang-16, libclang-rt-16-dev)")
elseif(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 19)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-U__cpp_concepts> $<$<COMPILE_LANGUAGE:CXX>:-D__cpp_concepts=202002L>)
endif()

include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address,undefined")
if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 19)
  string(APPEND CMAKE_REQUIRED_FLAGS " -U__cpp_concepts -D__cpp_concepts=202002L")
endif()
set(CMAKE_REQUIRED_QUIET ON)
check_cxx_source_compiles("
#include <cstddef>
#include <cstdint>
#include <expected>
extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t size) {
    std::expected<std::size_t, int> r = size;
    return r ? 0 : 1;
}" LIFEBOAT_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_QUIET)
if(NOT LIFEBOAT_HAVE_LIBFUZZER)
  string(REGEX MATCH "^[0-9]+" major "${CMAKE_CXX_COMPILER_VERSION}")
  message(FATAL_ERROR "${CMAKE_CXX_COMPILER} cannot link a libFuzzer target with ASan and UBSan, or "
                      "its <expected> does not compile: install libclang-rt-${major}-dev "
                      "(tools/install-deps); see CMakeFiles/CMakeError.log")
endif()

add_compile_options(-fsanitize=fuzzer-no-link)
