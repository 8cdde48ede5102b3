import { Duration, Stack } from 'aws-cdk-lib';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventStream, Network, type EventStreamProps } from '../../../infra/aws';
import { logicalIdOf, mskGroupArn, newStack, newVpc, statementsOfRole, SYNTH_TIMEOUT } from './support';

const topics = {
  orders: { partitions: 6, retention: Duration.days(7) },
  'analytics-results': { partitions: 2, retention: Duration.days(3) },
};

describe('EventStream', () => {
  let template: Template;
  let stream: EventStream;
  let stack: Stack;
  const clusterArn = () => ({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::MSK::Cluster'), 'Arn'] });
  const topicArn = (topicName: string) => ({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::MSK::Topic', { TopicName: topicName }), 'TopicArn'] });

  beforeAll(() => {
    stack = newStack();
    stream = new EventStream(stack, 'Events', { vpc: newVpc(stack), topics, clusterName: 'shop-test-events' });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    stream.grantProduce(producer, 'orders');
    stream.grantConsume(consumer, 'orders', 'notifications');
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('is two brokers of Kafka 3.8 over two AZs with TLS, IAM auth only, and broker logs in CloudWatch', () => {
    template.hasResourceProperties('AWS::MSK::Cluster', {
      ClusterName: 'shop-test-events',
      KafkaVersion: '3.8.x',
      NumberOfBrokerNodes: 2,
      BrokerNodeGroupInfo: Match.objectLike({
        InstanceType: 'kafka.t3.small',
        ClientSubnets: [{ Ref: Match.stringLikeRegexp('privateSubnet1') }, { Ref: Match.stringLikeRegexp('privateSubnet2') }],
      }),
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: { Ref: Match.stringLikeRegexp('^EventsBrokerLogs') } } } },
    });
    template.hasResourceProperties('AWS::MSK::Configuration', {
      ServerProperties: 'auto.create.topics.enable=false\ndefault.replication.factor=2\nmin.insync.replicas=1',
    });
  });

  it('declares each topic with its partitions, replication over both brokers, one in-sync replica, and retention', () => {
    template.hasResourceProperties('AWS::MSK::Topic', {
      TopicName: 'orders',
      PartitionCount: 6,
      ReplicationFactor: 2,
      Configs: { 'Fn::Base64': JSON.stringify({ 'retention.ms': String(7 * 24 * 3600 * 1000), 'min.insync.replicas': '1' }) },
    });
    template.hasResourceProperties('AWS::MSK::Topic', { TopicName: 'analytics-results', PartitionCount: 2 });
    expect(stream.topicNames).toEqual(['orders', 'analytics-results']);
  });

  it('reads the IAM bootstrap brokers from the Kafka API at deploy time', () => {
    const calls = Object.entries(template.findResources('Custom::AWS'));
    expect(calls).toHaveLength(1);
    const [id, call] = calls[0] as [string, { Properties: { Create: unknown; Update: unknown } }];
    // The SDK call is a JSON string with the cluster ARN joined in.
    const getBootstrapBrokers = {
      'Fn::Join': [
        '',
        ['{"service":"Kafka","action":"getBootstrapBrokers","parameters":{"ClusterArn":"', clusterArn(), '"},"physicalResourceId":{"id":"', clusterArn(), '"}}'],
      ],
    };
    expect(call.Properties.Create).toEqual(getBootstrapBrokers);
    expect(call.Properties.Update).toEqual(getBootstrapBrokers);
    expect(stack.resolve(stream.bootstrapBrokers)).toEqual({ 'Fn::GetAtt': [id, 'BootstrapBrokerStringSaslIam'] });
  });

  it('lets a producer write to exactly one topic, idempotently', () => {
    expect(statementsOfRole(template, 'Producer')).toEqual([
      { Effect: 'Allow', Action: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'], Resource: clusterArn() },
      { Effect: 'Allow', Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], Resource: topicArn('orders') },
    ]);
  });

  it('lets a consumer read exactly one topic as exactly one group', () => {
    expect(statementsOfRole(template, 'Consumer')).toEqual([
      { Effect: 'Allow', Action: 'kafka-cluster:Connect', Resource: clusterArn() },
      { Effect: 'Allow', Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], Resource: topicArn('orders') },
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: mskGroupArn(logicalIdOf(template, 'AWS::MSK::Cluster'), 'shop-test-events', 'notifications'),
      },
    ]);
  });

  it('refuses grants on undeclared topics', () => {
    const role = new iam.Role(stream, 'Other', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    expect(() => stream.grantProduce(role, 'payments')).toThrow(
      "EventStream Events: unknown topic 'payments'; declared topics are orders, analytics-results",
    );
  });

  it('validates topics, version and storage', () => {
    const stack = newStack();
    const vpc = newVpc(stack);
    const props = (overrides: Partial<EventStreamProps>): EventStreamProps => ({ vpc, topics, ...overrides });
    expect(() => new EventStream(stack, 'A', props({ topics: {} }))).toThrow('EventStream A: declare at least one topic');
    expect(() => new EventStream(stack, 'B', props({ topics: { orders: { partitions: 0, retention: Duration.days(1) } } }))).toThrow(
      "EventStream B: topic 'orders' needs a positive integer partition count, got 0",
    );
    expect(() => new EventStream(stack, 'C', props({ kafkaVersion: '2.8.1' }))).toThrow("EventStream C: kafkaVersion must be 3.6 or later, got '2.8.1'");
    expect(() => new EventStream(stack, 'D', props({ topics: { 'bad topic': topics.orders } }))).toThrow("EventStream D: invalid topic name 'bad topic'");
    expect(() => new EventStream(stack, 'E', props({ brokerVolumeGiB: 0 }))).toThrow('EventStream E: brokerVolumeGiB must be 1-16384, got 0');
  });
});

describe('EventStream over three availability zones', () => {
  it('puts one broker in each zone and replicates every topic three times, two in-sync for a write', () => {
    // GIVEN a VPC over three zones
    const stack = newStack();
    const vpc = new Network(stack, 'Network', { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }).vpc;

    // WHEN
    const stream = new EventStream(stack, 'Events', { vpc, topics });
    const template = Template.fromStack(stack);

    // THEN
    template.hasResourceProperties('AWS::MSK::Cluster', {
      NumberOfBrokerNodes: 3,
      BrokerNodeGroupInfo: Match.objectLike({
        ClientSubnets: [1, 2, 3].map((zone) => ({ Ref: Match.stringLikeRegexp(`privateSubnet${zone}`) })),
      }),
    });
    template.hasResourceProperties('AWS::MSK::Configuration', {
      ServerProperties: 'auto.create.topics.enable=false\ndefault.replication.factor=3\nmin.insync.replicas=2',
    });
    for (const [topicName, settings] of Object.entries(topics)) {
      template.hasResourceProperties('AWS::MSK::Topic', {
        TopicName: topicName,
        ReplicationFactor: 3,
        Configs: { 'Fn::Base64': JSON.stringify({ 'retention.ms': String(settings.retention.toMilliseconds()), 'min.insync.replicas': '2' }) },
      });
    }
    expect([stream.brokerCount, stream.replicationFactor, stream.minInSyncReplicas]).toEqual([3, 3, 2]);
  }, SYNTH_TIMEOUT);
});
