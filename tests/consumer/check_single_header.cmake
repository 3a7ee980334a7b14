# cmake -P script behind the CTest test single_header_current: regenerates
# the amalgamation with scripts/amalgamate.sh into FRESH and compares it with
# the checked-in CHECKED_IN. Inputs (-D): SCRIPT, BASH, CHECKED_IN, FRESH.
cmake_minimum_required(VERSION 3.21)
foreach(_v SCRIPT BASH CHECKED_IN FRESH)
    if(NOT DEFINED ${_v} OR "${${_v}}" STREQUAL "")
        message(FATAL_ERROR "check_single_header.cmake: -D${_v}=... is required")
    endif()
endforeach()
file(REMOVE "${FRESH}")
execute_process(COMMAND "${BASH}" "${SCRIPT}" "${FRESH}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "amalgamate.sh failed (${_rc}):\n${_out}${_err}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${CHECKED_IN}" "${FRESH}" RESULT_VARIABLE _same)
if(NOT _same EQUAL 0)
    message(FATAL_ERROR "single_include/synack_single.hpp is out of date: run scripts/amalgamate.sh and commit it "
                        "(fresh copy: ${FRESH})")
endif()
message(STATUS "${CHECKED_IN} is current (${_out})")
