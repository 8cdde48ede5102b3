import { fileURLToPath } from 'node:url';
import { ENVIRONMENTS, type EnvironmentName } from '../aws/config';
import { crossCloudParameterNames } from '../cross-cloud';
import { environments as gcpEnvironments } from '../gcp/config';
import { formatPreflight, runPreflight, type PreflightTarget } from './checks';
import { systemProbes } from './probes';

const name = process.argv[2];
const known = Object.keys(ENVIRONMENTS);
if (!name || !known.includes(name)) {
  console.error(`usage: npm run preflight -- <env>   (env: ${known.join(', ')})`);
  process.exit(2);
}
const environment = name as EnvironmentName;
const awsConfig = ENVIRONMENTS[environment];
const gcpConfig = gcpEnvironments.find((config) => config.environment === environment);
if (!gcpConfig) throw new Error(`stacks/gcp/config.ts has no '${environment}' environment`);

const target: PreflightTarget = {
  environment,
  aws: {
    region: awsConfig.region,
    certificateArn: 'certificateArn' in awsConfig.gatewayEndpoint ? awsConfig.gatewayEndpoint.certificateArn : undefined,
    crossCloudParameterNames: Object.values(crossCloudParameterNames(environment)),
  },
  gcp: {
    project: gcpConfig.gcp.project,
    stateBucket: gcpConfig.stateBackend?.bucket,
    jobJarPath: fileURLToPath(new URL('../../analytics/target/order-analytics.jar', import.meta.url)),
  },
};

const results = await runPreflight(systemProbes(), target);
process.stdout.write(formatPreflight(target, results));
process.exitCode = results.some((result) => result.status === 'fail') ? 1 : 0;
