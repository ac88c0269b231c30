#!/usr/bin/env bash
# Runs every test: installs what is missing, starts one DynamoDB Local and one moto for all test projects,
# runs `dotnet test` on the solution, the permission-contract coverage check and the cdk-nag check, stops the servers,
# and ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test || exit 1

logs=$(mktemp -d)
pids=()
stop_servers() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; }
trap stop_servers EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "test: $2 did not start on port $1; its log:" >&2; cat "$logs/$2.log" >&2; return 1
}

emulator=node_modules/amplify-dynamodb-simulator/emulator
dynamo_port=$(free_port)
java -Djava.library.path="$emulator/DynamoDBLocal_lib" -jar "$emulator/DynamoDBLocal.jar" \
  -inMemory -port "$dynamo_port" -disableTelemetry >"$logs/dynamodb.log" 2>&1 &
pids+=($!)
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >"$logs/moto.log" 2>&1 &
pids+=($!)
wait_port "$dynamo_port" dynamodb || exit 1
wait_port "$moto_port" moto || exit 1
export AMIREPL_DYNAMODB_URL="http://127.0.0.1:$dynamo_port"
export AMIREPL_MOTO_URL="http://127.0.0.1:$moto_port"
# The local harness writes every AWS permission the functions needed here (see tools/permissions/check-recorded.py).
export AMIREPL_RECORDED_PERMISSIONS="$logs/permissions"

passed=0
failed=0
dotnet build AmiReplicator.sln -nologo -clp:ErrorsOnly 2>&1 | tail -30
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  echo "test: the build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test AmiReplicator.sln --no-build -nologo 2>&1 | tee "$logs/test.log" | grep -vE '^\s*$'
test_status=${PIPESTATUS[0]}
while read -r line; do
  f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
done < <(grep -E '^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$logs/test.log")
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the runner failed without reporting a failed test (a crash, a build error)
fi

# Every entry of the permission contract was needed by some test's calls: counts as one test.
if [ "$test_status" -eq 0 ]; then
  if python3 tools/permissions/check-recorded.py "$AMIREPL_RECORDED_PERMISSIONS"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

# cdk-nag over the synthesized stacks counts as one test.
if bash tools/nag/run.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "test: cdk-nag check failed"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
