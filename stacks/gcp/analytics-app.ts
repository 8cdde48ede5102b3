import type { App } from 'cdktf';
import type { JobJarBuild } from '../../infra/gcp/index.js';
import { AnalyticsPlatformStack } from './analytics-platform-stack.js';
import { environments } from './config.js';

/** Adds one stack per environment (`analytics-dev`, `analytics-prod`) to the app. */
export function addAnalyticsStacks(app: App, jobJarPath: string, jobJarBuild?: JobJarBuild): void {
  for (const config of environments) {
    new AnalyticsPlatformStack(app, `analytics-${config.environment}`, { config, jobJarPath, jobJarBuild });
  }
}
