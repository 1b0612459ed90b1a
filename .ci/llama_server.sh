#!/usr/bin/env bash
# Builds llama.cpp's llama-server for tests/realserver and prints the binary's path.
#
# The llama.cpp sources come from PyPI: the llama-cpp-python sdist vendors them (we build the C++
# server only, not the Python bindings). Only the llama-server target, CPU backend, no web UI, no
# download support, at -O1: the tests need a working server, not a fast one, and -O1 compiles in
# about a third less time than -O3. The result is cached outside the checkout, keyed by version
# and recipe, so later runs on the same machine take no time:
# ${XDG_CACHE_HOME:-~/.cache}/django-openai/llama-server-VERSION-RECIPE/.
#
#   DJANGO_OPENAI_LLAMA_SERVER=$(bash .ci/llama_server.sh) python -m pytest tests/realserver
set -euo pipefail

VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
# Names the build recipe below in the cache key: change it when the flags change.
RECIPE=cpu-o1
PYTHON=${PYTHON:-python3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/django-openai
PREFIX="$CACHE/llama-server-$VERSION-$RECIPE"
BINARY="$PREFIX/bin/llama-server"

log() { echo "llama_server.sh: $*" >&2; }

usable() { [ -x "$BINARY" ] && "$BINARY" --version >/dev/null 2>&1; }

if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
  log "installing cmake and g++"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ >/dev/null) >&2
fi

mkdir -p "$CACHE"
# One build at a time per version (a developer's run and CI's may meet on one machine).
exec 9>"$PREFIX.lock"
flock 9

if usable; then
  log "cached: $BINARY"
  echo "$BINARY"
  exit 0
fi

started=$(date +%s)
work=$(mktemp -d "$CACHE/build-$VERSION.XXXXXX")
trap 'rm -rf "$work"' EXIT

log "downloading the llama-cpp-python $VERSION sdist"
"$PYTHON" -m pip download --quiet --no-deps --no-binary :all: -d "$work" "llama-cpp-python==$VERSION" >&2
sdist=$(ls "$work"/llama_cpp_python-*.tar.gz)
mkdir "$work/src"
tar -xzf "$sdist" -C "$work/src" --strip-components=3 "llama_cpp_python-$VERSION/vendor/llama.cpp"

log "building llama-server (this takes several minutes the first time)"
cmake_log="$work/cmake.log"
if ! {
  cmake -S "$work/src" -B "$work/build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF \
    -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_BUILD_UI=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_OPENSSL=OFF &&
    cmake --build "$work/build" --target llama-server -j "$(nproc)"
} >"$cmake_log" 2>&1; then
  tail -n 60 "$cmake_log" >&2
  log "build failed"
  exit 1
fi

# Into place in one step: an interrupted build never leaves a half-written cache entry.
mkdir -p "$work/prefix/bin"
cp "$work/build/bin/llama-server" "$work/prefix/bin/"
cp "$work/src/LICENSE" "$work/prefix/LICENSE.llama.cpp"
rm -rf "$PREFIX"
mv "$work/prefix" "$PREFIX"
usable || { log "the built binary does not run"; exit 1; }
log "built in $(($(date +%s) - started))s: $BINARY"
echo "$BINARY"
