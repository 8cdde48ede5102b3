import { describe, expect, it } from 'vitest';
import {
  CDK_BOOTSTRAP_PARAMETER,
  REQUIRED_GCP_APIS,
  checkAwsCredentials,
  checkCdkBootstrap,
  checkCertificate,
  checkCrossCloudParameters,
  checkDocker,
  checkGcpApis,
  checkMaven,
  checkGcpCredentials,
  checkTerraformStateBucket,
  formatPreflight,
  runPreflight,
  type PreflightTarget,
} from '../../stacks/preflight/checks';
import { systemProbes, type CommandResult, type Probes } from '../../stacks/preflight/probes';

const CERTIFICATE = 'arn:aws:acm:us-east-1:444455556666:certificate/0f0f0f0f-0000-0000-0000-000000000000';
const PARAMETERS = ['/shop/prod/cross-cloud/region', '/shop/prod/cross-cloud/vpc-id'];

const target: PreflightTarget = {
  environment: 'prod',
  aws: { region: 'us-east-1', certificateArn: CERTIFICATE, crossCloudParameterNames: PARAMETERS },
  gcp: { project: 'shop-analytics-prod', stateBucket: 'shop-terraform-state-prod', jobJarPath: '/repo/analytics/target/order-analytics.jar' },
};

/** A machine whose commands answer from a table keyed by the command and its first two arguments. */
function machine(answers: Record<string, CommandResult>, env: Record<string, string> = {}, files: string[] = []): Probes & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    env,
    fileExists: (path) => files.includes(path),
    run: async (command, args) => {
      const key = [command, ...args.slice(0, 2)].join(' ');
      calls.push([command, ...args].join(' '));
      return answers[key] ?? { kind: 'not-installed' };
    },
  };
}

const ok = (stdout: unknown): CommandResult => ({ kind: 'ok', stdout: typeof stdout === 'string' ? stdout : JSON.stringify(stdout) });
const failed = (output: string): CommandResult => ({ kind: 'failed', output });
const offline: CommandResult = { kind: 'timed-out', seconds: 15 };

const HEALTHY = {
  'aws sts get-caller-identity': ok({ Account: '444455556666', Arn: 'arn:aws:iam::444455556666:role/deployer' }),
  'docker info --format': ok('27.3.1\n'),
  'terraform version': ok('Terraform v1.9.8\non linux_amd64\n'),
  'mvn --version': ok('\x1b[1mApache Maven 3.9.9\x1b[m\n'),
  'aws ssm get-parameter': ok({ Parameter: { Value: '27' } }),
  'aws acm describe-certificate': ok({ Certificate: { Status: 'ISSUED', DomainName: 'api.shop.example' } }),
  'aws ssm get-parameters': ok([]),
  'gcloud auth application-default': ok('ya29.token\n'),
  'gcloud services list': ok(`${REQUIRED_GCP_APIS.join('\n')}\nlogging.googleapis.com\n`),
  'gcloud storage buckets': ok('shop-terraform-state-prod\n'),
} satisfies Record<string, CommandResult>;

