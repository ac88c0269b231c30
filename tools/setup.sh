#!/usr/bin/env bash
# Installs what the local run and the tests need on a fresh machine: the pinned npm packages (CDK CLI,
# DynamoDB Local inside amplify-dynamodb-simulator) and checks Java, moto_server and the .NET SDK.
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
