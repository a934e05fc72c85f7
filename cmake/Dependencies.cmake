# Every library the binary links, found once here. With LIFEBOAT_STATIC the
# lookups find Debian's .a archives (CMakeLists.txt switches the suffix).
# libparted comes from tools/build-parted (Debian's own libparted.a needs
# libdevmapper, which has no static archive).

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

if(NOT EXISTS "${LIFEBOAT_PARTED_ROOT}/lib/libparted.a")
  message(FATAL_ERROR "No static libparted in ${LIFEBOAT_PARTED_ROOT}: run tools/build-parted first")
endif()
add_library(lifeboat_parted STATIC IMPORTED GLOBAL)
set_target_properties(lifeboat_parted PROPERTIES
  IMPORTED_LOCATION "${LIFEBOAT_PARTED_ROOT}/lib/libparted.a"
  INTERFACE_INCLUDE_DIRECTORIES "${LIFEBOAT_PARTED_ROOT}/include"
  INTERFACE_LINK_LIBRARIES "${LIB_UUID};${LIB_BLKID}")