describe('preflight checks', () => {
  it('passes everything on a machine that is ready, and says what it found', async () => {
    const results = await runPreflight(machine(HEALTHY), target);
    expect(results.filter((result) => result.status !== 'pass')).toEqual([]);
    expect(results.map((result) => result.name)).toEqual([
      'Docker',
      'Terraform',
      'Maven',
      'AWS credentials',
      'CDK bootstrap',
      'Gateway certificate',
      'Cross-cloud SSM parameters',
      'GCP credentials',
      'GCP APIs',
      'Terraform state bucket',
    ]);
    expect(formatPreflight(target, results)).toContain('account 444455556666 as arn:aws:iam::444455556666:role/deployer');
    expect(formatPreflight(target, results)).toContain('Nothing blocks a deploy.');
    expect(results.find((result) => result.name === 'Maven')?.message).toBe('Apache Maven 3.9.9');
  });

  it('names a missing tool and what needs it', async () => {
    const probes = machine({});
    expect(await checkDocker.run(probes, target)).toEqual({ status: 'fail', message: 'Docker is not installed; cdk deploy builds the five service images with it' });
    expect((await checkAwsCredentials.run(probes, target)).message).toBe(
      'cannot confirm credentials: the aws CLI is not installed; install the AWS CLI v2 (preflight checks through it; cdk uses the same credential chain)',
    );
    expect((await checkGcpCredentials.run(probes, target)).message).toBe(
      'GOOGLE_APPLICATION_CREDENTIALS is not set and gcloud is not installed; Terraform needs application default credentials',
    );
  });

  it('says the machine is offline instead of hanging, and skips what needs the credentials', async () => {
    const probes = machine({ ...HEALTHY, 'aws sts get-caller-identity': offline });
    const results = await runPreflight(probes, target);
    expect(results.find((result) => result.name === 'AWS credentials')?.message).toBe(
      'cannot confirm credentials: no answer from AWS STS within 15 s (offline, or a proxy in the way); sign in (aws sso login, or set AWS_PROFILE / AWS_ACCESS_KEY_ID) for the target account',
    );
    expect(results.find((result) => result.name === 'CDK bootstrap')).toEqual({ name: 'CDK bootstrap', status: 'fail', message: 'not checked: needs working AWS credentials (above)' });
    expect(probes.calls.filter((call) => call.startsWith('aws ')).map((call) => call.split(' ').slice(0, 3).join(' '))).toEqual(['aws sts get-caller-identity']);
    expect(formatPreflight(target, results)).toContain('4 of 10 checks fail');
  });

  it('still refuses the example certificate without credentials, from the config alone', async () => {
    const example = { ...target, aws: { ...target.aws, certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000' } };
    const results = await runPreflight(machine({}), example);
    expect(results.find((result) => result.name === 'Gateway certificate')?.message).toContain('still the example ARN');
    expect(results.find((result) => result.name === 'CDK bootstrap')?.message).toBe('not checked: needs working AWS credentials (above)');
  });

  it('asks for the bootstrap when its version parameter is missing', async () => {
    const probes = machine({ 'aws ssm get-parameter': failed(`An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter ${CDK_BOOTSTRAP_PARAMETER} not found.`) });
    expect(await checkCdkBootstrap.run(probes, target)).toEqual({
      status: 'fail',
      message: `us-east-1 is not bootstrapped for CDK (no ${CDK_BOOTSTRAP_PARAMETER}); run npx cdk bootstrap aws://<account>/us-east-1`,
    });
    const old = machine({ 'aws ssm get-parameter': ok({ Parameter: { Value: '5' } }) });
    expect((await checkCdkBootstrap.run(old, target)).status).toBe('fail');
  });

  it('refuses the example certificate ARN, one from another region, and one not yet issued; dev needs none', async () => {
    const example = { ...target, aws: { ...target.aws, certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000' } };
    expect((await checkCertificate.run(machine(HEALTHY), example)).message).toContain('still the example ARN');
    const elsewhere = { ...target, aws: { ...target.aws, certificateArn: CERTIFICATE.replace('us-east-1', 'eu-west-1') } };
    expect((await checkCertificate.run(machine(HEALTHY), elsewhere)).message).toBe(
      'the certificate is in eu-west-1, but the load balancer is in us-east-1; ACM certificates serve only their own region',
    );
    const pending = machine({ 'aws acm describe-certificate': ok({ Certificate: { Status: 'PENDING_VALIDATION', DomainName: 'api.shop.example' } }) });
    expect(await checkCertificate.run(pending, target)).toEqual({ status: 'fail', message: 'api.shop.example is PENDING_VALIDATION, not ISSUED; finish its DNS validation first' });
    const dev = { ...target, environment: 'dev', aws: { ...target.aws, certificateArn: undefined } };
    expect(await checkCertificate.run(machine({}), dev)).toEqual({ status: 'pass', message: 'dev serves plain HTTP by config; no certificate needed' });
  });

  it('expects the cross-cloud parameters only after the AWS deploy, and names a partial set', async () => {
    const before = machine({ 'aws ssm get-parameters': ok(PARAMETERS) });
    expect(await checkCrossCloudParameters.run(before, target)).toEqual({
      status: 'warn',
      message: 'none published yet: deploy Shop-prod first; the GCP stack reads them when it plans',
    });
    const partial = machine({ 'aws ssm get-parameters': ok([PARAMETERS[1]]) });
    expect((await checkCrossCloudParameters.run(partial, target)).message).toBe(
      'the AWS stack publishes some but not /shop/prod/cross-cloud/vpc-id: deploy the current Shop-prod before the GCP stack',
    );
    expect(before.calls[0]).toContain(`--names ${PARAMETERS.join(' ')}`);
  });

  it('lists the GCP APIs to enable with the command that enables them', async () => {
    const probes = machine({ 'gcloud services list': ok('compute.googleapis.com\nstorage.googleapis.com\n') });
    const { status, message } = await checkGcpApis.run(probes, target);
    expect(status).toBe('fail');
    expect(message).toContain('not enabled in shop-analytics-prod: dataproc.googleapis.com, monitoring.googleapis.com');
    expect(message).toContain('run gcloud services enable dataproc.googleapis.com monitoring.googleapis.com dns.googleapis.com');
  });

  it('needs Maven only when the job jar is not built', async () => {
    expect(await checkMaven.run(machine({}, {}, [target.gcp.jobJarPath]), target)).toEqual({
      status: 'warn',
      message: 'the mvn CLI is not installed; the built job jar is there, but cdktf synth rebuilds it when any job source is newer',
    });
    expect(await checkMaven.run(machine({}), target)).toEqual({
      status: 'fail',
      message: 'the mvn CLI is not installed and the job jar /repo/analytics/target/order-analytics.jar is not built; cdktf synth builds it with Maven',
    });
  });

  it('takes a key file from GOOGLE_APPLICATION_CREDENTIALS only if it exists', async () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: '/keys/deployer.json' };
    expect((await checkGcpCredentials.run(machine({}, env, ['/keys/deployer.json']), target)).status).toBe('pass');
    expect(await checkGcpCredentials.run(machine({}, env), target)).toEqual({
      status: 'fail',
      message: 'GOOGLE_APPLICATION_CREDENTIALS points at /keys/deployer.json, which does not exist',
    });
  });

  it('points at docs/gcp.md when the state bucket is missing', async () => {
    const probes = machine({ 'gcloud storage buckets': failed('ERROR: (gcloud.storage.buckets.describe) gs://shop-terraform-state-prod not found: 404.') });
    expect((await checkTerraformStateBucket.run(probes, target)).message).toBe(
      'gs://shop-terraform-state-prod is not readable (ERROR: (gcloud.storage.buckets.describe) gs://shop-terraform-state-prod not found: 404.); create it once as docs/gcp.md "State backend" shows',
    );
  });

  it('kills a command at its timeout and reports a missing one (the real runner)', async () => {
    const probes = systemProbes(1);
    const started = Date.now();
    expect(await probes.run('sleep', ['5'])).toEqual({ kind: 'timed-out', seconds: 1 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await probes.run('no-such-command-for-preflight', [])).toEqual({ kind: 'not-installed' });
    expect(await probes.run('sh', ['-c', 'echo refused >&2; exit 3'])).toEqual({ kind: 'failed', output: 'refused' });
  });
});
