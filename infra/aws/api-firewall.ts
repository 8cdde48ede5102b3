import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { LOG_GROUP_WITHOUT_CMK, acknowledgeCheckov } from './policy-acknowledgements';

export interface ApiFirewallProps {
  /** Name of the web ACL, its metrics and (after `aws-waf-logs-`) its log group. */
  readonly name: string;
  /**
   * Requests one client IP may send per window before WAF blocks it, counted across every load balancer node and
   * gateway replica. Callers behind one NAT share an address, so this is well above what one shopper sends.
   */
  readonly requestsPerClientIp: number;
  /**
   * Requests per window carrying one `Authorization` header value (one access token), across all addresses.
   * Requests without the header are not counted by this rule.
   */
  readonly requestsPerAuthorization: number;
  /**
   * The window both rate rules count over.
   * @default Duration.minutes(5)
   */
  readonly rateWindow?: Duration;
  /**
   * How long WAF's log (blocked and counted requests only) is kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Windows a WAF rate-based rule can count over. */
const RATE_WINDOWS_SECONDS = [60, 120, 300, 600];
/** Smallest and largest limits WAF accepts on a rate-based rule. */
const RATE_LIMIT_BOUNDS = { min: 10, max: 2_000_000_000 };
const NAME = /^[A-Za-z0-9-]{1,100}$/;

/**
 * An AWS WAF web ACL for the public API's Application Load Balancer: per-client-IP and per-token rate limits that hold
 * however many gateway replicas run (the gateway's own limiter counts per replica), then AWS's common rule set.
 * The load balancer is associated by the AWS Load Balancer Controller (`webAclArn` in an Ingress annotation).
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly webAclArn: string;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const windowSeconds = (props.rateWindow ?? Duration.minutes(5)).toSeconds();
    validate(id, props, windowSeconds);
    const metric = (suffix: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      metricName: `${props.name}-${suffix}`,
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('all'),
      rules: [
        // Rate limits first: a flood is cut before the managed rules spend capacity on it.
        {
          name: 'rate-per-client-ip',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: props.requestsPerClientIp, evaluationWindowSec: windowSeconds, aggregateKeyType: 'IP' },
          },
          visibilityConfig: metric('rate-per-client-ip'),
        },
        {
          name: 'rate-per-authorization',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.requestsPerAuthorization,
              evaluationWindowSec: windowSeconds,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
            },
          },
          visibilityConfig: metric('rate-per-authorization'),
        },
        {
          name: 'aws-common-rule-set',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // The rule set blocks bodies over 8 KB; the gateway's own limit (BODY_LIMIT_BYTES, 64 KiB) is the size
              // policy, and a large order is legitimate. Counted, so it still shows in the metrics.
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: metric('aws-common-rule-set'),
        },
        {
          // Request patterns known to exploit software (Log4j lookups, localhost Host headers, PROPFIND, ...): no
          // service here is Java, but a blocked probe costs nothing and keeps the noise out of the gateway's logs.
          name: 'aws-known-bad-inputs',
          priority: 3,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
          visibilityConfig: metric('aws-known-bad-inputs'),
        },
      ],
    });
    this.webAclArn = this.webAcl.attrArn;

    // WAF requires the `aws-waf-logs-` prefix and the log group's ARN without the `:*` CDK's logGroupArn carries.
    const logGroupName = `aws-waf-logs-${props.name}`;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledgeCheckov(this.logGroup, [
      {
        ...LOG_GROUP_WITHOUT_CMK,
        reason: 'CloudWatch Logs encrypts it at rest with its own keys; it keeps the requests WAF acted on with the Authorization header redacted, and IAM on the log group decides who reads it.',
      },
    ]);
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      // Access tokens never reach a log.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
      // Allowed requests are in the metrics and sampled requests; the log keeps what WAF acted on.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
    logging.node.addDependency(this.logGroup);
  }
}

function validate(id: string, props: ApiFirewallProps, windowSeconds: number): void {
  const name = `ApiFirewall ${id}`;
  if (!NAME.test(props.name) || props.name.length > 100 - '-rate-per-authorization'.length) {
    throw new Error(`${name}: name must be letters, digits and hyphens, short enough for its metric names, got '${props.name}'`);
  }
  if (!RATE_WINDOWS_SECONDS.includes(windowSeconds)) {
    throw new Error(`${name}: rateWindow must be 1, 2, 5 or 10 minutes, got ${windowSeconds} seconds`);
  }
  for (const key of ['requestsPerClientIp', 'requestsPerAuthorization'] as const) {
    const limit = props[key];
    if (!Number.isInteger(limit) || limit < RATE_LIMIT_BOUNDS.min || limit > RATE_LIMIT_BOUNDS.max) {
      throw new Error(`${name}: ${key} must be an integer from ${RATE_LIMIT_BOUNDS.min} to ${RATE_LIMIT_BOUNDS.max}, got ${limit}`);
    }
  }
}
