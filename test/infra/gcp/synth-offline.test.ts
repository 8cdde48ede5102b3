import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { offlineEnvironment as offlineEnvironmentFor } from '../offline-environment';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cdktfCli = join(repositoryRoot, 'node_modules/cdktf-cli/bundle/bin/cdktf');

/** No terraform on PATH and no network. CHECKPOINT_DISABLE turns off the CLI's version-check telemetry (docs/gcp.md). */
const offlineEnvironment = () => offlineEnvironmentFor('cdktf', { CHECKPOINT_DISABLE: '1' });

describe('cdktf synth', () => {
  it('has no terraform binary to use in the test environment', () => {
    const { env } = offlineEnvironment();
    expect(spawnSync('sh', ['-c', 'command -v terraform'], { env }).status).not.toBe(0);
  });

  it('would notice a network access (the guard works)', () => {
    const { env, deniedAttempts } = offlineEnvironment();
    spawnSync('node', ['-e', "require('node:dns').lookup('registry.terraform.io', () => {})"], { env });
    expect(deniedAttempts()).toContain('dns lookup registry.terraform.io');
  });

  // The CLI plus two stack syntheses take 10 to 40 seconds on two busy cores; leave room when all tests run at once.
  it('synthesizes both environments with the real CLI, without terraform and without network', { timeout: 240_000 }, () => {
    const { workDir, env, deniedAttempts } = offlineEnvironment();
    const output = join(workDir, 'cdktf.out');
    const result = spawnSync(
      'node',
      [cdktfCli, 'synth', '--app', 'node --import tsx test/infra/gcp/fixtures/offline-app.ts', '--output', output],
      { cwd: repositoryRoot, env, encoding: 'utf8', timeout: 230_000 },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(deniedAttempts()).toBe('');
    for (const environment of ['dev', 'prod']) {
      const stackDir = join(output, 'stacks', `analytics-${environment}`);
      const terraform = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
      expect(Object.keys(terraform.resource)).toEqual(expect.arrayContaining(['google_dataproc_cluster', 'google_compute_vpn_tunnel', 'aws_vpn_connection']));
      const jarObject = Object.values(terraform.resource.google_storage_bucket_object as Record<string, { source?: string }>).find((object) => object.source);
      expect(existsSync(join(stackDir, jarObject?.source ?? 'missing'))).toBe(true);
    }
  });
});
