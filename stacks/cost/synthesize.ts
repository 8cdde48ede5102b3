import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { ENVIRONMENTS, type EnvironmentName } from '../aws/config';
import { createShopApp } from '../aws/shop-app';
import type { ShopSources } from '../aws/shop-stack';
import { addAnalyticsStacks } from '../gcp/analytics-app';
import { environments as gcpEnvironments } from '../gcp/config';
import { cloudFormationResources, renderedManifestResources, terraformResources, type SynthesizedResource } from './synthesized-resources';

export interface CostSynthOptions {
  /** @default the repository's own sources */
  readonly sources?: ShopSources;
  /**
   * The job jar the GCP stacks upload. Its bytes change no price, so by default a placeholder file stands in and
   * the report needs no Maven build.
   */
  readonly jobJarPath?: string;
  /** The repository root, whose `deploy/<env>/` holds what Argo CD syncs in gitops mode. */
  readonly repositoryRoot: string;
}

/**
 * Synthesizes both clouds' stacks for the given environments, offline (the same apps `cdk synth` and `cdktf synth`
 * run), and returns each environment's resources. The rendered `deploy/<env>/` objects are included only when the
 * AWS template points Argo CD at that path, so a direct-mode environment is not counted twice.
 */
export function synthesizeForCost(names: readonly EnvironmentName[], options: CostSynthOptions): Record<EnvironmentName, SynthesizedResource[]> {
  const workDir = mkdtempSync(join(tmpdir(), 'shop-cost-'));
  const context = names.length === 1 ? { env: names[0] } : {};
  const aws = createShopApp({ outdir: join(workDir, 'cdk.out'), sources: options.sources, context });
  const assembly = aws.app.synth();

  const jobJarPath = options.jobJarPath ?? join(workDir, 'placeholder-job.jar');
  if (!options.jobJarPath) writeFileSync(jobJarPath, 'placeholder: the cost report does not read the job');
  const gcpOut = join(workDir, 'cdktf.out');
  const gcp = new App({ outdir: gcpOut });
  addAnalyticsStacks(gcp, jobJarPath);
  gcp.synth();

  const result = {} as Record<EnvironmentName, SynthesizedResource[]>;
  for (const name of names) {
    const template = assembly.getStackByName(`Shop-${name}`).template as Parameters<typeof cloudFormationResources>[0];
    const deployPath = `deploy/${name}`;
    const rendered = JSON.stringify(template).includes(deployPath) ? renderedManifestResources(join(options.repositoryRoot, deployPath)) : [];
    const gcpStack = gcpEnvironments.find((config) => config.environment === name);
    const terraform = gcpStack ? JSON.parse(readFileSync(join(gcpOut, 'stacks', `analytics-${name}`, 'cdk.tf.json'), 'utf8')) : {};
    result[name] = [...cloudFormationResources(template), ...rendered, ...terraformResources(terraform)];
  }
  return result;
}

/** The regions each environment deploys to, checked against the price table's by the caller. */
export function regionsOf(name: EnvironmentName): { aws: string; gcp: string | undefined } {
  return { aws: ENVIRONMENTS[name].region, gcp: gcpEnvironments.find((config) => config.environment === name)?.gcp.region };
}
