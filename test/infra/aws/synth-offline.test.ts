import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { offlineEnvironment as offlineEnvironmentFor } from '../offline-environment';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cdkCli = join(repositoryRoot, 'node_modules/aws-cdk/bin/cdk');

/** No docker, no AWS credentials, config or instance metadata, and no network. */
const offlineEnvironment = () =>
  offlineEnvironmentFor('cdk', {
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  });

/** The app command of cdk.json, with `npx tsx` swapped for `node --import tsx`: npx is not on the offline PATH. */
function appFromCdkJson(): string {
  const { app } = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')) as { app: string };
  expect(app).toBe('npx tsx stacks/aws/main.ts');
  return app.replace('npx tsx', 'node --import tsx');
}

function synthOffline(app: string) {
  const { workDir, env, deniedAttempts } = offlineEnvironment();
  const output = join(workDir, 'cdk.out');
  const result = spawnSync('node', [cdkCli, 'synth', '--app', app, '--output', output, '--quiet', '--no-notices'], {
    cwd: repositoryRoot,
    env,
    encoding: 'utf8',
    timeout: 400_000,
  });
  return { result, output, deniedAttempts };
}

function expectStacks(output: string, stacks: string[]) {
  for (const stack of stacks) {
    const template = JSON.parse(readFileSync(join(output, `${stack}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = new Set(Object.values(template.Resources).map((resource) => resource.Type));
    expect([...types]).toEqual(expect.arrayContaining(['AWS::EKS::Cluster', 'AWS::RDS::DBCluster', 'AWS::MSK::Cluster', 'AWS::Lambda::Function']));
    const assets = JSON.parse(readFileSync(join(output, `${stack}.assets.json`), 'utf8')) as { dockerImages: Record<string, unknown> };
    expect(Object.keys(assets.dockerImages)).toHaveLength(5);
  }
}

describe('cdk synth', () => {
  it('has no docker and no AWS credentials in the test environment', () => {
    const { env } = offlineEnvironment();
    expect(spawnSync('sh', ['-c', 'command -v docker'], { env }).status).not.toBe(0);
    expect(Object.keys(env).filter((name) => /^AWS_(ACCESS|SECRET|SESSION|PROFILE)/.test(name))).toEqual([]);
  });

  // The CLI, two stacks, two Lambda bundles and cdk-nag take one to two minutes on two busy cores, more when every
  // test runs at once.
  it("synthesizes both environments of the repository's app (cdk.json) without docker, credentials or network", { timeout: 420_000 }, () => {
    const { result, output, deniedAttempts } = synthOffline(appFromCdkJson());
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(deniedAttempts()).toBe('');
    expectStacks(output, ['Shop-dev', 'Shop-prod']);
  });
});
