import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FEATURE_FLAGS } from './app-context';
import { ENVIRONMENTS, type EnvironmentName } from './config';
import { ShopStack, type ShopSources } from './shop-stack';

export interface ShopAppOptions extends AppProps {
  /** @default the repository's own sources */
  readonly sources?: ShopSources;
}

/**
 * The CDK app: one stack per environment, `Shop-dev` and `Shop-prod`. Both are synthesized by default, so that
 * cdk-nag and the reviewers always see both and a change cannot pass in one environment while breaking the other;
 * `cdk deploy Shop-dev` deploys one. `-c env=dev` narrows the app to one environment (a faster synth).
 */
export function createShopApp(options: ShopAppOptions = {}): { app: App; stacks: ShopStack[] } {
  const { sources, ...appProps } = options;
  const app = new App({ ...appProps, context: { ...FEATURE_FLAGS, ...appProps.context } });
  const stacks = selectedEnvironments(app.node.tryGetContext('env')).map(
    (name) =>
      new ShopStack(app, `Shop-${name}`, {
        config: ENVIRONMENTS[name],
        sources,
        env: { account: ENVIRONMENTS[name].account, region: ENVIRONMENTS[name].region },
        description: `Cloud shop, AWS half (${name})`,
        terminationProtection: name === 'prod',
      }),
  );
  // Every synth runs the AWS Solutions checks; an unacknowledged finding fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}

function selectedEnvironments(requested: unknown): EnvironmentName[] {
  const all = Object.keys(ENVIRONMENTS) as EnvironmentName[];
  if (requested === undefined) return all;
  const name = all.find((candidate) => candidate === requested);
  if (!name) throw new Error(`Unknown environment '${String(requested)}' in context 'env'; expected one of ${all.join(', ')}`);
  return [name];
}
