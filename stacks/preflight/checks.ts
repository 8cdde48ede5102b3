import type { CommandResult, Probes } from './probes';

/** What one environment's first deploy needs to find, from the two stacks' configs. */
export interface PreflightTarget {
  readonly environment: string;
  readonly aws: {
    readonly region: string;
    /** The gateway's ACM certificate, where the environment serves HTTPS. */
    readonly certificateArn?: string;
    /** The SSM parameters the AWS stack publishes and the GCP stack reads at plan time. */
    readonly crossCloudParameterNames: readonly string[];
  };
  readonly gcp: {
    readonly project: string;
    /** The GCS bucket holding the Terraform state, created by hand once (docs/gcp.md). */
    readonly stateBucket?: string;
    /** The Flink job's jar, which the GCP synth builds with Maven when it is missing or stale. */
    readonly jobJarPath: string;
  };
}

/** `fail` blocks a first deploy; `warn` is expected before one (values the AWS deploy creates). */
export interface CheckResult {
  readonly name: string;
  readonly status: 'pass' | 'warn' | 'fail';
  readonly message: string;
}

type Outcome = Omit<CheckResult, 'name'>;

/** One thing a first deploy needs, named as the report prints it. */
export interface Check {
  readonly name: string;
  readonly run: (probes: Probes, target: PreflightTarget) => Promise<Outcome>;
  /** A verdict from the config alone, given even when the cloud's credentials do not work. */
  readonly fromConfig?: (target: PreflightTarget) => Outcome | undefined;
}

/** The APIs the GCP stack's resources are served by. */
export const REQUIRED_GCP_APIS = [
  'dataproc.googleapis.com',
  'compute.googleapis.com',
  'storage.googleapis.com',
  'monitoring.googleapis.com',
  'dns.googleapis.com',
  'iam.googleapis.com',
  'cloudresourcemanager.googleapis.com',
] as const;

/** The version parameter `cdk bootstrap` writes with the default qualifier; the templates ask for version 6 or later. */
export const CDK_BOOTSTRAP_PARAMETER = '/cdk-bootstrap/hnb659fds/version';
const MINIMUM_BOOTSTRAP_VERSION = 6;

/** The documentation account id AWS uses in examples; an ARN in it is a placeholder nobody replaced. */
const EXAMPLE_ACCOUNT = '111122223333';

/** The first non-blank line, without terminal colours (Maven prints its version in bold). */
const firstLine = (output: string) =>
  output
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .find((line) => line.trim())
    ?.trim() ?? '(no output)';

/** Plain words for a command that did not answer: not installed, offline, or refused. */
function whyNot(result: Exclude<CommandResult, { kind: 'ok' }>, command: string, service: string): string {
  if (result.kind === 'not-installed') return `the ${command} CLI is not installed`;
  if (result.kind === 'timed-out') return `no answer from ${service} within ${result.seconds} s (offline, or a proxy in the way)`;
  return firstLine(result.output);
}

const aws = (probes: Probes, target: PreflightTarget, args: string[]) =>
  probes.run('aws', [...args, '--region', target.aws.region, '--output', 'json', '--cli-connect-timeout', '5', '--cli-read-timeout', '10']);

export const checkAwsCredentials: Check = {
  name: 'AWS credentials',
  run: async (probes, target) => {
    const result = await aws(probes, target, ['sts', 'get-caller-identity']);
    if (result.kind === 'ok') {
      const { Account, Arn } = JSON.parse(result.stdout) as { Account: string; Arn: string };
      return { status: 'pass', message: `account ${Account} as ${Arn}` };
    }
    const hint =
      result.kind === 'not-installed'
        ? 'install the AWS CLI v2 (preflight checks through it; cdk uses the same credential chain)'
        : 'sign in (aws sso login, or set AWS_PROFILE / AWS_ACCESS_KEY_ID) for the target account';
    return { status: 'fail', message: `cannot confirm credentials: ${whyNot(result, 'aws', 'AWS STS')}; ${hint}` };
  },
};

export const checkDocker: Check = {
  name: 'Docker',
  run: async (probes) => {
    const result = await probes.run('docker', ['info', '--format', '{{.ServerVersion}}']);
    if (result.kind === 'ok') return { status: 'pass', message: `engine ${result.stdout.trim()} is running` };
    if (result.kind === 'not-installed') {
      return { status: 'fail', message: 'Docker is not installed; cdk deploy builds the five service images with it' };
    }
    return { status: 'fail', message: `Docker does not answer (${whyNot(result, 'docker', 'the Docker engine')}); start the engine, cdk deploy builds the service images with it` };
  },
};

export const checkTerraform: Check = {
  name: 'Terraform',
  run: async (probes) => {
    const result = await probes.run('terraform', ['version']);
    if (result.kind === 'ok') return { status: 'pass', message: firstLine(result.stdout) };
    return { status: 'fail', message: `${whyNot(result, 'terraform', 'terraform')}; cdktf deploy runs Terraform (1.5 or later) from the PATH` };
  },
};

