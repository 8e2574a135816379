#!/usr/bin/env bash
# Makes TorchSharp's native bridge load on systems whose libstdc++ predates GLIBCXX_3.4.32 (e.g. Debian 12, GCC 12).
# libLibTorchSharp.so needs that version for a single symbol, std::ios_base_library_init(). When the system libstdc++
# lacks it, this writes a patched copy into OUT_DIR: the version need is marked weak, the symbol is unversioned, and a
# tiny library defining the function becomes a DT_NEEDED dependency (found through the library's $ORIGIN run path).
# Otherwise it patches nothing. OUT_DIR/status says which: "patched" or "not-needed". Output is rebuilt from the pristine
# SOURCE every time, so running it again gives the same result.
# Usage: fix-libtorchsharp-glibcxx.sh SOURCE_LIBLIBTORCHSHARP_SO OUT_DIR
# PLATFORM_SYSTEM_LIBSTDCXX overrides which libstdc++ is checked (tests use it; normally found with ldconfig).
set -euo pipefail
source_lib="$1"
out_dir="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
required_version="GLIBCXX_3.4.32"
shim_name="libplatform_ios_base_init.so"

mkdir -p "$out_dir"
rm -f "$out_dir/status" "$out_dir/libLibTorchSharp.so" "$out_dir/$shim_name"

for tool in objdump patchelf gcc g++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fix-libtorchsharp-glibcxx: '$tool' is missing (install the Debian packages in scripts/debian-packages.txt)" >&2
    exit 1
  fi
done

system_libstdcxx="${PLATFORM_SYSTEM_LIBSTDCXX:-}"
[ -n "$system_libstdcxx" ] || system_libstdcxx="$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true) \
  | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')"
[ -n "$system_libstdcxx" ] || system_libstdcxx="$(g++ -print-file-name=libstdc++.so.6)"
if [ ! -f "$system_libstdcxx" ]; then
  echo "fix-libtorchsharp-glibcxx: cannot find the system libstdc++.so.6" >&2
  exit 1
fi

versioned_symbols="$(objdump -T "$source_lib" | awk -v v="($required_version)" '$0 ~ v { print $NF }')"
if [ -z "$versioned_symbols" ] || objdump -p "$system_libstdcxx" | grep -q "$required_version"; then
  echo "not-needed" > "$out_dir/status"
  exit 0
fi
if [ "$versioned_symbols" != "_ZSt21ios_base_library_initv" ]; then
  echo "fix-libtorchsharp-glibcxx: $source_lib needs $required_version for unexpected symbols: $versioned_symbols" >&2
  exit 1
fi

work="$out_dir/work"
mkdir -p "$work"
gcc -O2 -o "$work/elf_weaken_version_need" "$here/elf_weaken_version_need.c"
g++ -O2 -shared -fPIC -o "$work/$shim_name" "$here/ios_base_library_init.cpp"
cp "$source_lib" "$work/libLibTorchSharp.so"
chmod u+w "$work/libLibTorchSharp.so"
patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$work/libLibTorchSharp.so"
patchelf --add-needed "$shim_name" "$work/libLibTorchSharp.so"
"$work/elf_weaken_version_need" "$work/libLibTorchSharp.so" "$required_version"

mv "$work/libLibTorchSharp.so" "$work/$shim_name" "$out_dir/"
rm -rf "$work"
echo "patched" > "$out_dir/status"
