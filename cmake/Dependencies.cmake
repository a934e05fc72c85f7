# Every library the binary links, found once here. With LIFEBOAT_STATIC the
# lookups find Debian's .a archives (CMakeLists.txt switches the suffix).
# libparted comes from tools/build-parted (Debian's own libparted.a needs
# libdevmapper, which has no static archive); libcurl from tools/build-curl
# (Debian's libcurl.a needs LDAP, GSSAPI and others without static archives);
# libfuse3 from tools/build-fuse (Debian ships it shared only).

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)

function(lifeboat_find_library var name)
  find_library(${var} NAMES ${name} REQUIRED)
endfunction()

lifeboat_find_library(LIB_ZSTD zstd)
lifeboat_find_library(LIB_BLKID blkid)
lifeboat_find_library(LIB_UUID uuid)
lifeboat_find_library(LIB_EXT2FS ext2fs)
lifeboat_find_library(LIB_COM_ERR com_err)
lifeboat_find_library(LIB_XXHASH xxhash)
lifeboat_find_library(LIB_NCURSESW ncursesw)
lifeboat_find_library(LIB_TINFO tinfo)
lifeboat_find_library(LIB_EXPAT expat)
lifeboat_find_library(LIB_SSH2 ssh2)
lifeboat_find_library(LIB_SSL ssl)
lifeboat_find_library(LIB_CRYPTO crypto)
lifeboat_find_library(LIB_GPG_ERROR gpg-error)
lifeboat_find_library(LIB_Z z)
lifeboat_find_library(LIB_CARES cares)
lifeboat_find_library(LIB_NFS nfs)

if(NOT EXISTS "${LIFEBOAT_PARTED_ROOT}/lib/libparted.a")
  message(FATAL_ERROR "No static libparted in ${LIFEBOAT_PARTED_ROOT}: run tools/build-parted first")
endif()
add_library(lifeboat_parted STATIC IMPORTED GLOBAL)
set_target_properties(lifeboat_parted PROPERTIES
  IMPORTED_LOCATION "${LIFEBOAT_PARTED_ROOT}/lib/libparted.a"
  INTERFACE_INCLUDE_DIRECTORIES "${LIFEBOAT_PARTED_ROOT}/include"
  INTERFACE_LINK_LIBRARIES "${LIB_UUID};${LIB_BLKID}")

set(LIFEBOAT_CURL_ROOT "${CMAKE_SOURCE_DIR}/build/deps/curl" CACHE PATH
    "Prefix of the static libcurl that tools/build-curl makes")
if(NOT EXISTS "${LIFEBOAT_CURL_ROOT}/lib/libcurl.a")
  message(FATAL_ERROR "No static libcurl in ${LIFEBOAT_CURL_ROOT}: run tools/build-curl first")
endif()
add_library(lifeboat_curl STATIC IMPORTED GLOBAL)
set_target_properties(lifeboat_curl PROPERTIES
  IMPORTED_LOCATION "${LIFEBOAT_CURL_ROOT}/lib/libcurl.a"
  INTERFACE_INCLUDE_DIRECTORIES "${LIFEBOAT_CURL_ROOT}/include"
  INTERFACE_COMPILE_DEFINITIONS "CURL_STATICLIB"
  INTERFACE_LINK_LIBRARIES "${LIB_CARES};${LIB_SSH2};${LIB_SSL};${LIB_CRYPTO};${LIB_GPG_ERROR};${LIB_Z};${CMAKE_DL_LIBS};Threads::Threads")

set(LIFEBOAT_FUSE_ROOT "${CMAKE_SOURCE_DIR}/build/deps/fuse" CACHE PATH
    "Prefix of the static libfuse3 that tools/build-fuse makes")
if(NOT EXISTS "${LIFEBOAT_FUSE_ROOT}/lib/libfuse3.a")
  message(FATAL_ERROR "No static libfuse3 in ${LIFEBOAT_FUSE_ROOT}: run tools/build-fuse first")
endif()
add_library(lifeboat_fuse STATIC IMPORTED GLOBAL)
set_target_properties(lifeboat_fuse PROPERTIES
  IMPORTED_LOCATION "${LIFEBOAT_FUSE_ROOT}/lib/libfuse3.a"
  INTERFACE_INCLUDE_DIRECTORIES "${LIFEBOAT_FUSE_ROOT}/include"
  INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS};Threads::Threads")
