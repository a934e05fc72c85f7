#!/bin/sh
# Builds ncurses (libncursesw.a, libtinfo.a and their headers) from Debian's
# own source package, once, into PREFIX, instrumented like the core: ASan and
# libFuzzer's coverage. terminfo_fuzz links it instead of the system's
# uninstrumented copy, so the fuzzer sees which paths of ncurses' terminfo
# reader and of tputs/tparm an entry takes, and ASan sees every read past a
# buffer there, not only the ones that happen to crash. Configured as
# Debian's libncursesw6 is (wide characters, libtinfo apart, the same
# terminfo directories). UBSan is left out: this is a third-party library,
# and the fuzzer looks there for memory errors. Called by tests/fuzz/CMakeLists.txt.
#   usage: tests/fuzz/build-ncurses.sh PREFIX C-COMPILER
set -eu
[ $# -eq 2 ] || { echo "usage: $0 PREFIX C-COMPILER" >&2; exit 2; }
prefix=$1 cc=$2
[ -f "$prefix/lib/libncursesw.a" ] && [ -f "$prefix/lib/libtinfo.a" ] && exit 0

work=$prefix-src
rm -rf "$work"
mkdir -p "$work"
cd "$work"
# The newest version whose source the archive still serves (as tools/build-parted).
for version in $(apt-cache showsrc ncurses | sed -n 's/^Version: //p' | sort -rV); do
    if apt-get source --only-source "ncurses=$version" >fetch.log 2>&1; then
        break
    fi
done
src=$(find . -maxdepth 1 -type d -name 'ncurses-*' | head -n 1)
[ -n "$src" ] || { cat fetch.log >&2; echo "build-ncurses: could not fetch ncurses' source (is a deb-src entry set? run tools/install-deps)" >&2; exit 1; }
cd "$src"

flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address -fsanitize=fuzzer-no-link"
./configure --prefix="$prefix" CC="$cc" CFLAGS="$flags" LDFLAGS="-fsanitize=address" \
    --without-shared --with-normal --without-debug --without-profile --without-cxx --without-cxx-binding \
    --without-ada --without-manpages --without-progs --without-tests --without-pkg-config \
    --disable-db-install --disable-home-terminfo --enable-widec --with-termlib=tinfo \
    --with-default-terminfo-dir=/usr/share/terminfo \
    --with-terminfo-dirs=/etc/terminfo:/lib/terminfo:/usr/share/terminfo >configure.log 2>&1 ||
    { tail -40 configure.log >&2; exit 1; }
{ make -C include -j"$(nproc)" && make -C ncurses -j"$(nproc)" libs &&
  make -C include install && make -C ncurses install.libs; } >make.log 2>&1 ||
    { tail -40 make.log >&2; exit 1; }
rm -rf "$work"
echo "build-ncurses: $(basename "$src") -> $prefix"
