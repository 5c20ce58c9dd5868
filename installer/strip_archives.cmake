# CPack runs this after staging the packages' files: the static archives lose their debug information
# (install() strips programs and shared libraries, never archives, whose symbols a linker needs).
file(GLOB_RECURSE kiln_staged_archives "${CPACK_TEMPORARY_DIRECTORY}/*.a")
foreach(archive IN LISTS kiln_staged_archives)
    execute_process(COMMAND strip --strip-debug --remove-section=.comment --remove-section=.note "${archive}"
                    RESULT_VARIABLE kiln_strip_status)
    if(NOT kiln_strip_status EQUAL 0)
        message(FATAL_ERROR "strip --strip-debug failed on ${archive}")
    endif()
endforeach()
