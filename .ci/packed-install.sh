#!/usr/bin/env bash
# What users install is what is tested: `npm pack`, the tarball installed into an empty prefix with
# no dev dependencies, no install scripts and no compiler on PATH, then run from there on each Node
# given (layerview --version, the bundled example, a zstd image, the CI gate).
# Usage: bash .ci/packed-install.sh [NODE_BINARY…]   (default: the node on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=("$@")
[ ${#nodes[@]} -gt 0 ] || nodes=("$(command -v node)")

work=$(mktemp -d /tmp/layerview-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" >/dev/null
tgz=$(ls "$work"/layerview-*.tgz)

# Only what runs: the bin shim, compiled JavaScript, the README and package.json.
extra=$(tar -tzf "$tgz" | grep -Ev '^package/(bin/[^/]+\.js|dist/.+\.js|README\.md|package\.json)$' || true)
if [ -n "$extra" ]; then
  echo "[pack] the tarball holds files that do not run:" >&2
  echo "$extra" >&2
  exit 1
fi
bytes=$(stat -c %s "$tgz")
echo "[pack] $(basename "$tgz"): $(tar -tzf "$tgz" | wc -l) files, $((bytes / 1024)) KiB"
[ "$bytes" -lt $((1024 * 1024)) ] || { echo "[pack] the tarball is over 1 MiB" >&2; exit 1; }

# A PATH with node and npm only: no cc, c++, make or python for a native build to find.
mkdir "$work/bin"
ln -s "$(command -v node)" "$work/bin/node"
ln -s "$(readlink -f "$(command -v npm)")" "$work/bin/npm"
start=$(date +%s%N)
PATH="$work/bin" npm install --prefix "$work/prefix" --omit=dev --ignore-scripts --no-audit --no-fund \
  --loglevel=error "$tgz" >/dev/null
echo "[pack] installed in $((($(date +%s%N) - start) / 1000000)) ms"
cli="$work/prefix/node_modules/layerview/bin/layerview.js"
zstd_image=../shared/fixtures/real/test-oci-zstd-image.tar

for node in "${nodes[@]}"; do
  v=$("$node" -v)
  run() { (cd "$work" && PATH="$work/bin" "$node" "$cli" "$@"); }
  [ "$(run --version)" = "layerview $(node -p 'require("./package.json").version')" ] ||
    { echo "[pack] $v: --version is wrong" >&2; exit 1; }
  run --json "$PWD/test/fixtures/example/layerview-demo.tar" | "$node" -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const r = JSON.parse(s);
      if (!(r.layers.length > 0)) throw new Error("no layers");
    });'
  # The entry worker from the installed package: it starts (a failing one would only be read around),
  # and the example, whose later layers it reads when asked to (it is too small for the default),
  # comes out as read in one thread.
  "$node" -e '
    const w = new (require("node:worker_threads").Worker)(process.argv[1]);
    w.on("error", (e) => { console.error(e); process.exit(1); });
    setTimeout(() => w.terminate(), 500);' \
    "$work/prefix/node_modules/layerview/dist/sources/workers/entry-worker.js" ||
    { echo "[pack] $v: the entry worker does not start from the installed package" >&2; exit 1; }
  [ "$(LAYERVIEW_THREADS=1 run --json "$PWD/test/fixtures/example/layerview-demo.tar" | sha256sum)" = \
    "$(LAYERVIEW_THREADS=0 run --json "$PWD/test/fixtures/example/layerview-demo.tar" | sha256sum)" ] ||
    { echo "[pack] $v: --json read with the entry worker differs from one thread" >&2; exit 1; }
  if [ -f "$zstd_image" ]; then
    run --json "$PWD/$zstd_image" | "$node" -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const r = JSON.parse(s);
        if (!r.layers.every((l) => l.compression === "zstd" && l.error === null)) throw new Error("zstd layers not read");
      });'
  elif [ -n "${LAYERVIEW_REQUIRE_REAL_FIXTURES:-}" ]; then
    echo "[pack] $zstd_image is missing" >&2
    exit 1
  fi
  # BLAKE3 for large files from the prebuilt binding the install fetched (not the SHA-256 fallback).
  "$node" --input-type=module -e "
    const { contentHashing } = await import('$work/prefix/node_modules/layerview/dist/sources/content-hash.js');
    if (contentHashing().scheme !== 1) throw new Error('the BLAKE3 binding did not load');" ||
    { echo "[pack] $v: @napi-rs/blake-hash did not load from the installed package" >&2; exit 1; }
  # The demo image fails the default CI rules on purpose: exit 4 with a FAIL line, nothing else.
  set +e
  out=$(run --ci "$PWD/test/fixtures/example/layerview-demo.tar" 2>&1)
  code=$?
  set -e
  [ "$code" -eq 4 ] && grep -q '^Result: FAIL' <<<"$out" ||
    { echo "[pack] $v: --ci exited $code: $out" >&2; exit 1; }
  echo "[pack] $v: --version, --json (example, worker threads, zstd), BLAKE3 and --ci work from the installed package"
done