export const checkMaven: Check = {
  name: 'Maven',
  run: async (probes, target) => {
    const result = await probes.run('mvn', ['--version']);
    if (result.kind === 'ok') return { status: 'pass', message: firstLine(result.stdout) };
    const why = whyNot(result, 'mvn', 'Maven');
    return probes.fileExists(target.gcp.jobJarPath)
      ? { status: 'warn', message: `${why}; the built job jar is there, but cdktf synth rebuilds it when any job source is newer` }
      : { status: 'fail', message: `${why} and the job jar ${target.gcp.jobJarPath} is not built; cdktf synth builds it with Maven` };
  },
};

export const checkCdkBootstrap: Check = {
  name: 'CDK bootstrap',
  run: async (probes, target) => {
    const result = await aws(probes, target, ['ssm', 'get-parameter', '--name', CDK_BOOTSTRAP_PARAMETER]);
    const bootstrap = `npx cdk bootstrap aws://<account>/${target.aws.region}`;
    if (result.kind === 'ok') {
      const version = Number((JSON.parse(result.stdout) as { Parameter: { Value: string } }).Parameter.Value);
      return version >= MINIMUM_BOOTSTRAP_VERSION
        ? { status: 'pass', message: `${target.aws.region} is bootstrapped (version ${version})` }
        : { status: 'fail', message: `${target.aws.region} has bootstrap version ${version}, older than ${MINIMUM_BOOTSTRAP_VERSION}; run ${bootstrap} again` };
    }
    if (result.kind === 'failed' && result.output.includes('ParameterNotFound')) {
      return { status: 'fail', message: `${target.aws.region} is not bootstrapped for CDK (no ${CDK_BOOTSTRAP_PARAMETER}); run ${bootstrap}` };
    }
    return { status: 'fail', message: `cannot tell whether ${target.aws.region} is bootstrapped: ${whyNot(result, 'aws', 'SSM')}` };
  },
};

export const checkCertificate: Check = {
  name: 'Gateway certificate',
  fromConfig: (target) => {
    const arn = target.aws.certificateArn;
    if (!arn) return { status: 'pass', message: `${target.environment} serves plain HTTP by config; no certificate needed` };
    const [, , , region, account] = arn.split(':');
    if (account === EXAMPLE_ACCOUNT) {
      return { status: 'fail', message: `gatewayEndpoint.certificateArn in stacks/aws/config.ts is still the example ARN; request or import a certificate in ACM and put its ARN there` };
    }
    if (region !== target.aws.region) {
      return { status: 'fail', message: `the certificate is in ${region}, but the load balancer is in ${target.aws.region}; ACM certificates serve only their own region` };
    }
    return undefined;
  },
  run: async (probes, target) => {
    const verdict = checkCertificate.fromConfig?.(target);
    if (verdict) return verdict;
    const arn = target.aws.certificateArn as string;
    const result = await aws(probes, target, ['acm', 'describe-certificate', '--certificate-arn', arn]);
    if (result.kind !== 'ok') return { status: 'fail', message: `cannot read ${arn}: ${whyNot(result, 'aws', 'ACM')}` };
    const { Status, DomainName } = (JSON.parse(result.stdout) as { Certificate: { Status: string; DomainName: string } }).Certificate;
    return Status === 'ISSUED'
      ? { status: 'pass', message: `${DomainName} is issued` }
      : { status: 'fail', message: `${DomainName} is ${Status}, not ISSUED; finish its DNS validation first` };
  },
};

export const checkCrossCloudParameters: Check = {
  name: 'Cross-cloud SSM parameters',
  run: async (probes, target) => {
    const names = target.aws.crossCloudParameterNames;
    const result = await aws(probes, target, ['ssm', 'get-parameters', '--names', ...names, '--query', 'InvalidParameters']);
    if (result.kind !== 'ok') return { status: 'fail', message: `cannot read them: ${whyNot(result, 'aws', 'SSM')}` };
    const missing = JSON.parse(result.stdout) as string[];
    if (missing.length === 0) return { status: 'pass', message: `all ${names.length} published by the AWS stack` };
    if (missing.length === names.length) {
      return { status: 'warn', message: `none published yet: deploy Shop-${target.environment} first; the GCP stack reads them when it plans` };
    }
    return { status: 'fail', message: `the AWS stack publishes some but not ${missing.join(', ')}: deploy the current Shop-${target.environment} before the GCP stack` };
  },
};

