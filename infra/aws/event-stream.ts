import { Arn, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeFindings, acknowledgeOnStackSingleton, managedPolicyFinding, wildcardResourceFinding } from './nag-acknowledgements';
import { DEPLOY_TIME_HANDLER, LOG_GROUP_WITHOUT_CMK, OUTSIDE_VPC, acknowledgeCheckov, acknowledgeCheckovOnStackSingleton } from './policy-acknowledgements';

export interface TopicSettings {
  readonly partitions: number;
  /** How long records are kept. */
  readonly retention: Duration;
}

export interface EventStreamProps {
  readonly vpc: ec2.IVpc;
  /** Topics to declare; auto-creation is off, so these are all the topics there are. */
  readonly topics: Readonly<Record<string, TopicSettings>>;
  /**
   * MSK cluster name, unique in the account and region.
   * @default '<stack name>-events'
   */
  readonly clusterName?: string;
  /**
   * Apache Kafka version (MSK's version string).
   * @default '3.8.x'
   */
  readonly kafkaVersion?: string;
  /**
   * Broker instance type.
   * @default 'kafka.t3.small'
   */
  readonly brokerInstanceType?: string;
  /**
   * EBS storage per broker, in GiB.
   * @default 20
   */
  readonly brokerVolumeGiB?: number;
  /**
   * How long broker logs are kept in CloudWatch.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly brokerLogRetention?: logs.RetentionDays;
  /**
   * What happens to the cluster and its log group when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** TLS listener for IAM-authenticated clients. */
const IAM_TLS_PORT = 9098;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const CONSUMER_GROUP = /^[a-zA-Z0-9._-]{1,248}\*?$/;

/**
 * Amazon MSK (provisioned) with TLS in transit and at rest, IAM client authentication, declared topics and broker
 * logs in CloudWatch. One broker per availability zone of the VPC's private subnets, every topic replicated to each:
 * over three zones a write needs two in-sync replicas (a quorum, so one zone can fail without losing an acknowledged
 * record); over two zones it needs one, so that producers keep writing while the other broker is patched. Clients
 * are allowed in with `connections` and authorised per topic with `grantProduce` and `grantConsume`.
 */
export class EventStream extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly clusterArn: string;
  readonly clusterName: string;
  /** `host:port,host:port` of the IAM (SASL/OAUTHBEARER over TLS) listeners. */
  readonly bootstrapBrokers: string;
  /** One per availability zone of the VPC's private subnets. */
  readonly brokerCount: number;
  /** Replicas of every topic: one per broker. */
  readonly replicationFactor: number;
  /** Replicas that must have a write before an `acks=all` producer gets its acknowledgement. */
  readonly minInSyncReplicas: number;
  private readonly topicArns = new Map<string, string>();

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.clusterName = props.clusterName ?? `${stack.stackName}-events`.toLowerCase();
    validate(id, this.clusterName, props);
    // MSK places brokers round-robin over the client subnets, so one subnet per zone gives one broker per zone.
    const privateSubnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, onePerAz: true });
    const brokerCount = privateSubnets.subnetIds.length;
    if (brokerCount < 2 || brokerCount > 3) {
      throw new Error(`EventStream ${id}: the VPC's private subnets must span two or three availability zones, got ${brokerCount}`);
    }
    this.brokerCount = brokerCount;
    this.replicationFactor = brokerCount;
    this.minInSyncReplicas = brokerCount - 1;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `MSK brokers of ${this.clusterName}`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(IAM_TLS_PORT),
    });

    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
      retention: props.brokerLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    acknowledgeCheckov(brokerLogs, [LOG_GROUP_WITHOUT_CMK]);

    const kafkaVersion = props.kafkaVersion ?? '3.8.x';
    const configuration = new msk.CfnConfiguration(this, 'Configuration', {
      name: `${this.clusterName}-brokers`,
      kafkaVersionsList: [kafkaVersion],
      serverProperties: [
        // Topics are declared here and nowhere else.
        'auto.create.topics.enable=false',
        // Cluster defaults equal to the declared topics' settings. MSK's own defaults for the internal offsets and
        // transaction topics already follow the zone count (3 and 2 in-sync over three zones, 2 and 1 over two).
        `default.replication.factor=${this.replicationFactor}`,
        `min.insync.replicas=${this.minInSyncReplicas}`,
      ].join('\n'),
    });

    const cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: this.clusterName,
      kafkaVersion,
      numberOfBrokerNodes: brokerCount,
      brokerNodeGroupInfo: {
        instanceType: props.brokerInstanceType ?? 'kafka.t3.small',
        clientSubnets: privateSubnets.subnetIds,
        securityGroups: [securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: props.brokerVolumeGiB ?? 20 } },
      },
      clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
      encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      enhancedMonitoring: 'DEFAULT',
      // Prometheus in the cluster scrapes each broker's JMX exporter (11001) and node exporter (11002).
      openMonitoring: { prometheus: { jmxExporter: { enabledInBroker: true }, nodeExporter: { enabledInBroker: true } } },
    });
    cluster.applyRemovalPolicy(removalPolicy);
    this.clusterArn = cluster.attrArn;

    for (const [topicName, settings] of Object.entries(props.topics)) {
      const topic = new msk.CfnTopic(this, `Topic-${topicName}`, {
        clusterArn: cluster.attrArn,
        topicName,
        partitionCount: settings.partitions,
        replicationFactor: this.replicationFactor,
        configs: Fn.base64(
          JSON.stringify({
            'retention.ms': String(settings.retention.toMilliseconds()),
            'min.insync.replicas': String(this.minInSyncReplicas),
          }),
        ),
      });
      this.topicArns.set(topicName, topic.attrTopicArn);
    }

    // CloudFormation exposes no broker addresses for MSK, so they are read once from the Kafka API at deploy time.
    const brokers = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onUpdate: {
        service: 'Kafka',
        action: 'getBootstrapBrokers',
        parameters: { ClusterArn: cluster.attrArn },
        physicalResourceId: cr.PhysicalResourceId.of(cluster.attrArn),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [cluster.attrArn] }),
      installLatestAwsSdk: false,
    });
    this.bootstrapBrokers = brokers.getResponseField('BootstrapBrokerStringSaslIam');

    acknowledgeOnStackSingleton(
      this,
      'AWS679f53fac002430cb0da5b7982bd2287',
      [managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole')],
      "CDK's AwsCustomResource function (reads the broker addresses): it writes only its own logs.",
    );
    acknowledgeCheckovOnStackSingleton(this, 'AWS679f53fac002430cb0da5b7982bd2287', [...DEPLOY_TIME_HANDLER, OUTSIDE_VPC]);
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-MSK6',
      reason: 'Broker logs go to the CloudWatch log group created beside the cluster.',
    });
  }

  /** Topic names declared on this stream. */
  get topicNames(): string[] {
    return [...this.topicArns.keys()];
  }

  /**
   * Lets the grantee write to one topic with an idempotent producer, and nothing else on the cluster. Idempotent
   * producers (the Kafka 3 default, and the shop's) must also be allowed `WriteDataIdempotently` on the cluster: MSK's
   * IAM authorizer implies it only for principals that may write to every topic, unlike Kafka's ACLs (KIP-679).
   */
  grantProduce(grantee: iam.IGrantable, topicName: string): iam.Grant {
    return this.grantOnCluster(grantee, ['kafka-cluster:WriteDataIdempotently'], [
      { actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], resourceArns: [this.topicArn(topicName)] },
    ]);
  }

  /**
   * Lets the grantee read one topic as one consumer group, and nothing else on the cluster. A group id ending in `*`
   * is a prefix, for clients that join with one group per replica.
   */
  grantConsume(grantee: iam.IGrantable, topicName: string, groupId: string): iam.Grant {
    if (!CONSUMER_GROUP.test(groupId)) {
      throw new Error(`EventStream ${this.node.id}: invalid consumer group id '${groupId}'`);
    }
    const groupArn = this.groupArn(groupId);
    const grant = this.grantOnCluster(grantee, [], [
      { actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resourceArns: [this.topicArn(topicName)] },
      { actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], resourceArns: [groupArn] },
    ]);
    const principal = grantee.grantPrincipal;
    if (groupId.endsWith('*') && Construct.isConstruct(principal)) {
      acknowledgeFindings(
        principal,
        [wildcardResourceFinding(this, groupArn)],
        `Consumer groups under the prefix '${groupId}' on this one cluster: one group per replica, so that each replica reads every record.`,
      );
    }
    return grant;
  }

  private grantOnCluster(grantee: iam.IGrantable, clusterActions: string[], scoped: { actions: string[]; resourceArns: string[] }[]): iam.Grant {
    const connect = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:Connect', ...clusterActions],
      resourceArns: [this.clusterArn],
    });
    return scoped.reduce((grant, { actions, resourceArns }) => grant.combine(iam.Grant.addToPrincipal({ grantee, actions, resourceArns })), connect);
  }

  private topicArn(topicName: string): string {
    const arn = this.topicArns.get(topicName);
    if (!arn) {
      throw new Error(`EventStream ${this.node.id}: unknown topic '${topicName}'; declared topics are ${this.topicNames.join(', ')}`);
    }
    return arn;
  }

  /** Group ARNs follow the cluster's: `...:group/<cluster name>/<cluster uuid>/<group id>`. */
  private groupArn(groupId: string): string {
    const clusterUuid = Fn.select(2, Fn.split('/', this.clusterArn));
    return Arn.format(
      { service: 'kafka', resource: 'group', resourceName: `${this.clusterName}/${clusterUuid}/${groupId}` },
      Stack.of(this),
    );
  }
}

