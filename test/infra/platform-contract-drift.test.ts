import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { kafkaGrantsOf, platformContract, type KafkaAccessContract, type ServiceName } from '../../contracts/platform';
import { PLATFORM_TOPICS } from '../../runtime/local/kafka';
import { NOTIFICATIONS_GROUP, ORDERS_DEAD_LETTER_TOPIC } from '../../runtime/notifications/src/notifications-runtime';
import { PLATFORM_SERVICES } from '../../runtime/local/services';
import { createShopApp } from '../../stacks/aws/shop-app';
import { AnalyticsPlatformStack } from '../../stacks/gcp/analytics-platform-stack';
import { environments } from '../../stacks/gcp/config';
import { FIXTURE_SOURCES, SYNTH_TIMEOUT } from './aws/support';
import { FIXTURE_JAR, resourcesOfType } from './gcp/fixtures/analytics-fixtures';

/**
 * Every environment declares exactly the topics of the platform contract and grants each workload exactly the Kafka
 * access the contract gives it: a topic, consumer group or grant that the contract does not name fails here, and so
 * does one the contract names that an environment lacks (the missing orders.dlq grant blocked notifications).
 */

/** What one grantee may do on Kafka, as names: sorted, so that comparisons ignore declaration order. */
interface KafkaAccessFound {
  writes: string[];
  reads: string[];
  groups: string[];
  /** Kafka resources that are neither the cluster nor a topic or group of it, e.g. a wildcard. */
  unrecognised: string[];
}

const contractTopicNames = Object.values(platformContract.topics).map((topic) => topic.name).sort();

function expectedAccess(access: KafkaAccessContract): KafkaAccessFound {
  const { writes, reads } = kafkaGrantsOf(access);
  return {
    writes: [...writes].sort(),
    reads: reads.map(({ topic }) => topic).sort(),
    groups: reads.map(({ group }) => group).sort(),
    unrecognised: [],
  };
}

const serviceNames = Object.keys(platformContract.services) as ServiceName[];

class AccessCollector {
  private readonly writes = new Set<string>();
  private readonly reads = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly unrecognised = new Set<string>();

  add(actions: readonly string[], resource: { topic?: string; group?: string; cluster?: true; unrecognised?: string }): void {
    if (resource.topic !== undefined) {
      if (actions.includes('kafka-cluster:WriteData')) this.writes.add(resource.topic);
      if (actions.includes('kafka-cluster:ReadData')) this.reads.add(resource.topic);
    } else if (resource.group !== undefined) {
      this.groups.add(resource.group);
    } else if (resource.unrecognised !== undefined) {
      this.unrecognised.add(resource.unrecognised);
    }
  }

  result(): KafkaAccessFound {
    return { writes: [...this.writes].sort(), reads: [...this.reads].sort(), groups: [...this.groups].sort(), unrecognised: [...this.unrecognised].sort() };
  }
}

/**
 * The GCP stack reads the MSK cluster's ARN from the AWS stack's SSM parameter at plan time, so its policy holds
 * Terraform interpolations of it: the ARN itself, or `replace(<arn>, ":cluster/", ":<kind>/")`. This evaluates
 * both for an example ARN, which leaves a policy document to read.
 */
function withMskClusterArn(policy: string): string {
  const clusterArn = 'arn:aws:kafka:us-east-1:123456789012:cluster/shop-events/0b5e7c1a-uuid';
  const reference = String.raw`data\.aws_ssm_parameter\.[\w-]+\.insecure_value`;
  return policy
    .replace(new RegExp(String.raw`\$\{replace\(${reference}, ":cluster/", ":([a-z-]+)/"\)\}`, 'g'), (_match, kind: string) => clusterArn.replace(':cluster/', `:${kind}/`))
    .replace(new RegExp(String.raw`\$\{${reference}\}`, 'g'), clusterArn);
}

