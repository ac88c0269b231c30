#!/usr/bin/env bash
# Installs what the local run and the tests need on a fresh machine: the pinned npm packages (CDK CLI,
# DynamoDB Local inside amplify-dynamodb-simulator), the Native AOT toolchain for linux-x64 and linux-arm64 and
# qemu-user-static (Debian packages, as root; skipped when installed), and checks Java, moto_server and the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is not on PATH ($2)" >&2; exit 1; }; }
need dotnet "install the .NET 10 SDK"
need java "install a Java 17 runtime for DynamoDB Local (apt-get install openjdk-17-jre-headless)"
need node "install Node.js 20 or later"
need npm "install npm"
need moto_server "install moto 5 with its server extra (pip install 'moto[server]')"

stamp=node_modules/.package-lock.json
if [ ! -f node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal.jar ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Native AOT: clang and lld link the functions; the aarch64 binutils and gcc (crt files, libgcc) and zlib for arm64
# cross-link Lambda's linux-arm64 binary; qemu-user-static runs that binary in the tests (with arm64 OpenSSL, which signs
# its AWS requests).
aot_packages=(clang lld binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu zlib1g-dev zlib1g-dev:arm64 libssl3:arm64 qemu-user-static)
missing=()
for package in "${aot_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q ' installed$' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "setup: installing ${missing[*]} needs root (or install them yourself)" >&2; exit 1; }
  echo "setup: apt-get install ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