export const checkGcpCredentials: Check = {
  name: 'GCP credentials',
  run: async (probes) => {
    const keyFile = probes.env.GOOGLE_APPLICATION_CREDENTIALS;
    if (keyFile) {
      return probes.fileExists(keyFile)
        ? { status: 'pass', message: `GOOGLE_APPLICATION_CREDENTIALS points at ${keyFile}` }
        : { status: 'fail', message: `GOOGLE_APPLICATION_CREDENTIALS points at ${keyFile}, which does not exist` };
    }
    const result = await probes.run('gcloud', ['auth', 'application-default', 'print-access-token']);
    if (result.kind === 'ok') return { status: 'pass', message: 'application default credentials from gcloud' };
    if (result.kind === 'not-installed') {
      return { status: 'fail', message: 'GOOGLE_APPLICATION_CREDENTIALS is not set and gcloud is not installed; Terraform needs application default credentials' };
    }
    return { status: 'fail', message: `no application default credentials (${whyNot(result, 'gcloud', 'Google')}); run gcloud auth application-default login` };
  },
};

export const checkGcpApis: Check = {
  name: 'GCP APIs',
  run: async (probes, target) => {
    const { project } = target.gcp;
    const result = await probes.run('gcloud', ['services', 'list', '--enabled', '--project', project, '--format=value(config.name)']);
    if (result.kind !== 'ok') {
      return { status: 'fail', message: `cannot list the enabled APIs of ${project}: ${whyNot(result, 'gcloud', 'Service Usage')}` };
    }
    const enabled = new Set(result.stdout.split('\n').map((line) => line.trim()));
    const missing = REQUIRED_GCP_APIS.filter((api) => !enabled.has(api));
    return missing.length === 0
      ? { status: 'pass', message: `the ${REQUIRED_GCP_APIS.length} APIs the stack uses are enabled in ${project}` }
      : { status: 'fail', message: `not enabled in ${project}: ${missing.join(', ')}; run gcloud services enable ${missing.join(' ')} --project ${project}` };
  },
};

export const checkTerraformStateBucket: Check = {
  name: 'Terraform state bucket',
  run: async (probes, target) => {
    const bucket = target.gcp.stateBucket;
    if (!bucket) return { status: 'pass', message: 'state kept in a local file by config' };
    const result = await probes.run('gcloud', ['storage', 'buckets', 'describe', `gs://${bucket}`, '--format=value(name)']);
    if (result.kind === 'ok') return { status: 'pass', message: `gs://${bucket} exists` };
    return { status: 'fail', message: `gs://${bucket} is not readable (${whyNot(result, 'gcloud', 'Cloud Storage')}); create it once as docs/gcp.md "State backend" shows` };
  },
};

/** Checks that need nothing but the machine; the others need the cloud's credentials to say anything. */
const LOCAL_CHECKS = [checkDocker, checkTerraform, checkMaven];
const AWS_CHECKS = [checkCdkBootstrap, checkCertificate, checkCrossCloudParameters];
const GCP_CHECKS = [checkGcpApis, checkTerraformStateBucket];

const runCheck = async (check: Check, probes: Probes, target: PreflightTarget): Promise<CheckResult> => ({ name: check.name, ...(await check.run(probes, target)) });

/**
 * Runs every check, concurrently where they do not depend on each other. A cloud's account checks run only once its
 * credentials work; without them each says so instead of repeating the credential error.
 */
export async function runPreflight(probes: Probes, target: PreflightTarget): Promise<CheckResult[]> {
  const dependent = async (credentials: Check, checks: readonly Check[]): Promise<CheckResult[]> => {
    const first = await runCheck(credentials, probes, target);
    if (first.status !== 'pass') {
      const unchecked = { status: 'fail' as const, message: `not checked: needs working ${first.name} (above)` };
      return [first, ...checks.map((check) => ({ name: check.name, ...(check.fromConfig?.(target) ?? unchecked) }))];
    }
    return [first, ...(await Promise.all(checks.map((check) => runCheck(check, probes, target))))];
  };
  const [local, awsResults, gcpResults] = await Promise.all([
    Promise.all(LOCAL_CHECKS.map((check) => runCheck(check, probes, target))),
    dependent(checkAwsCredentials, AWS_CHECKS),
    dependent(checkGcpCredentials, GCP_CHECKS),
  ]);
  return [...local, ...awsResults, ...gcpResults];
}

const SYMBOL = { pass: 'ok  ', warn: 'note', fail: 'FAIL' } as const;

export function formatPreflight(target: PreflightTarget, results: readonly CheckResult[]): string {
  const failed = results.filter((result) => result.status === 'fail').length;
  return [
    `Preflight for a first deploy of ${target.environment} (AWS ${target.aws.region}, GCP project ${target.gcp.project}):`,
    ...results.map((result) => `  ${SYMBOL[result.status]}  ${result.name}: ${result.message}`),
    failed === 0 ? 'Nothing blocks a deploy.' : `${failed} of ${results.length} checks fail; fix them before npx cdk deploy / npx cdktf deploy (docs/deploy.md).`,
    '',
  ].join('\n');
}
