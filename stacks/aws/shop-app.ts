import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FEATURE_FLAGS } from './app-context';
import { ENVIRONMENTS } from './config';
import { ShopStack, type ShopSources } from './shop-stack';

export interface ShopAppOptions extends AppProps {
  /** @default the repository's own sources */
  readonly sources?: ShopSources;
}

/**
 * The CDK app: one stack per environment (`Shop-dev`, `Shop-prod`), both synthesized every time so that cdk-nag
 * and the reviewers see both, while `cdk deploy Shop-dev` deploys one.
 */
export function createShopApp(options: ShopAppOptions = {}): { app: App; stacks: ShopStack[] } {
  const { sources, ...appProps } = options;
  const app = new App({ ...appProps, context: { ...FEATURE_FLAGS, ...appProps.context } });
  const stacks = Object.values(ENVIRONMENTS).map(
    (config) =>
      new ShopStack(app, `Shop-${config.name}`, {
        config,
        sources,
        env: { account: config.account, region: config.region },
        description: `Cloud shop, AWS half (${config.name})`,
        terminationProtection: config.name === 'prod',
      }),
  );
  // Every synth runs the AWS Solutions checks; an unacknowledged finding fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}
