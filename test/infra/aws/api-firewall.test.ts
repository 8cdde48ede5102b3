import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiFirewall, type ApiFirewallProps } from '../../../infra/aws';
import { logicalIdOf, newStack, SYNTH_TIMEOUT } from './support';

const props: ApiFirewallProps = { name: 'shop-test-api', requestsPerClientIp: 2000, requestsPerAuthorization: 1000 };

describe('ApiFirewall', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new ApiFirewall(stack, 'Firewall', props);
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  const rules = () => Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties.Rules as Record<string, any>[];

  it('is a regional web ACL (for an ALB) that allows by default, with metrics on', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: 'shop-test-api',
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: 'shop-test-api-all', SampledRequestsEnabled: true },
    });
    expect(rules().every((rule) => rule.VisibilityConfig.CloudWatchMetricsEnabled === true)).toBe(true);
  });

  it('blocks a client IP, then an Authorization header, over its limit in a 5-minute window, before the managed rules', () => {
    expect(rules().map((rule) => [rule.Priority, rule.Name])).toEqual([
      [0, 'rate-per-client-ip'],
      [1, 'rate-per-authorization'],
      [2, 'aws-common-rule-set'],
      [3, 'aws-known-bad-inputs'],
    ]);
    expect(rules()[0]).toMatchObject({
      Action: { Block: {} },
      Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 2000, EvaluationWindowSec: 300 } },
    });
    expect(rules()[1]).toMatchObject({
      Action: { Block: {} },
      Statement: {
        RateBasedStatement: {
          AggregateKeyType: 'CUSTOM_KEYS',
          CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
          Limit: 1000,
          EvaluationWindowSec: 300,
        },
      },
    });
  });

  it("runs AWS's common rule set, counting (not blocking) bodies over 8 KB, which the gateway limits itself", () => {
    expect(rules()[2]).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: 'AWS',
          Name: 'AWSManagedRulesCommonRuleSet',
          RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
        },
      },
    });
  });

  it("blocks AWS's known bad inputs as the rule set decides", () => {
    expect(rules()[3]).toEqual(
      expect.objectContaining({
        OverrideAction: { None: {} },
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
      }),
    );
  });

  it('logs what it blocked or counted to aws-waf-logs-<name>, with the Authorization header redacted', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-shop-test-api', RetentionInDays: 30 });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::WAFv2::WebACL'), 'Arn'] },
      LogDestinationConfigs: [
        { 'Fn::Join': ['', ['arn:aws:logs:us-east-1:', { Ref: 'AWS::AccountId' }, ':log-group:aws-waf-logs-shop-test-api']] },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
      LoggingFilter: Match.objectLike({ DefaultBehavior: 'DROP' }),
    });
  });

  it.each([
    [{ requestsPerClientIp: 5 }, 'ApiFirewall X: requestsPerClientIp must be an integer from 10 to 2000000000, got 5'],
    [{ requestsPerAuthorization: 100.5 }, 'ApiFirewall X: requestsPerAuthorization must be an integer from 10 to 2000000000, got 100.5'],
    [{ rateWindow: Duration.minutes(3) }, 'ApiFirewall X: rateWindow must be 1, 2, 5 or 10 minutes, got 180 seconds'],
    [{ name: 'shop api' }, "ApiFirewall X: name must be letters, digits and hyphens, short enough for its metric names, got 'shop api'"],
  ] as [Partial<ApiFirewallProps>, string][])('rejects %j', (override, message) => {
    expect(() => new ApiFirewall(newStack(), 'X', { ...props, ...override })).toThrow(message);
  });
});
