import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { addAnalyticsStacks } from './analytics-app.js';

const repository = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

// FlinkJob builds the jar when it is missing or older than the job's sources, including the contracts the jar packs.
const app = new App();
addAnalyticsStacks(app, repository('analytics/target/order-analytics.jar'), {
  pomPath: repository('analytics/pom.xml'),
  sources: [
    repository('analytics/pom.xml'),
    repository('analytics/src'),
    repository('contracts/schemas'),
    repository('contracts/platform.json'),
  ],
});
app.synth();
