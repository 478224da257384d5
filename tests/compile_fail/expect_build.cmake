# Builds one target of an already configured build tree and checks how that went.
#   cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DEXPECT=<regex> [-DFORBID=<regex>] -P expect_build.cmake
#   cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DSUCCEED=ON -P expect_build.cmake
# With EXPECT the build must fail AND its output must match EXPECT (the static_assert text),
# so a file that fails for another reason (a typo, a missing include) does not pass. FORBID
# rejects the other diagnostics, so each case proves the check it is named after.
foreach(var BUILD_DIR TARGET)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_build.cmake: ${var} is not set")
  endif()
endforeach()

execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)

if(SUCCEED)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} should compile but did not (exit ${rc}):\n${out}")
  endif()
  message(STATUS "${TARGET} compiled, as it should")
  return()
endif()

if(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it must not:\n${out}")
endif()
string(REGEX MATCH "[^\n]*${EXPECT}[^\n]*" diagnostic "${out}")
if(NOT diagnostic)
  message(FATAL_ERROR
    "${TARGET} failed to compile, but not with the expected diagnostic \"${EXPECT}\":\n${out}")
endif()
if(DEFINED FORBID AND NOT FORBID STREQUAL "")
  string(REGEX MATCH "[^\n]*(${FORBID})[^\n]*" other "${out}")
  if(other)
    message(FATAL_ERROR "${TARGET} also reported an unexpected diagnostic:\n${other}\n\n${out}")
  endif()
endif()
string(STRIP "${diagnostic}" diagnostic)
message(STATUS "${TARGET} failed to compile, as it should:\n  ${diagnostic}")