function validate(id: string, clusterName: string, props: EventStreamProps): void {
  const name = `EventStream ${id}`;
  if (!/^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/.test(clusterName)) {
    throw new Error(`${name}: clusterName must be 1-64 letters, digits or hyphens, got '${clusterName}'`);
  }
  const topics = Object.entries(props.topics);
  if (topics.length === 0) throw new Error(`${name}: declare at least one topic`);
  for (const [topicName, settings] of topics) {
    if (!TOPIC_NAME.test(topicName)) throw new Error(`${name}: invalid topic name '${topicName}'`);
    if (!Number.isInteger(settings.partitions) || settings.partitions < 1) {
      throw new Error(`${name}: topic '${topicName}' needs a positive integer partition count, got ${settings.partitions}`);
    }
    if (settings.retention.toMilliseconds() < Duration.hours(1).toMilliseconds()) {
      throw new Error(`${name}: topic '${topicName}' retention must be at least one hour, got ${settings.retention.toHumanString()}`);
    }
  }
  const volume = props.brokerVolumeGiB ?? 20;
  if (!Number.isInteger(volume) || volume < 1 || volume > 16384) {
    throw new Error(`${name}: brokerVolumeGiB must be 1-16384, got ${volume}`);
  }
  if (!/^\d+\.\d+\.(\d+|x)$/.test(props.kafkaVersion ?? '3.8.x')) {
    throw new Error(`${name}: kafkaVersion must look like '3.8.x' or '3.6.0', got '${props.kafkaVersion}'`);
  }
  const [major, minor] = (props.kafkaVersion ?? '3.8.x').split('.').map(Number) as [number, number];
  if (major < 3 || (major === 3 && minor < 6)) {
    throw new Error(`${name}: kafkaVersion must be 3.6 or later, got '${props.kafkaVersion}'`);
  }
}
