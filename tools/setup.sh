#!/usr/bin/env bash
# Installs what one purpose needs on a fresh machine, and checks the rest:
#   tools/setup.sh deploy   cdk synth/deploy: the .NET SDK, Node.js and npm, the pinned CDK CLI (npm ci). The functions are
#                           built with a local Native AOT toolchain when there is one, otherwise in a container
#                           (docker, finch or podman): as root on Debian this installs the toolchain (clang, lld and the
#                           arm64 cross binutils and gcc); elsewhere it says which path synth will take.
#   tools/setup.sh local    the local run (tools/local-run.sh): the .NET SDK, Java 17 and DynamoDB Local (npm), moto_server.
#                           No root, no cross toolchain.
#   tools/setup.sh test     all tests (tools/test.sh, the default): both of the above, plus the arm64 toolchain and
#                           qemu-user-static the packaged-function tests run (Debian packages, as root; skipped when installed).
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-test}"
case "$purpose" in deploy|local|test) ;; *) echo "setup: usage: tools/setup.sh [deploy|local|test] (got '$purpose')" >&2; exit 2;; esac

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is not on PATH ($2)" >&2; exit 1; }; }
need dotnet "install the .NET 10 SDK"
need node "install Node.js 20 or later"
need npm "install npm"
if [ "$purpose" != deploy ]; then
  need java "install a Java 17 runtime for DynamoDB Local (apt-get install openjdk-17-jre-headless)"
  need moto_server "install moto 5 with its server extra (pip install 'moto[server]')"
fi

stamp=node_modules/.package-lock.json
if [ ! -f node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal.jar ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

[ "$purpose" = local ] && exit 0

# Native AOT: clang and lld link the functions; the aarch64 binutils and gcc (crt files, libgcc) and zlib for arm64
# cross-link Lambda's linux-arm64 binary on an x86-64 host. For the tests, qemu-user-static runs that binary (with arm64
# OpenSSL, which signs its AWS requests).
aot_packages=(clang lld)
[ "$(uname -m)" = aarch64 ] || aot_packages+=(binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu zlib1g-dev:arm64)
aot_packages+=(zlib1g-dev)
[ "$purpose" = test ] && aot_packages+=(libssl3:arm64 qemu-user-static)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${aot_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q ' installed$' || missing+=("$package")
  done
else
  missing=("${aot_packages[@]}")
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

. /etc/os-release 2>/dev/null || true
if [ "$(id -u)" -eq 0 ] && [ "${ID:-}" = debian ]; then
  echo "setup: apt-get install ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif [ "$purpose" = deploy ]; then
  # Ubuntu serves arm64 packages from another archive (ports.ubuntu.com), macOS and Windows have no such packages: the
  # container is the way there, and cdk synth takes it by itself (infra/README.md, "Building the functions").
  echo "setup: no local Native AOT toolchain for linux-arm64 (missing ${missing[*]}); cdk synth will build the functions in an Amazon Linux 2023 container with docker, finch or podman"
  for runtime in "${CDK_DOCKER:-}" docker finch podman; do
    [ -n "$runtime" ] && command -v "$runtime" >/dev/null 2>&1 && exit 0
  done
  echo "setup: and no container runtime is on PATH: install Docker, Finch or Podman (or, on Debian, run this as root to install the toolchain)" >&2
  exit 1
else
  echo "setup: the tests need ${missing[*]} (Debian packages): run tools/setup.sh test as root on Debian, or install them yourself" >&2
  exit 1
fi