describe('the platform contract is what every environment declares', () => {
  describe.each(['Shop-dev', 'Shop-prod'])('AWS %s', (stackName) => {
    let template: Record<string, any>;

    beforeAll(() => {
      const environment = stackName.replace('Shop-', '');
      const { app, stacks } = createShopApp({
        outdir: mkdtempSync(path.join(tmpdir(), 'contract-drift-')),
        sources: FIXTURE_SOURCES,
        context: { env: environment },
      });
      app.synth();
      template = Template.fromStack(stacks[0] as never).toJSON();
    }, SYNTH_TIMEOUT);

    const resourcesOf = (type: string) => Object.entries(template.Resources as Record<string, any>).filter(([, resource]) => resource.Type === type);

    it('declares exactly the contract topics, with at least their partitions, exactly their retention, and writes acknowledged by all brokers but one', () => {
      const topics = resourcesOf('AWS::MSK::Topic').map(([, { Properties }]) => Properties);
      const brokers: number = resourcesOf('AWS::MSK::Cluster')[0]?.[1].Properties.NumberOfBrokerNodes;
      expect(topics.map((topic) => topic.TopicName).sort()).toEqual(contractTopicNames);
      for (const { name, partitions, retentionHours } of Object.values(platformContract.topics)) {
        const declared = topics.find((topic) => topic.TopicName === name);
        expect(declared.PartitionCount, name).toBeGreaterThanOrEqual(partitions);
        // Every write must reach all brokers but one (min.insync.replicas), so one broker can be down without losing acks=all writes.
        expect(JSON.parse(declared.Configs['Fn::Base64']), name).toEqual({
          'retention.ms': String(retentionHours * 3_600_000),
          'min.insync.replicas': String(brokers - 1),
        });
      }
    });

    it("grants each service's role exactly the topics and groups the contract gives that service, and no other role any", () => {
      const topicByLogicalId = new Map(resourcesOf('AWS::MSK::Topic').map(([id, { Properties }]) => [id, Properties.TopicName as string]));
      const clusterIds = new Set(resourcesOf('AWS::MSK::Cluster').map(([id]) => id));
      const recognise = (resource: any) => {
        const [logicalId, attribute] = resource?.['Fn::GetAtt'] ?? [];
        if (attribute === 'TopicArn' && topicByLogicalId.has(logicalId)) return { topic: topicByLogicalId.get(logicalId) };
        if (attribute === 'Arn' && clusterIds.has(logicalId)) return { cluster: true as const };
        // Group ARNs are joined from the cluster's name and uuid, ending in `/<group id>`.
        const parts: unknown[] = resource?.['Fn::Join']?.[1] ?? [];
        const last = parts.at(-1);
        if (parts.some((part) => typeof part === 'string' && part.includes(':group/')) && typeof last === 'string') {
          return { group: last.replace(/^\//, '') };
        }
        return { unrecognised: JSON.stringify(resource) };
      };

      const byRole = new Map<string, AccessCollector>();
      for (const [, { Properties }] of resourcesOf('AWS::IAM::Policy')) {
        for (const statement of Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
          const actions = [statement.Action].flat();
          if (!actions.some((action) => action.startsWith('kafka-cluster:'))) continue;
          for (const role of Properties.Roles as { Ref: string }[]) {
            const collector = byRole.get(role.Ref) ?? new AccessCollector();
            byRole.set(role.Ref, collector);
            for (const resource of [statement.Resource].flat()) collector.add(actions, recognise(resource));
          }
        }
      }
      const grantee = (roleLogicalId: string) => serviceNames.find((name) => roleLogicalId.startsWith(`${name}ServiceAccountRole`)) ?? roleLogicalId;
      const found = Object.fromEntries([...byRole].map(([role, collector]) => [grantee(role), collector.result()]));
      const expected = Object.fromEntries(
        serviceNames
          .map((name) => [name, expectedAccess(platformContract.services[name].kafka)] as const)
          .filter(([, access]) => access.writes.length + access.reads.length > 0),
      );
      expect(found).toEqual(expected);
    });
  });

  describe.each(environments)('GCP analytics-$environment', (config) => {
    const synthesized = () => Testing.synth(new AnalyticsPlatformStack(Testing.app(), `analytics-${config.environment}`, { config, jobJarPath: FIXTURE_JAR }));

    it("grants the Flink job's AWS role exactly the analytics job's topics, group and transactional ids", () => {
      const [policy] = resourcesOfType(synthesized(), IamRolePolicy.tfResourceType);
      const collector = new AccessCollector();
      const transactionalIds: string[] = [];
      // MSK resource ARNs: arn:aws:kafka:<region>:<account>:<kind>/<cluster name>/<cluster uuid>[/<name>]
      for (const { Action, Resource } of JSON.parse(withMskClusterArn(String(policy?.policy))).Statement as { Action: string[]; Resource: string[] }[]) {
        for (const arn of Resource) {
          const [, kind, name = ''] = /^arn:aws:kafka:[^:]+:\d+:([a-z-]+)\/[^/]+\/[^/]+(?:\/(.+))?$/.exec(arn) ?? [];
          if (kind === 'cluster' && name === '') collector.add(Action, { cluster: true });
          else if (kind === 'topic') collector.add(Action, { topic: name });
          else if (kind === 'group') collector.add(Action, { group: name });
          else if (kind === 'transactional-id') transactionalIds.push(name);
          else collector.add(Action, { unrecognised: arn });
        }
      }
      const job = platformContract.analyticsJob;
      expect(collector.result()).toEqual(expectedAccess(job.kafka));
      expect(transactionalIds).toEqual([`${job.kafka.transactionalIdPrefix}*`]);
    });

    it("passes the job the contract's topics, group and transactional id prefix", () => {
      const manifest = resourcesOfType(synthesized(), StorageBucketObject.tfResourceType).find((object) =>
        String(object.name).startsWith('flink/desired/'),
      );
      const args = (JSON.parse(String(manifest?.content)) as { args: string[] }).args;
      const flag = (name: string) => args[args.indexOf(`--${name}`) + 1];
      const source = platformContract.consumerGroups.orderAnalytics;
      expect({
        orders: flag('orders-topic'),
        results: flag('results-topic'),
        deadLetters: flag('dlq-topic'),
        group: flag('group'),
        transactionalIdPrefix: flag('transactional-id-prefix'),
      }).toEqual({
        orders: source.topic,
        results: platformContract.topics.analyticsResults.name,
        deadLetters: source.deadLetterTopic,
        group: source.id,
        transactionalIdPrefix: platformContract.analyticsJob.kafka.transactionalIdPrefix,
      });
    });
  });

  it('the notifications service consumes as the group, and dead-letters to the topic, that its grants name', () => {
    const { notifications } = platformContract.consumerGroups;
    expect({ group: NOTIFICATIONS_GROUP, deadLetterTopic: ORDERS_DEAD_LETTER_TOPIC }).toEqual({
      group: notifications.id,
      deadLetterTopic: notifications.deadLetterTopic,
    });
  });

  describe('the local launcher', () => {
    it('declares exactly the contract topics with their partitions and retention', () => {
      expect([...PLATFORM_TOPICS].sort((a, b) => a.topic.localeCompare(b.topic))).toEqual(
        Object.values(platformContract.topics)
          .map(({ name, partitions, retentionHours }) => ({ topic: name, numPartitions: partitions, retentionHours }))
          .sort((a, b) => a.topic.localeCompare(b.topic)),
      );
    });

    it('starts exactly the contract services on their ports', () => {
      expect(Object.fromEntries(PLATFORM_SERVICES.map(({ name, port }) => [name, port]))).toEqual(
        Object.fromEntries(serviceNames.map((name) => [name, platformContract.services[name].port])),
      );
      expect(PLATFORM_SERVICES).toHaveLength(serviceNames.length);
    });
  });
});
