#!/usr/bin/env bash
# Private Docker and Podman engines for layerview's real-engine tests (test/engines/).
#
#   .ci/engines.sh start    start dockerd + the podman API service, build the test images, write $D/env
#   .ci/engines.sh stop     stop exactly the processes started here (by pidfile), unmount, remove $D
#   .ci/engines.sh status   say what is running
#   .ci/engines.sh debian-rootfs   only make the Debian rootfs tarball (debootstrap, once)
#
# Installs nothing: needs docker.io, podman, runc, skopeo and busybox-static, plus docker-registry for
# the --pull tests (without it they skip). See /work/shared/notes/real-engines.md.
# State lives in $LAYERVIEW_ENGINES_DIR (default /tmp/layerview-engines).
# `start` is safe to repeat: running engines are reused and image builds hit the layer cache.
set -euo pipefail

D=${LAYERVIEW_ENGINES_DIR:-/tmp/layerview-engines}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=layerview-test:latest
BASE=localhost/busybox:base
CONTEXT=$ROOT/test/engines/image
REGISTRY_PORT=${LAYERVIEW_REGISTRY_PORT:-5055}
REGISTRY=127.0.0.1:$REGISTRY_PORT
PULL_REPO=$REGISTRY/layerview/pull-test:1

log() { printf '[engines] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
# alive PIDFILE: that PID runs and is one of ours (its command line names $D), not a recycled PID.
alive() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$D/"
}

