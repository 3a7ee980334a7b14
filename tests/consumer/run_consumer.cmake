# cmake -P script behind the CTest tests consumer_find_package,
# consumer_pkg_config, consumer_add_subdirectory and consumer_single_header.
# Inputs (-D): MODE, SYNACK_SOURCE_DIR,
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

if(MODE STREQUAL "pkg_config")
    if(NOT PREFIX)
        message(FATAL_ERROR "run_consumer.cmake: -DPREFIX=... is required for pkg_config")
    endif()
    file(REMOVE_RECURSE "${PREFIX}")
    run("${CMAKE_COMMAND}" --install "${SYNACK_BINARY_DIR}" --prefix "${PREFIX}" ${_config_args})
    if(NOT EXISTS "${PREFIX}/share/pkgconfig/synack.pc")
        message(FATAL_ERROR "install did not produce ${PREFIX}/share/pkgconfig/synack.pc")
    endif()
    # Only the scratch prefix: PKG_CONFIG_LIBDIR replaces the default path.
    set(_pc_env "${CMAKE_COMMAND}" -E env "PKG_CONFIG_LIBDIR=${PREFIX}/share/pkgconfig" --unset=PKG_CONFIG_PATH)
    find_program(_pkg_config NAMES pkg-config pkgconf REQUIRED)
    execute_process(COMMAND ${_pc_env} "${_pkg_config}" --cflags synack
                    OUTPUT_VARIABLE _cflags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
    file(REAL_PATH "${PREFIX}/include" _inc_real)
    string(REGEX REPLACE "^-I" "" _cflags_dir "${_cflags}")
    file(REAL_PATH "${_cflags_dir}" _cflags_real)
    if(NOT _rc EQUAL 0 OR NOT _cflags_real STREQUAL _inc_real)
        message(FATAL_ERROR "pkg-config --cflags synack gave '${_cflags}', expected -I${PREFIX}/include")
    endif()
    # A Make user's one line: c++ -std=c++20 $(pkg-config --cflags synack) main.cpp
    run("${CXX_COMPILER}" -std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror ${_cflags}
        "${CONSUMER_SOURCE_DIR}/main.cpp" -o "${WORK_DIR}-make${CMAKE_EXECUTABLE_SUFFIX}")
    run("${WORK_DIR}-make${CMAKE_EXECUTABLE_SUFFIX}")
    # And CMake's FindPkgConfig, as a project without the CMake package would.
    run(${_pc_env} ${_configure})
elseif(MODE STREQUAL "single_header")
    # Only the one file on the include path, copied away from the source tree.
    file(MAKE_DIRECTORY "${WORK_DIR}-include")
    file(COPY "${SYNACK_SOURCE_DIR}/single_include/synack_single.hpp" DESTINATION "${WORK_DIR}-include")
    run(${_configure} "-DSYNACK_SINGLE_HEADER_DIR=${WORK_DIR}-include")
elseif(MODE STREQUAL "find_package")
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
