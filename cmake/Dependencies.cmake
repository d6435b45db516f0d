# Every dependency comes from a Debian 12 package; see ../shared/DEPENDENCIES.md for the names.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json url)
find_package(CURL REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)

# SOCI: Debian ships neither a CMake config nor a .pc file.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIB soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIB soci_sqlite3 REQUIRED)
find_library(SOCI_MYSQL_LIB soci_mysql REQUIRED)
add_library(SOCI::core UNKNOWN IMPORTED)
set_target_properties(SOCI::core PROPERTIES IMPORTED_LOCATION ${SOCI_CORE_LIB}
  INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR} INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS}")
add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
set_target_properties(SOCI::sqlite3 PROPERTIES IMPORTED_LOCATION ${SOCI_SQLITE3_LIB}
  INTERFACE_LINK_LIBRARIES "SOCI::core;SQLite::SQLite3")
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
add_library(SOCI::mysql UNKNOWN IMPORTED)
set_target_properties(SOCI::mysql PROPERTIES IMPORTED_LOCATION ${SOCI_MYSQL_LIB}
  INTERFACE_LINK_LIBRARIES "SOCI::core;PkgConfig::MARIADB")

pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
# Not the prefix HIREDIS: it collides with Debian's broken HiredisConfig.cmake variables.
pkg_check_modules(PC_HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_package(yaml-cpp REQUIRED)
find_path(KAINJOW_MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
