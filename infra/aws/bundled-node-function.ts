import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOG_GROUP_WITHOUT_CMK, acknowledgeCheckov } from './policy-acknowledgements';
import { REPOSITORY_ROOT, requireSourceFile } from './repository-layout';

export interface BundledNodeFunctionProps {
  /** The TypeScript source file of the handler. */
  readonly entry: string;
  /** The exported function Lambda calls. */
  readonly handler: string;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Concurrent executions reserved (and capped) for this function.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Queue for events of failed asynchronous invocations.
   * @default - none
   */
  readonly deadLetterQueue?: lambda.FunctionProps['deadLetterQueue'];
  /**
   * Retries of a failed asynchronous invocation.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Lambda bundled from this repository's TypeScript by the esbuild in node_modules at synth (never in Docker), as
 * one ESM file with every dependency inside, so that what runs is what the lockfile pinned. Its role may write to its
 * own log group and nothing else until granted more.
 */
export class BundledNodeFunction extends Construct {
  /** The Lambda runtime of every function bundled from this repository. */
  static readonly RUNTIME = lambda.Runtime.NODEJS_24_X;

  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: BundledNodeFunctionProps) {
    super(scope, id);
    requireSourceFile(`BundledNodeFunction ${id}`, 'handler source', props.entry);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    acknowledgeCheckov(logGroup, [LOG_GROUP_WITHOUT_CMK]);
    // Its own role instead of AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler,
      runtime: BundledNodeFunction.RUNTIME,
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // CommonJS dependencies inside an ESM bundle still call require().
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        externalModules: [],
        minify: true,
        sourceMap: false,
        // CDK runs the local esbuild through `npx --no-install`, whose npm update check is the only network call of a synth.
        environment: { npm_config_update_notifier: 'false' },
      },
      role,
      logGroup,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      environment: { ...props.environment },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 2,
    });
  }
}
