#!/usr/bin/env bash
# The main job, locally: sample AMIs replicated through the real handlers on the local cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh local
exec dotnet run --project local/AmiReplicator.LocalRun -- run "$@"
