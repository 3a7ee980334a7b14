# tools/synack-decode/check_decode.cmake — the CTest checks of
# synack-decode, as a cmake -P script (no shell, no Python).
#
# Inputs (-D): MODE, TOOL (the synack-decode binary), DATA_DIR (tests/data),
# WORK_DIR (scratch, in the build tree), CAPTURE (a capture's name without
# extension), TRUNCATE (the truncate helper; MODE=truncated only).
#
# MODE=tcpdump    the output for CAPTURE.pcap equals the TCP lines of
#                 CAPTURE.txt (tcpdump -nn -S -v) once the -v extras are gone:
#                 the timestamp, the "(tos ..., length N)" / "(flowlabel ...)"
#                 IP details, and "cksum 0x.... (correct), ".
# MODE=json       --json: one object per record, the first SYN's fields.
# MODE=hex        --hex: IP packets (plain, 0x-prefixed, ':'-separated, with a
#                 comment), IPv6, bare TCP (auto and --tcp), bad checksums,
#                 malformed options and lines that are not hex.
# MODE=truncated  CAPTURE.pcap cut at many points: exit 1 with a message on
#                 stderr (never a crash), the records before the cut printed.
# MODE=usage      usage and I/O errors exit 2; --help exits 0.
# MODE=pcapng     CAPTURE (a file name in DATA_DIR, any format) decodes to the
#                 lines of EXPECTED (a `tcpdump -nn -S -t -r` transcript in
#                 DATA_DIR), from the file and from stdin; so does each
#                 rewrite of it by REWRITE (the rewrite helper) in VARIANTS
#                 ("order:tsresol:blocks", e.g. be:9:epb). With TCPDUMP set,
#                 tcpdump itself reads the original (if TCPDUMP_READS) and
#                 every rewrite, and must print the same lines, and the
#                 --time stamps must equal tcpdump's (TZ=UTC).
cmake_minimum_required(VERSION 3.21)

foreach(_v MODE TOOL DATA_DIR WORK_DIR)
    if(NOT DEFINED ${_v} OR "${${_v}}" STREQUAL "")
        message(FATAL_ERROR "check_decode.cmake: -D${_v}=... is required")
    endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")

