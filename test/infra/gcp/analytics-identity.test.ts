import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AnalyticsIdentity, type AnalyticsIdentityProps } from '../../../infra/gcp/index.js';
import { kafkaAccess, resourcesOfType } from './fixtures/analytics-fixtures.js';

const props: AnalyticsIdentityProps = { project: 'shop-project', accountId: 'analytics-test', kafka: kafkaAccess };

type PolicyDocument = { Statement: { Sid?: string; Action: string | string[]; Resource?: string[]; Principal?: unknown; Condition?: Record<string, Record<string, string>> }[] };

function synthesizeIdentity(override: Partial<AnalyticsIdentityProps> = {}) {
  const synthesized = Testing.synthScope((scope) => new AnalyticsIdentity(scope, 'identity', { ...props, ...override }));
  const [role] = resourcesOfType(synthesized, IamRole.tfResourceType);
  const [policy] = resourcesOfType(synthesized, IamRolePolicy.tfResourceType);
  return {
    synthesized,
    trust: JSON.parse(String(role?.assume_role_policy)) as PolicyDocument,
    access: JSON.parse(String(policy?.policy)) as PolicyDocument,
  };
}

describe('AnalyticsIdentity', () => {
  it('creates a dedicated service account with only the Dataproc worker role on the project', () => {
    const { synthesized } = synthesizeIdentity();
    expect(Testing.toHaveResourceWithProperties(synthesized, ServiceAccount.tfResourceType, { account_id: 'analytics-test' })).toBe(true);
    const projectRoles = resourcesOfType(synthesized, ProjectIamMember.tfResourceType).map((binding) => binding.role);
    expect(projectRoles).toEqual(['roles/dataproc.worker']);
  });

  it('lets only that service account, with a token for the agreed audience, assume the AWS role', () => {
    const { trust } = synthesizeIdentity();
    const [statement] = trust.Statement;
    expect(statement).toMatchObject({ Principal: { Federated: 'accounts.google.com' }, Action: 'sts:AssumeRoleWithWebIdentity' });
    const conditions = statement?.Condition?.StringEquals ?? {};
    expect(conditions['accounts.google.com:aud']).toMatch(/^\$\{google_service_account\.identity_service-account_\w+\.unique_id\}$/);
    expect(conditions['accounts.google.com:sub']).toBe(conditions['accounts.google.com:aud']);
    expect(conditions['accounts.google.com:oaud']).toBe('sts.amazonaws.com');
  });

  it('scopes MSK access to the cluster, its topics, the consumer group and the sink transactions', () => {
    const { access } = synthesizeIdentity();
    const prefix = 'arn:aws:kafka:eu-west-1:111111111111';
    const uuid = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9-2';
    expect(Object.fromEntries(access.Statement.map((statement) => [statement.Sid, statement.Resource]))).toEqual({
      Connect: [`${prefix}:cluster/shop/${uuid}`],
      ReadTopics: [`${prefix}:topic/shop/${uuid}/orders`],
      ConsumerGroup: [`${prefix}:group/shop/${uuid}/analytics`],
      WriteTopics: [`${prefix}:topic/shop/${uuid}/analytics-results`, `${prefix}:topic/shop/${uuid}/orders.dlq`],
      IdempotentWrites: [`${prefix}:cluster/shop/${uuid}`],
      Transactions: [`${prefix}:transactional-id/shop/${uuid}/order-analytics*`],
    });
    expect(access.Statement.flatMap((statement) => statement.Action)).not.toContain('kafka-cluster:*');
  });

  it('grants no write access when the job writes no topic', () => {
    const { access } = synthesizeIdentity({ kafka: { ...kafkaAccess, writeTopics: [] } });
    expect(access.Statement.map((statement) => statement.Sid)).toEqual(['Connect', 'ReadTopics', 'ConsumerGroup']);
  });

  it.each([
    [{ accountId: 'ab' }, /AnalyticsIdentity: accountId must be a service account id/],
    [{ kafka: { ...kafkaAccess, clusterArn: 'arn:aws:kafka:eu-west-1:1111:cluster/shop' } }, /AnalyticsIdentity: kafka.clusterArn must be an MSK cluster ARN/],
    [{ kafka: { ...kafkaAccess, readTopics: [] } }, /AnalyticsIdentity: kafka.readTopics must be at least one topic, got \[\]/],
    [{ kafka: { ...kafkaAccess, consumerGroup: 'bad group' } }, /AnalyticsIdentity: kafka.consumerGroup must be a Kafka name/],
  ])('rejects %j', (override, message) => {
    expect(() => synthesizeIdentity(override)).toThrow(message);
  });
});
