import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { addAnalyticsStacks } from './analytics-app.js';

// The jar built by `mvn -f analytics/pom.xml package`; FlinkJob fails the synth with that hint if it is missing.
const jobJarPath = fileURLToPath(new URL('../../analytics/target/order-analytics.jar', import.meta.url));

const app = new App();
addAnalyticsStacks(app, jobJarPath);
app.synth();