# The docker CLI speaks to both: podman serves the Docker-compatible API on its socket.
docker_() { DOCKER_HOST=unix://$D/docker.sock DOCKER_CONFIG=$D/docker-cli docker "$@"; }
ping_() { DOCKER_HOST=unix://$1 DOCKER_CONFIG=$D/docker-cli docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
podman_() {
  CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf \
    CONTAINERS_REGISTRIES_CONF=$D/registries.conf podman "$@"
}

# wait_for PIDFILE SOCKET LOG NAME: until the API answers, the process dies, or 30 s pass.
wait_for() {
  local i
  for ((i = 0; i < 300; i++)); do
    ping_ "$2" && return 0
    alive "$1" || { tail -n 20 "$3" >&2; return 1; }
    sleep 0.1
  done
  tail -n 20 "$3" >&2
  return 1
}

start_docker() {
  if alive "$D/dockerd.pid" && ping_ "$D/docker.sock"; then
    log "dockerd already running (pid $(cat "$D/dockerd.pid"))"
    return
  fi
  command -v dockerd >/dev/null || die "dockerd not found: apt-get install -y docker.io"
  mkdir -p "$D/docker/data" "$D/docker/exec" "$D/docker-cli"
  echo '{}' >"$D/docker/daemon.json"
  local driver t=$(now)
  for driver in overlay2 vfs; do
    rm -f "$D/docker.sock" "$D/dockerd.pid" "$D/docker/dockerd.pid"
    # No bridge and no iptables: builds run with --network none, and the host's network stays untouched.
    nohup dockerd --config-file "$D/docker/daemon.json" --data-root "$D/docker/data" \
      --exec-root "$D/docker/exec" --pidfile "$D/docker/dockerd.pid" -H "unix://$D/docker.sock" \
      --storage-driver "$driver" --bridge none --iptables=false --ip-masq=false \
      </dev/null >"$D/dockerd.log" 2>&1 &
    echo $! >"$D/dockerd.pid" # nohup execs dockerd: the same PID dockerd writes to its own pidfile
    if wait_for "$D/dockerd.pid" "$D/docker.sock" "$D/dockerd.log"; then
      log "dockerd up ($driver, pid $(cat "$D/dockerd.pid")) in $(since "$t")"
      return
    fi
    stop_pid "$D/dockerd.pid" dockerd
    log "dockerd did not start with $driver"
  done
  die "dockerd would not start; see $D/dockerd.log"
}

write_podman_conf() {
  mkdir -p "$D/podman/tmp" "$D/podman/run" "$D/podman/storage"
  cat >"$D/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/podman/events.log"
tmp_dir = "$D/podman/tmp"
EOF
  # The local test registry speaks plain HTTP (dockerd trusts 127.0.0.0/8 as insecure by default).
  cat >"$D/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "$REGISTRY"
insecure = true
EOF
  cat >"$D/storage.conf" <<EOF
[storage]
driver = "$1"
runroot = "$D/podman/run"
graphroot = "$D/podman/storage"
EOF
}

start_podman() {
  if alive "$D/podman.pid" && ping_ "$D/podman.sock"; then
    log "podman service already running (pid $(cat "$D/podman.pid"))"
    return
  fi
  command -v podman >/dev/null || die "podman not found: apt-get install -y podman runc"
  local t=$(now)
  [[ -f $D/storage.conf ]] || write_podman_conf overlay
  if ! podman_ info >/dev/null 2>"$D/podman-info.log"; then
    log "podman overlay storage failed ($(tail -n 1 "$D/podman-info.log")); using vfs"
    rm -rf "$D/podman"
    write_podman_conf vfs
    podman_ info >/dev/null || die "podman info fails even with vfs storage"
  fi
  rm -f "$D/podman.sock"
  CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf \
    CONTAINERS_REGISTRIES_CONF=$D/registries.conf \
    nohup podman system service --time=0 "unix://$D/podman.sock" </dev/null >"$D/podman.log" 2>&1 &
  echo $! >"$D/podman.pid"
  wait_for "$D/podman.pid" "$D/podman.sock" "$D/podman.log" || die "podman service did not answer; see $D/podman.log"
  log "podman service up (pid $(cat "$D/podman.pid")) in $(since "$t")"
}

# A tiny base image made from busybox-static: there is no registry to pull one from.
make_base_rootfs() {
  [[ -s $D/busybox-rootfs.tar ]] && return
  local bb r=$D/rootfs
  bb=$(command -v busybox) || die "busybox not found: apt-get install -y busybox-static"
  rm -rf "$r"
  mkdir -p "$r"/{bin,etc,root,tmp,proc,sys,dev,var,usr/bin}
  chmod 1777 "$r/tmp"
  cp "$bb" "$r/bin/busybox"
  local applet
  for applet in $("$bb" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$r/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\n' >"$r/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$D/busybox-rootfs.tar" .
  rm -rf "$r"
}

# The first Debian mirror apt's sources name (deb822 `URIs:` or one-line `deb URL SUITE`), security ones aside.
debian_mirror() {
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { print $2 } /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }' |
    grep -v security | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

# A Debian bookworm rootfs for the package tests (test/engines/packages.test.ts), made once per $D
# (~35 s): debootstrap minbase from apt's own mirror. Without debootstrap those tests skip.
make_debian_rootfs() {
  [[ -s $D/debian-rootfs.tar ]] && return
  command -v debootstrap >/dev/null || { log "debootstrap not found: the Debian package tests will skip"; return; }
  local r=$D/debian-rootfs t=$(now) mirror
  mirror=$(debian_mirror)
  rm -rf "$r"
  debootstrap --variant=minbase bookworm "$r" "$mirror" >"$D/debootstrap.log" 2>&1 ||
    { tail -n 20 "$D/debootstrap.log" >&2; rm -rf "$r"; die "debootstrap from $mirror failed"; }
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*_Packages
  tar --numeric-owner -C "$r" -cf "$D/debian-rootfs.tar.tmp" . && mv "$D/debian-rootfs.tar.tmp" "$D/debian-rootfs.tar"
  rm -rf "$r"
  log "Debian rootfs from $mirror in $(since "$t")"
}

build_images() {
  local t
  make_base_rootfs
  t=$(now)
  docker_ image inspect "$BASE" >/dev/null 2>&1 ||
    docker_ import --change 'CMD ["sh"]' "$D/busybox-rootfs.tar" "$BASE" >"$D/build.log" 2>&1 ||
    { cat "$D/build.log" >&2; die "docker import failed"; }
  DOCKER_BUILDKIT=0 docker_ build --network none -t "$IMAGE" "$CONTEXT" >"$D/build.log" 2>&1 ||
    { cat "$D/build.log" >&2; die "docker build failed"; }
  log "docker images ready in $(since "$t")"
  t=$(now)
  podman_ image exists "$BASE" ||
    podman_ import --change 'CMD ["sh"]' "$D/busybox-rootfs.tar" "$BASE" >"$D/build.log" 2>&1 ||
    { cat "$D/build.log" >&2; die "podman import failed"; }
  podman_ build --network none -t "localhost/$IMAGE" "$CONTEXT" >"$D/build.log" 2>&1 ||
    { cat "$D/build.log" >&2; die "podman build failed"; }
  log "podman images ready in $(since "$t")"
}

registry_up() {
  node -e 'require("http").get(process.argv[1], (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' \
    "http://$REGISTRY/v2/" 2>/dev/null
}

# A local registry holding the test image under another name, so --pull is tested for real.
start_registry() {
  if ! command -v docker-registry >/dev/null; then
    log "docker-registry not installed: the --pull tests will skip (apt-get install -y docker-registry)"
    return
  fi
  local t=$(now) i
  if ! { alive "$D/registry.pid" && registry_up; }; then
    mkdir -p "$D/registry/data"
    cat >"$D/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $D/registry/data
http:
  addr: $REGISTRY
  secret: layerview-test
EOF
    nohup docker-registry serve "$D/registry/config.yml" </dev/null >"$D/registry.log" 2>&1 &
    echo $! >"$D/registry.pid"
    for ((i = 0; i < 100; i++)); do
      registry_up && break
      alive "$D/registry.pid" || break
      sleep 0.1
    done
    if ! registry_up; then
      tail -n 20 "$D/registry.log" >&2
      die "registry on $REGISTRY did not start (port taken? set LAYERVIEW_REGISTRY_PORT)"
    fi
  fi
  docker_ save -o "$D/push.tar" "$IMAGE"
  skopeo copy -q --dest-tls-verify=false "docker-archive:$D/push.tar" "docker://$PULL_REPO" >/dev/null ||
    die "skopeo could not push to $REGISTRY"
  rm -f "$D/push.tar"
  log "registry on $REGISTRY (pid $(cat "$D/registry.pid")) holds $PULL_REPO ($(since "$t"))"
}

write_env() {
  cat >"$D/env.tmp" <<EOF
LAYERVIEW_ENGINES_DIR=$D
LAYERVIEW_DOCKER_HOST=unix://$D/docker.sock
LAYERVIEW_PODMAN_HOST=unix://$D/podman.sock
LAYERVIEW_TEST_IMAGE=$IMAGE
CONTAINERS_CONF=$D/containers.conf
CONTAINERS_STORAGE_CONF=$D/storage.conf
CONTAINERS_REGISTRIES_CONF=$D/registries.conf
EOF
  if alive "$D/registry.pid"; then echo "LAYERVIEW_PULL_IMAGE=$PULL_REPO" >>"$D/env.tmp"; fi
  mv "$D/env.tmp" "$D/env"
  log "wrote $D/env (tests read it: LAYERVIEW_ENGINES_DIR or LAYERVIEW_ENGINES_ENV if not the default)"
}

# stop_pid PIDFILE NAME: SIGTERM that one PID, wait for it, SIGKILL after 20 s.
stop_pid() {
  local f=$1 pid i
  [[ -s $f ]] || return 0
  pid=$(cat "$f")
  if alive "$f"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$2 (pid $pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $2 (pid $pid)"
  fi
  rm -f "$f"
}

cmd_start() {
  local t=$(now)
  mkdir -p "$D"
  start_docker
  start_podman
  build_images
  make_debian_rootfs
  start_registry
  write_env
  log "engines ready in $(since "$t")"
}

cmd_stop() {
  [[ -d $D ]] || { log "nothing to stop ($D does not exist)"; return; }
  stop_pid "$D/registry.pid" registry
  stop_pid "$D/podman.pid" "podman service"
  stop_pid "$D/dockerd.pid" dockerd
  # Storage drivers can leave overlay/shm mounts under $D; never rm -rf through a live mount.
  local m
  awk -v d="$D/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
  if awk -v d="$D/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    die "mounts remain under $D; not removing it"
  fi
  rm -rf "$D"
  log "removed $D"
}

cmd_status() {
  local name
  for name in dockerd podman registry; do
    if alive "$D/$name.pid"; then log "$name running (pid $(cat "$D/$name.pid"))"; else log "$name not running"; fi
  done
  [[ -f $D/env ]] && cat "$D/env"
  return 0
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  debian-rootfs) mkdir -p "$D"; make_debian_rootfs ;;
  *) echo "usage: $0 start|stop|status|debian-rootfs" >&2; exit 2 ;;
esac
