# Helpers for bunbase's own targets.

set(BUNBASE_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

# bunbase_layer(name SOURCES ... LINKS ...): one layer of DESIGN.md as its own static library,
# linking only the layers below it, so an upward include fails to build.
function(bunbase_layer name)
  cmake_parse_arguments(L "" "PCH" "SOURCES;LINKS" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${BUNBASE_ROOT}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${BUNBASE_ROOT})
  target_compile_features(${name} PUBLIC cxx_std_20)
  # GCC 12 reports false positives for the last two inside Boost.JSON at -O2; clang knows neither.
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers
    $<$<CXX_COMPILER_ID:GNU>:-Wno-dangling-pointer -Wno-maybe-uninitialized>)
  target_link_libraries(${name} PUBLIC ${L_LINKS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(L_PCH)
    target_precompile_headers(${name} PRIVATE ${L_PCH})
  endif()
  # Every layer is part of the CMake package apps import (cmake/BunbasePackage.cmake).
  set_property(GLOBAL APPEND PROPERTY BUNBASE_LAYERS ${name})
endfunction()

# bunbase_test(name SOURCES ... LINKS ...): a GoogleTest binary registered with CTest.
function(bunbase_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LINKS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${BUNBASE_ROOT})
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  target_link_libraries(${name} PRIVATE ${T_LINKS} GTest::gtest GTest::gtest_main)
  target_precompile_headers(${name} PRIVATE ${BUNBASE_ROOT}/cmake/pch/json.hpp)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS "${T_LABELS}")
endfunction()
