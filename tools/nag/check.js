#!/usr/bin/env node
// Runs cdk-nag (AwsSolutions and Serverless packs) over the templates of a synthesized cloud assembly.
// Each template is loaded with CfnInclude into a fresh aws-cdk-lib app, so the checks see exactly what CloudFormation
// gets, including the suppressions the C# app wrote into each resource's cdk_nag.rules_to_suppress metadata.
// Usage: node tools/nag/check.js [cdk.out]   Exit code 1 when any finding is an unsuppressed error.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { App, Aspects, BootstraplessSynthesizer, Stack } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag');

const assembly = path.resolve(process.argv[2] || 'cdk.out');

// The stacks of an assembly and of the assemblies nested in it (a stage's, such as the spoke's), with their template files.
function stacksOf(directory) {
  const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'manifest.json'), 'utf8'));
  return Object.entries(manifest.artifacts || {}).flatMap(([name, artifact]) =>
    artifact.type === 'aws:cloudformation:stack' ? [[name, artifact, path.join(directory, artifact.properties.templateFile)]]
      : artifact.type === 'cdk:cloud-assembly' ? stacksOf(path.join(directory, artifact.properties.directoryName))
      : []);
}
const stacks = stacksOf(assembly);
if (stacks.length === 0) {
  console.error(`No stacks in ${assembly}: synthesize first (tools/nag/run.sh does).`);
  process.exit(1);
}

// The included templates already hold the bootstrap parameter and CDKMetadata: the wrapper stacks must add neither.
const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')), analyticsReporting: false });
for (const [name, artifact, templateFile] of stacks) {
  const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment) || [];
  const stack = new Stack(app, name, {
    synthesizer: new BootstraplessSynthesizer(),
    env: {
      account: account && account !== 'unknown-account' ? account : undefined,
      region: region && region !== 'unknown-region' ? region : undefined,
    },
  });
  new CfnInclude(stack, 'Template', { templateFile });
}

Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, reports: false }));
Aspects.of(app).add(new ServerlessChecks({ verbose: true, reports: false }));
app.synth();

const findings = { error: [], warning: [] };
for (const construct of app.node.findAll()) {
  for (const entry of construct.node.metadata) {
    const level = entry.type === 'aws:cdk:error' ? 'error' : entry.type === 'aws:cdk:warning' ? 'warning' : null;
    if (level) {
      findings[level].push(`${construct.node.path}: ${entry.data}`);
    }
  }
}

for (const warning of findings.warning) {
  console.log(`warning ${warning}`);
}
for (const error of findings.error) {
  console.log(`ERROR   ${error}`);
}
console.log(`cdk-nag: ${stacks.length} stacks, ${findings.error.length} unsuppressed errors, ${findings.warning.length} warnings`);
process.exit(findings.error.length > 0 ? 1 : 0);