# run_tool(<prefix> [INPUT <file>] ARGS <args...>): runs TOOL and sets
# <prefix>_OUT, <prefix>_ERR and <prefix>_RC (a number, or the signal text
# when it crashed) in the caller.
function(run_tool prefix)
    cmake_parse_arguments(PARSE_ARGV 1 _r "" "INPUT" "ARGS")
    set(_input)
    if(_r_INPUT)
        set(_input INPUT_FILE "${_r_INPUT}")
    endif()
    execute_process(COMMAND "${TOOL}" ${_r_ARGS} ${_input}
                    OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
    set(${prefix}_OUT "${_out}" PARENT_SCOPE)
    set(${prefix}_ERR "${_err}" PARENT_SCOPE)
    set(${prefix}_RC "${_rc}" PARENT_SCOPE)
endfunction()

function(fail what)
    message(FATAL_ERROR "${what}")
endfunction()

function(expect_rc prefix expected context)
    if(NOT "${${prefix}_RC}" STREQUAL "${expected}")
        fail("${context}: exit status '${${prefix}_RC}', expected ${expected}\nstdout:\n${${prefix}_OUT}\nstderr:\n${${prefix}_ERR}")
    endif()
endfunction()

function(expect_contains text needle context)
    string(FIND "${text}" "${needle}" _at)
    if(_at EQUAL -1)
        fail("${context}: expected to find\n  ${needle}\nin:\n${text}")
    endif()
endfunction()

# Text -> list of lines (no line contains ';', which CMake lists would split).
function(to_lines text out_var)
    string(REGEX REPLACE "\n$" "" text "${text}")
    if(text STREQUAL "")
        set(${out_var} "" PARENT_SCOPE)
        return()
    endif()
    string(REPLACE ";" "\\;" text "${text}")
    string(REPLACE "\n" ";" text "${text}")
    set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# The lines tcpdump -nn -S -t (without -v) would print, from a -v transcript.
# IPv4: "TIME IP (tos ...)" + an indented continuation line with the TCP part;
# IPv6: one line, "TIME IP6 (flowlabel ...) a.p > b.p: ...".
function(transcript_lines path out_var)
    file(STRINGS "${path}" _raw)
    set(_lines)
    set(_pending "")
    foreach(_l IN LISTS _raw)
        string(REGEX REPLACE "cksum 0x[0-9a-f]+ \\([^)]*\\), " "" _l "${_l}")
        if(_l MATCHES "^[0-9]+:[0-9]+:[0-9]+\\.[0-9]+ (IP6?) \\(.*\\)(.*)$")
            set(_family "${CMAKE_MATCH_1}")
            string(STRIP "${CMAKE_MATCH_2}" _rest)
            if(_rest STREQUAL "")
                set(_pending "${_family}")
            else()
                list(APPEND _lines "${_family} ${_rest}")
                set(_pending "")
            endif()
        elseif(NOT _pending STREQUAL "" AND _l MATCHES "^[ \t]+(.*)$")
            list(APPEND _lines "${_pending} ${CMAKE_MATCH_1}")
            set(_pending "")
        endif()
    endforeach()
    set(${out_var} "${_lines}" PARENT_SCOPE)
endfunction()

function(compare_lines actual expected context)
    list(LENGTH actual _na)
    list(LENGTH expected _ne)
    set(_n ${_na})
    if(_ne LESS _n)
        set(_n ${_ne})
    endif()
    if(_n GREATER 0)
        math(EXPR _last "${_n} - 1")
        foreach(_i RANGE ${_last})
            list(GET actual ${_i} _a)
            list(GET expected ${_i} _e)
            if(NOT _a STREQUAL _e)
                math(EXPR _line "${_i} + 1")
                fail("${context}: line ${_line} differs\n  got:      ${_a}\n  expected: ${_e}")
            endif()
        endforeach()
    endif()
    if(NOT _na EQUAL _ne)
        fail("${context}: ${_na} lines, expected ${_ne}")
    endif()
endfunction()

# The bytes [offset, offset + length) of a file, as lowercase hex.
function(file_hex path offset length out_var)
    file(READ "${path}" _hex OFFSET ${offset} LIMIT ${length} HEX)
    string(TOLOWER "${_hex}" _hex)
    set(${out_var} "${_hex}" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------- tcpdump
if(MODE STREQUAL "tcpdump")
    set(_pcap "${DATA_DIR}/${CAPTURE}.pcap")
    transcript_lines("${DATA_DIR}/${CAPTURE}.txt" _expected)
    list(LENGTH _expected _n)
    if(_n EQUAL 0)
        fail("${CAPTURE}.txt: no TCP lines found")
    endif()
    run_tool(file ARGS "${_pcap}")
    expect_rc(file 0 "${CAPTURE}.pcap")
    if(NOT file_ERR STREQUAL "")
        fail("${CAPTURE}.pcap: unexpected messages:\n${file_ERR}")
    endif()
    to_lines("${file_OUT}" _actual)
    compare_lines("${_actual}" "${_expected}" "${CAPTURE}.pcap")

    # The same from stdin.
    run_tool(stdin INPUT "${_pcap}" ARGS -)
    expect_rc(stdin 0 "${CAPTURE}.pcap on stdin")
    if(NOT stdin_OUT STREQUAL file_OUT)
        fail("${CAPTURE}.pcap: stdin output differs from file output")
    endif()

    # --time adds tcpdump's timestamp (UTC; the transcripts were made in UTC).
    run_tool(timed ARGS --time "${_pcap}")
    expect_rc(timed 0 "${CAPTURE}.pcap --time")
    to_lines("${timed_OUT}" _timed)
    file(STRINGS "${DATA_DIR}/${CAPTURE}.txt" _raw REGEX "^[0-9]+:[0-9]+:[0-9]+\\.[0-9]+ ")
    list(GET _raw 0 _first_raw)
    list(GET _timed 0 _first_timed)
    string(REGEX MATCH "^[0-9:.]+ " _t_expected "${_first_raw}")
    string(REGEX MATCH "^[0-9:.]+ " _t_actual "${_first_timed}")
    if(NOT _t_actual STREQUAL _t_expected)
        fail("${CAPTURE}.pcap --time: '${_t_actual}', expected '${_t_expected}'")
    endif()
    message(STATUS "${CAPTURE}: ${_n} lines identical to tcpdump")
    return()
endif()

# ---------------------------------------------------------------- pcapng
if(MODE STREQUAL "pcapng")
    file(STRINGS "${DATA_DIR}/${EXPECTED}" _expected)
    list(LENGTH _expected _n)
    if(_n EQUAL 0)
        fail("${EXPECTED}: no lines")
    endif()
    # decode_matches(<file> <context> <tcpdump reads it>)
    function(decode_matches path context with_tcpdump)
        run_tool(f ARGS "${path}")
        expect_rc(f 0 "${context}")
        if(NOT f_ERR STREQUAL "")
            fail("${context}: unexpected messages:\n${f_ERR}")
        endif()
        to_lines("${f_OUT}" _actual)
        compare_lines("${_actual}" "${_expected}" "${context}")
        run_tool(s INPUT "${path}" ARGS -)
        expect_rc(s 0 "${context} on stdin")
        if(NOT s_OUT STREQUAL f_OUT)
            fail("${context}: stdin output differs from file output")
        endif()
        if(TCPDUMP AND with_tcpdump)
            execute_process(COMMAND "${TCPDUMP}" -nn -S -t -r "${path}"
                            OUTPUT_VARIABLE _t ERROR_VARIABLE _terr RESULT_VARIABLE _trc)
            if(NOT _trc EQUAL 0)
                fail("${context}: tcpdump failed (${_trc}): ${_terr}")
            endif()
            to_lines("${_t}" _tl)
            compare_lines("${_actual}" "${_tl}" "${context} vs tcpdump")
            # Timestamps: tcpdump's default format in UTC, and --time.
            execute_process(COMMAND "${CMAKE_COMMAND}" -E env TZ=UTC "${TCPDUMP}" -nn -S -r "${path}"
                            OUTPUT_VARIABLE _tt ERROR_QUIET)
            run_tool(t ARGS --time "${path}")
            expect_rc(t 0 "${context} --time")
            if(NOT t_OUT STREQUAL _tt)
                fail("${context}: --time output differs from tcpdump's:\n${t_OUT}\nvs\n${_tt}")
            endif()
        endif()
    endfunction()

    decode_matches("${DATA_DIR}/${CAPTURE}" "${CAPTURE}" ${TCPDUMP_READS})
    if(CAPTURE STREQUAL "mixed_link_types.pcapng")
        # --json names each packet's interface and link type.
        run_tool(j ARGS --json "${DATA_DIR}/${CAPTURE}")
        expect_rc(j 0 "--json ${CAPTURE}")
        expect_contains("${j_OUT}" "\"interface\":0,\"link_type\":1," "--json ${CAPTURE}")
        expect_contains("${j_OUT}" "\"interface\":1,\"link_type\":101," "--json ${CAPTURE}")
    endif()
    string(REPLACE "," ";" VARIANTS "${VARIANTS}")
    foreach(_v IN LISTS VARIANTS)
        string(REPLACE ":" ";" _parts "${_v}")
        list(GET _parts 0 _order)
        list(GET _parts 1 _resol)
        list(GET _parts 2 _blocks)
        set(_out "${WORK_DIR}/${CAPTURE}.${_order}-${_resol}-${_blocks}.pcapng")
        execute_process(COMMAND "${REWRITE}" "${DATA_DIR}/${CAPTURE}" "${_out}" ${_order} ${_resol} ${_blocks}
                        RESULT_VARIABLE _rc ERROR_VARIABLE _err)
        if(NOT _rc EQUAL 0)
            fail("rewrite ${_v} of ${CAPTURE} failed (${_rc}): ${_err}")
        endif()
        if(_order STREQUAL "be")
            file_hex("${_out}" 8 4 _bom)
            if(NOT _bom STREQUAL "1a2b3c4d")
                fail("rewrite ${_v}: byte-order magic ${_bom}, expected big-endian 1a2b3c4d")
            endif()
        endif()
        decode_matches("${_out}" "${CAPTURE} rewritten ${_v}" ${TCPDUMP_READS})
    endforeach()
    message(STATUS "${CAPTURE}: ${_n} lines identical to tcpdump, original and ${VARIANTS}")
    return()
endif()

# ---------------------------------------------------------------- corpus
# --emit-corpus DIR: one file per packet, the IP packet's bytes exactly.
if(MODE STREQUAL "corpus")
    set(_dir "${WORK_DIR}/corpus")
    file(REMOVE_RECURSE "${_dir}")
    file(MAKE_DIRECTORY "${_dir}")
    run_tool(c ARGS --emit-corpus "${_dir}" "${DATA_DIR}/${CAPTURE}.pcap")
    expect_rc(c 0 "--emit-corpus")
    file(GLOB _files "${_dir}/*")
    list(LENGTH _files _n)
    if(NOT _n EQUAL 10)
        fail("--emit-corpus wrote ${_n} files, expected 10")
    endif()
    # Packet 1 of a_ipv4_default: the 60-byte SYN after the 14-byte Ethernet
    # header of record 1 (file offset 24 + 16 + 14 = 54).
    file_hex("${_dir}/${CAPTURE}-00001" 0 1000 _got)
    file_hex("${DATA_DIR}/${CAPTURE}.pcap" 54 60 _want)
    if(NOT _got STREQUAL _want)
        fail("--emit-corpus packet 1:\n  ${_got}\nexpected\n  ${_want}")
    endif()
    run_tool(missing ARGS --emit-corpus "${WORK_DIR}/no/such/dir" "${DATA_DIR}/${CAPTURE}.pcap")
    expect_rc(missing 2 "--emit-corpus into a missing directory")
    return()
endif()

# ---------------------------------------------------------------- json
if(MODE STREQUAL "json")
    run_tool(j ARGS --json "${DATA_DIR}/${CAPTURE}.pcap")
    expect_rc(j 0 "--json ${CAPTURE}.pcap")
    to_lines("${j_OUT}" _objects)
    list(LENGTH _objects _n)
    if(NOT _n EQUAL 10)
        fail("--json: ${_n} lines, expected 10")
    endif()
    set(_i 0)
    foreach(_o IN LISTS _objects)
        math(EXPR _i "${_i} + 1")
        if(NOT _o MATCHES "^{\"packet\":${_i},.*\"ok\":true,\"malformations\":\\[\\]}$")
            fail("--json object ${_i} is not a clean packet object:\n${_o}")
        endif()
    endforeach()
    list(GET _objects 0 _syn)
    foreach(_needle
            "\"ip\":{\"family\":\"ipv4\",\"version\":4,\"src\":\"198.18.0.1\",\"dst\":\"198.18.0.2\""
            "\"ttl\":64" "\"id\":30260" "\"ecn\":0"
            "\"src_port\":40000" "\"dst_port\":5000" "\"seq\":2083760515" "\"data_offset\":10"
            "\"reserved\":0" "\"flags\":\"0x0002\"" "\"flag_names\":[\"SYN\"]" "\"window\":64240"
            "\"checksum\":\"0xe245\"" "\"checksum_computed\":\"0xe245\"" "\"checksum_ok\":true"
            "\"payload_length\":0"
            "{\"kind\":2,\"name\":\"mss\",\"offset\":20,\"length\":4,\"mss\":1460}"
            "{\"kind\":4,\"name\":\"sackOK\",\"offset\":24,\"length\":2}"
            "{\"kind\":8,\"name\":\"TS\",\"offset\":26,\"length\":10,\"val\":945279175,\"ecr\":0}"
            "{\"kind\":1,\"name\":\"nop\",\"offset\":36,\"length\":1}"
            "{\"kind\":3,\"name\":\"wscale\",\"offset\":37,\"length\":3,\"wscale\":10}")
        expect_contains("${_syn}" "${_needle}" "--json first SYN")
    endforeach()
    list(GET _objects 3 _data)
    expect_contains("${_data}" "\"flag_names\":[\"PSH\",\"ACK\"]" "--json data segment")
    expect_contains("${_data}" "\"payload_length\":24" "--json data segment")
    return()
endif()

# ---------------------------------------------------------------- hex
if(MODE STREQUAL "hex")
    set(_a "${DATA_DIR}/a_ipv4_default.pcap")
    set(_d "${DATA_DIR}/d_ipv6_default.pcap")
    transcript_lines("${DATA_DIR}/a_ipv4_default.txt" _ta)
    transcript_lines("${DATA_DIR}/d_ipv6_default.txt" _td)
    list(GET _ta 0 _syn_line)
    list(GET _ta 1 _synack_line)
    list(GET _td 0 _syn6_line)
    # a: record 1 data at 40, IP (60 bytes) at 54, TCP at 74; record 2 data
    # at 130, IP at 144. d: IPv6 packet (80 bytes) at 54.
    file_hex("${_a}" 54 60 _syn)
    file_hex("${_a}" 74 40 _syn_tcp)
    file_hex("${_a}" 144 60 _synack)
    file_hex("${_d}" 54 80 _syn6)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1 " _syn_0x "${_syn}")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\1:" _synack_colon "${_synack}")
    string(REGEX REPLACE ":$" "" _synack_colon "${_synack_colon}")
    string(REGEX REPLACE "^.*: (Flags .*)$" "TCP 40000 > 5000: \\1" _bare_line "${_syn_line}")

    set(_in "${WORK_DIR}/good.hex")
    file(WRITE "${_in}" "# synack-decode --hex test input\n${_syn}\n\n  ${_syn_0x}\n"
                        "${_synack_colon}   # the SYN-ACK\n${_syn6}\n${_syn_tcp}\n")
    run_tool(good ARGS --hex "${_in}")
    expect_rc(good 0 "--hex good input")
    to_lines("${good_OUT}" _actual)
    set(_expected "${_syn_line}" "${_syn_line}" "${_synack_line}" "${_syn6_line}" "${_bare_line}")
    compare_lines("${_actual}" "${_expected}" "--hex good input")
    run_tool(stdin INPUT "${_in}" ARGS --hex)
    if(NOT stdin_OUT STREQUAL good_OUT)
        fail("--hex: stdin output differs from file output")
    endif()

    # --tcp: every line is a bare segment (this one starts with 0x9c, so
    # it would be found bare anyway; the test is that --tcp is accepted).
    set(_in "${WORK_DIR}/bare.hex")
    file(WRITE "${_in}" "${_syn_tcp}\n")
    run_tool(bare ARGS --hex --tcp "${_in}")
    expect_rc(bare 0 "--hex --tcp")
    to_lines("${bare_OUT}" _actual)
    compare_lines("${_actual}" "${_bare_line}" "--hex --tcp")

    # Bad checksum (TCP checksum bytes zeroed: IP offset 36), an MSS option
    # with length 3 (IP offset 41), and lines that are not hex.
    string(SUBSTRING "${_syn}" 0 72 _head)
    string(SUBSTRING "${_syn}" 76 -1 _tail)
    set(_badsum "${_head}0000${_tail}")
    string(SUBSTRING "${_syn}" 0 82 _head)
    string(SUBSTRING "${_syn}" 84 -1 _tail)
    set(_badmss "${_head}03${_tail}")
    set(_in "${WORK_DIR}/bad.hex")
    file(WRITE "${_in}" "${_badsum}\n${_badmss}\n45zz\n450\n${_syn}\n")
    run_tool(bad ARGS --hex "${_in}")
    expect_rc(bad 1 "--hex bad input")
    expect_contains("${bad_ERR}" "line 1 (packet 1), byte 36: bad checksum [BadChecksum]: checksum 0x0000, should be 0xe245" "--hex bad checksum")
    expect_contains("${bad_ERR}" "line 2 (packet 2), byte 40: mss option length != 4 [OptionBadMssLength]" "--hex bad mss")
    expect_contains("${bad_ERR}" "line 3 (packet 3), column 3: not a hex digit" "--hex not hex")
    expect_contains("${bad_ERR}" "line 4 (packet 4), column 1: odd number of hex digits" "--hex odd digits")
    to_lines("${bad_OUT}" _actual)
    list(LENGTH _actual _n)
    if(NOT _n EQUAL 3) # the two damaged packets still print, then the good SYN
        fail("--hex bad input: ${_n} lines on stdout, expected 3:\n${bad_OUT}")
    endif()
    list(GET _actual 2 _last)
    compare_lines("${_last}" "${_syn_line}" "--hex good line after bad ones")

    run_tool(badj ARGS --hex --json "${_in}")
    expect_rc(badj 1 "--hex --json bad input")
    to_lines("${badj_OUT}" _objects)
    list(GET _objects 0 _o1)
    expect_contains("${_o1}" "\"checksum_ok\":false" "--json bad checksum")
    expect_contains("${_o1}" "{\"error\":\"bad checksum\",\"id\":\"BadChecksum\",\"layer\":\"tcp\",\"offset\":16,\"packet_offset\":36" "--json bad checksum")
    list(GET _objects 1 _o2)
    expect_contains("${_o2}" "{\"error\":\"mss option length != 4\",\"id\":\"OptionBadMssLength\",\"layer\":\"option\",\"kind\":2,\"offset\":20" "--json bad mss")
    list(GET _objects 2 _o3)
    expect_contains("${_o3}" "\"id\":\"BadHex\"" "--json not hex")
    list(GET _objects 4 _o5)
    expect_contains("${_o5}" "\"ok\":true" "--json good line after bad ones")
    return()
endif()

# ---------------------------------------------------------------- truncated
if(MODE STREQUAL "truncated")
    if(NOT TRUNCATE)
        fail("MODE=truncated needs -DTRUNCATE=<helper>")
    endif()
    set(_pcap "${DATA_DIR}/${CAPTURE}.pcap")
    file(SIZE "${_pcap}" _size)
    transcript_lines("${DATA_DIR}/${CAPTURE}.txt" _expected)
    math(EXPR _almost "${_size} - 1")
    # In the magic, in the global header, in a record header, in record data.
    foreach(_cut 0 2 10 23 30 39 50 113 115 120 500 ${_almost})
        set(_piece "${WORK_DIR}/${CAPTURE}-cut${_cut}.pcap")
        execute_process(COMMAND "${TRUNCATE}" "${_pcap}" "${_piece}" ${_cut} RESULT_VARIABLE _rc)
        if(NOT _rc EQUAL 0)
            fail("truncate helper failed (${_rc})")
        endif()
        run_tool(cut ARGS "${_piece}")
        expect_rc(cut 1 "${CAPTURE}.pcap cut at ${_cut} bytes")
        expect_contains("${cut_ERR}" "pcap: truncated [PcapTruncated]" "${CAPTURE}.pcap cut at ${_cut} bytes")
        # The records before the cut are printed as usual.
        to_lines("${cut_OUT}" _actual)
        list(LENGTH _actual _n)
        if(_n GREATER 0)
            math(EXPR _last "${_n} - 1")
            list(SUBLIST _expected 0 ${_n} _prefix)
            compare_lines("${_actual}" "${_prefix}" "${CAPTURE}.pcap cut at ${_cut} bytes")
        endif()
        run_tool(cutj INPUT "${_piece}" ARGS --json -)
        expect_rc(cutj 1 "${CAPTURE}.pcap cut at ${_cut} bytes, --json on stdin")
    endforeach()
    # Exactly the global header: an empty capture, not an error.
    execute_process(COMMAND "${TRUNCATE}" "${_pcap}" "${WORK_DIR}/header-only.pcap" 24)
    run_tool(empty ARGS "${WORK_DIR}/header-only.pcap")
    expect_rc(empty 0 "a pcap with no records")
    # Not a pcap at all.
    file(WRITE "${WORK_DIR}/not-a-pcap.pcap" "this is a text file, not a capture\n")
    run_tool(text ARGS "${WORK_DIR}/not-a-pcap.pcap")
    expect_rc(text 1 "a text file")
    expect_contains("${text_ERR}" "pcap: bad magic [PcapBadMagic] at file offset 0" "a text file")
    return()
endif()

# ---------------------------------------------------------------- usage
if(MODE STREQUAL "usage")
    run_tool(none ARGS)
    expect_rc(none 2 "no arguments")
    expect_contains("${none_ERR}" "usage:" "no arguments")
    run_tool(unknown ARGS --frobnicate x.pcap)
    expect_rc(unknown 2 "an unknown option")
    run_tool(two ARGS a.pcap b.pcap)
    expect_rc(two 2 "two inputs")
    run_tool(tcp ARGS --tcp x.pcap)
    expect_rc(tcp 2 "--tcp without --hex")
    run_tool(missing ARGS "${WORK_DIR}/does-not-exist.pcap")
    expect_rc(missing 2 "a missing file")
    expect_contains("${missing_ERR}" "cannot read" "a missing file")
    run_tool(help ARGS --help)
    expect_rc(help 0 "--help")
    expect_contains("${help_OUT}" "usage:" "--help")
    return()
endif()

fail("check_decode.cmake: unknown MODE '${MODE}'")
