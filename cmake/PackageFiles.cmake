# Run at build time by the waypost_package_files target (cmake/Packaging.cmake):
# gzips, as Debian policy wants (gzip -9n: no name, no time stamp), what the
# package installs compressed:
#   BINARY_DIR/man/*.1          -> PACKAGE_DIR/man1/*.1.gz (from waypost_docs)
#   README.md, SECURITY.md      -> PACKAGE_DIR/doc/*.md.gz
#   PACKAGE_DIR/changelog.Debian -> PACKAGE_DIR/doc/changelog.Debian.gz
# A man page that is gone from BINARY_DIR/man is dropped from man1/ too.
cmake_policy(VERSION 3.20)  # a script has no project: IN_LIST needs this
function(gzip_to src dst)
  if(EXISTS "${dst}" AND NOT "${src}" IS_NEWER_THAN "${dst}")
    return()
  endif()
  execute_process(COMMAND gzip -9n -c "${src}" OUTPUT_FILE "${dst}.tmp" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip -9n ${src} failed")
  endif()
  file(RENAME "${dst}.tmp" "${dst}")
endfunction()

file(MAKE_DIRECTORY "${PACKAGE_DIR}/man1" "${PACKAGE_DIR}/doc")

file(GLOB pages "${BINARY_DIR}/man/*.1")
set(wanted "")
foreach(page IN LISTS pages)
  get_filename_component(name "${page}" NAME)
  list(APPEND wanted "${PACKAGE_DIR}/man1/${name}.gz")
  gzip_to("${page}" "${PACKAGE_DIR}/man1/${name}.gz")
endforeach()
file(GLOB stale "${PACKAGE_DIR}/man1/*.gz")
foreach(old IN LISTS stale)
  if(NOT old IN_LIST wanted)
    file(REMOVE "${old}")
  endif()
endforeach()

gzip_to("${SOURCE_DIR}/README.md" "${PACKAGE_DIR}/doc/README.md.gz")
gzip_to("${SOURCE_DIR}/SECURITY.md" "${PACKAGE_DIR}/doc/SECURITY.md.gz")
gzip_to("${PACKAGE_DIR}/changelog.Debian" "${PACKAGE_DIR}/doc/changelog.Debian.gz")
