#!/usr/bin/env bash
# Synthesizes every stack of the CDK app (no AWS credentials needed) and runs cdk-nag over the templates: once as cdk.json
# configures it, once with every optional setting (tools/nag/every-option.json: prefix, topics, e-mail, KMS keys, target accounts
# with the spoke stack and its StackSet, ...).
# AMIREPL_LAMBDA_PACKAGES=<dir> skips publishing the functions (see infra/README.md); NAG_CDK_OUT picks the output folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
# No credentials and no instance metadata: the templates stay account-agnostic and nothing waits on a lookup.
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true
out="${NAG_CDK_OUT:-$root/cdk.out}"

npx --no-install cdk synth --quiet --no-notices --no-version-reporting -o "$out"
node tools/nag/check.js "$out"

# The same again with every optional setting: each -c replaces the cdk.json value of its key.
options=()
while IFS= read -r option; do options+=(-c "$option"); done < <(node -e '
  const o = require(process.argv[1]);
  for (const [k, v] of Object.entries(o)) console.log(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);' "$root/tools/nag/every-option.json")
npx --no-install cdk synth --quiet --no-notices --no-version-reporting -o "$out-every-option" "${options[@]}"
node tools/nag/check.js "$out-every-option"
