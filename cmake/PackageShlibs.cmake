# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) once the package's files are staged
# and before its control file is written. dpkg-shlibdeps runs in the staging
# folder and reads debian/shlibs.local there before any library's symbols
# file, so this one line sets the SQLCipher dependency to (>= 4); every other
# library keeps the bound its symbols file gives. CPack deletes debian/
# again after dpkg-shlibdeps, so nothing of it lands in the package.
file(MAKE_DIRECTORY "${CPACK_TEMPORARY_DIRECTORY}/debian")
file(WRITE "${CPACK_TEMPORARY_DIRECTORY}/debian/shlibs.local"
     "libsqlcipher 1 libsqlcipher1 (>= 4)\n")
