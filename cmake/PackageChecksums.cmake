# Run by CPack (CPACK_POST_BUILD_SCRIPTS) once the package is written, just
# before CPack copies it from its staging folder (CPACK_PACKAGE_FILES) to
# CPACK_OUTPUT_FILE_PREFIX: writes SHA256SUMS there, naming each file without
# a folder, so that `sha256sum -c SHA256SUMS` works in it. Older packages
# there are removed first, so that the folder holds one release and `apt
# install ./waypost_*.deb` finds one file; so is an old signature, which
# the new SHA256SUMS would no longer match.
cmake_policy(VERSION 3.20)  # a script has no project: IN_LIST needs this
set(_dir "${CPACK_OUTPUT_FILE_PREFIX}")
if(_dir STREQUAL "")
  set(_dir "${CPACK_PACKAGE_DIRECTORY}")
endif()
file(MAKE_DIRECTORY "${_dir}")
set(_names "")
set(_sums "")
foreach(_f IN LISTS CPACK_PACKAGE_FILES)
  get_filename_component(_name "${_f}" NAME)
  list(APPEND _names "${_name}")
  file(SHA256 "${_f}" _hash)
  string(APPEND _sums "${_hash}  ${_name}\n")
endforeach()
file(GLOB _old RELATIVE "${_dir}" "${_dir}/*.deb")
foreach(_name IN LISTS _old)
  if(NOT _name IN_LIST _names)
    file(REMOVE "${_dir}/${_name}")
  endif()
endforeach()
file(REMOVE "${_dir}/SHA256SUMS.minisig")
file(WRITE "${_dir}/SHA256SUMS" "${_sums}")
message(STATUS "Checksums: ${_dir}/SHA256SUMS")
