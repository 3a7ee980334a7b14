# cmake -P script behind the CTest tests consumer_find_package and
# consumer_add_subdirectory. Inputs (-D): MODE, SYNACK_SOURCE_DIR,
# SYNACK_BINARY_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, PREFIX, CONFIG,
# GENERATOR, CXX_COMPILER.
cmake_minimum_required(VERSION 3.21)

foreach(_v MODE SYNACK_SOURCE_DIR SYNACK_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
    if(NOT DEFINED ${_v} OR "${${_v}}" STREQUAL "")
        message(FATAL_ERROR "run_consumer.cmake: -D${_v}=... is required")
    endif()
endforeach()

function(run)
    string(REPLACE ";" " " _pretty "${ARGN}")
    message(STATUS "+ ${_pretty}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "command failed (${_rc}): ${_pretty}")
    endif()
endfunction()

set(_config_args)
if(CONFIG)
    set(_config_args --config "${CONFIG}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
set(_configure
    "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}"
    -G "${GENERATOR}" --no-warn-unused-cli
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DSYNACK_CONSUMER_MODE=${MODE}"
    # Only the prefix below may satisfy find_package: no user/system registry.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(CONFIG)
    list(APPEND _configure "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()

if(MODE STREQUAL "find_package")
    if(NOT PREFIX)
        message(FATAL_ERROR "run_consumer.cmake: -DPREFIX=... is required for find_package")
    endif()
    file(REMOVE_RECURSE "${PREFIX}")
    run("${CMAKE_COMMAND}" --install "${SYNACK_BINARY_DIR}" --prefix "${PREFIX}" ${_config_args})
    foreach(_f include/synack/core/seq.hpp share/cmake/synack/synackConfig.cmake
               share/cmake/synack/synackConfigVersion.cmake share/cmake/synack/synackTargets.cmake)
        if(NOT EXISTS "${PREFIX}/${_f}")
            message(FATAL_ERROR "install did not produce ${PREFIX}/${_f}")
        endif()
    endforeach()
    run(${_configure} "-DCMAKE_PREFIX_PATH=${PREFIX}")
    # The package must come from the scratch prefix, not from anywhere else.
    file(STRINGS "${WORK_DIR}/CMakeCache.txt" _dir_line REGEX "^synack_DIR:")
    string(REGEX REPLACE "^synack_DIR:[A-Z]+=" "" _found_dir "${_dir_line}")
    file(REAL_PATH "${PREFIX}" _prefix_real)
    file(REAL_PATH "${_found_dir}" _found_real)
    string(FIND "${_found_real}" "${_prefix_real}/" _at)
    if(NOT _at EQUAL 0)
        message(FATAL_ERROR "find_package used ${_found_dir}, not the prefix ${PREFIX}")
    endif()
elseif(MODE STREQUAL "add_subdirectory")
    run(${_configure} "-DSYNACK_SOURCE_DIR=${SYNACK_SOURCE_DIR}")
else()
    message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

run("${CMAKE_COMMAND}" --build "${WORK_DIR}" ${_config_args})

# Single-config generators put the program in WORK_DIR, multi-config ones
# in WORK_DIR/<config>.
set(_exe "${WORK_DIR}/consumer${CMAKE_EXECUTABLE_SUFFIX}")
if(NOT EXISTS "${_exe}" AND CONFIG)
    set(_exe "${WORK_DIR}/${CONFIG}/consumer${CMAKE_EXECUTABLE_SUFFIX}")
endif()
run("${_exe}")
message(STATUS "consumer (${MODE}) built and ran OK")
