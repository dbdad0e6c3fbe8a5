# Packaging: what `make package` puts in the Debian package, and how CPack
# builds it. README.md, "Installing the package", says how it is installed,
# checked and signed. Included from the top-level CMakeLists.txt after
# add_subdirectory(cli), so that the waypost and waypost_docs targets exist.
#
# The package is written to ${CMAKE_BINARY_DIR}/dist/, with a SHA256SUMS
# file beside it, and nothing else: an older package there is removed.

set(WAYPOST_PACKAGE_DIR "${CMAKE_BINARY_DIR}/package" CACHE INTERNAL "")
set(WAYPOST_DIST_DIR "${CMAKE_BINARY_DIR}/dist" CACHE PATH "Where `make package` writes the .deb and SHA256SUMS")
set(WAYPOST_DEB_RELEASE "1" CACHE STRING "The Debian revision of the package (the 1 in 0.1.0-1)")
set(WAYPOST_DEB_DISTRIBUTION "bookworm" CACHE STRING "The distribution named in changelog.Debian")
set(WAYPOST_PACKAGE_MAINTAINER "Waypost maintainers <maintainers@waypost.invalid>"
    CACHE STRING "The Maintainer field of the package")

# --- What is installed --------------------------------------------------------

install(TARGETS waypost RUNTIME DESTINATION bin)
install(FILES "${CMAKE_SOURCE_DIR}/packaging/waypost-relay.service"
        DESTINATION lib/systemd/system)
# Man pages and the bash completion are made by cli/'s waypost_docs target;
# the man pages are gzipped into package/man1 (cmake/PackageFiles.cmake).
# Both rules tolerate a build without them.
install(DIRECTORY "${WAYPOST_PACKAGE_DIR}/man1/" DESTINATION share/man/man1
        OPTIONAL FILES_MATCHING PATTERN "*.1.gz")
install(FILES "${CMAKE_BINARY_DIR}/completion/waypost"
        DESTINATION share/bash-completion/completions OPTIONAL)
install(FILES
          "${WAYPOST_PACKAGE_DIR}/doc/README.md.gz"
          "${WAYPOST_PACKAGE_DIR}/doc/SECURITY.md.gz"
          "${WAYPOST_PACKAGE_DIR}/doc/changelog.Debian.gz"
          "${CMAKE_SOURCE_DIR}/packaging/copyright"
        DESTINATION share/doc/waypost)

# --- Files made at build time -------------------------------------------------

# The date in changelog.Debian is the last commit's, not the build's;
# SOURCE_DATE_EPOCH wins when it is set.
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(_waypost_epoch "$ENV{SOURCE_DATE_EPOCH}")
else()
  execute_process(COMMAND git -C "${CMAKE_SOURCE_DIR}" log -1 --format=%ct
                  OUTPUT_VARIABLE _waypost_epoch OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _waypost_git ERROR_QUIET)
  if(NOT _waypost_git EQUAL 0 OR _waypost_epoch STREQUAL "")
    string(TIMESTAMP _waypost_epoch "%s" UTC)
  endif()
endif()
execute_process(COMMAND date -u -R -d "@${_waypost_epoch}"
                OUTPUT_VARIABLE WAYPOST_DEB_DATE OUTPUT_STRIP_TRAILING_WHITESPACE)
set(WAYPOST_DEB_VERSION "${PROJECT_VERSION}-${WAYPOST_DEB_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WAYPOST_PACKAGE_MAINTAINER}")
configure_file("${CMAKE_SOURCE_DIR}/packaging/changelog.Debian.in"
               "${WAYPOST_PACKAGE_DIR}/changelog.Debian" @ONLY)

# Part of `all`, so CPack's own `package` target, which builds `all` first,
# always finds them fresh. Cheap: a few gzip runs.
add_custom_target(waypost_package_files ALL
  COMMAND "${CMAKE_COMMAND}"
          -D "SOURCE_DIR=${CMAKE_SOURCE_DIR}"
          -D "BINARY_DIR=${CMAKE_BINARY_DIR}"
          -D "PACKAGE_DIR=${WAYPOST_PACKAGE_DIR}"
          -P "${CMAKE_SOURCE_DIR}/cmake/PackageFiles.cmake"
  COMMENT "Gzipping man pages and documentation for the package"
  VERBATIM)
if(TARGET waypost_docs)
  add_dependencies(waypost_package_files waypost_docs)
endif()

# --- CPack ---------------------------------------------------------------------

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "waypost")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "offline-first, end-to-end encrypted check-ins for field teams")
# CPack puts the summary above this, as the synopsis.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Waypost lets a helper in the field send short coded check-ins and messages
to a coordinator, who confirms safe arrivals. Messages travel as sealed
envelopes through relays, which store and forward ciphertext they cannot
read. Every node keeps its state in an encrypted SQLCipher store, unlocked
by a passphrase. Nothing has to be online at the same time.
.
The package holds the waypost command and a systemd unit,
waypost-relay.service, that runs a relay under its own dynamic user.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_OUTPUT_FILE_PREFIX "${WAYPOST_DIST_DIR}")
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE "${WAYPOST_DEB_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Runtime libraries only, found by dpkg-shlibdeps from the binary itself.
# From libsqlcipher1's symbols file it would derive a bound as low as 1.1.9;
# Waypost needs SQLCipher 4 (docs/storage.md), so cmake/PackageShlibs.cmake
# hands dpkg-shlibdeps a shlibs.local that says libsqlcipher1 (>= 4).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PRE_BUILD_SCRIPTS "${CMAKE_SOURCE_DIR}/cmake/PackageShlibs.cmake")
# Folders the package creates get 0755 whatever the umask of the build.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_POST_BUILD_SCRIPTS "${CMAKE_SOURCE_DIR}/cmake/PackageChecksums.cmake")

include(CPack)
