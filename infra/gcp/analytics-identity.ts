import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { invalid, isPlanTimeValue } from './validation.js';

/** What the job may do on the MSK cluster. */
export interface KafkaAccess {
  /** ARN of the MSK cluster, `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>` (an output of the AWS stack). */
  readonly clusterArn: string;
  /** Topics the job consumes. */
  readonly readTopics: readonly string[];
  /** Topics the job produces to. */
  readonly writeTopics: readonly string[];
  /** Consumer group of the job's Kafka source. */
  readonly consumerGroup: string;
  /** Prefix of the transactional ids of the exactly-once Kafka sink. */
  readonly transactionalIdPrefix: string;
}

export interface AnalyticsIdentityProps {
  /** The GCP project the service account lives in. */
  readonly project: string;
  /** Service account id (6 to 30 characters); also names the AWS role. */
  readonly accountId: string;
  readonly kafka: KafkaAccess;
  /**
   * Audience the Google ID token is requested for; the AWS trust policy accepts no other.
   * @default 'sts.amazonaws.com'
   */
  readonly tokenAudience?: string;
}

const MSK_CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/;
const SERVICE_ACCOUNT_ID = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/;

/**
 * The one identity of the analytics workload, in both clouds: a dedicated Google service account the
 * Dataproc VMs run as (with only `roles/dataproc.worker` on the project; bucket access is granted per bucket
 * by `DataLake`), and an AWS IAM role that this service account, and nothing else, may assume with a
 * Google-signed ID token (`sts:AssumeRoleWithWebIdentity`) to use MSK with IAM auth. No key exists anywhere.
 */
export class AnalyticsIdentity extends Construct {
  readonly serviceAccount: ServiceAccount;
  /** `serviceAccount:<email>`, for IAM bindings. */
  readonly member: string;
  /** The project binding of `roles/dataproc.worker`; a cluster must not be created before it exists. */
  readonly workerRoleBinding: ProjectIamMember;
  readonly awsRole: IamRole;
  readonly tokenAudience: string;
  /** What the AWS role may do on MSK. */
  readonly kafka: KafkaAccess;

  constructor(scope: Construct, id: string, props: AnalyticsIdentityProps) {
    super(scope, id);
    if (!SERVICE_ACCOUNT_ID.test(props.accountId)) {
      throw invalid('AnalyticsIdentity', 'accountId', props.accountId, 'a service account id of 6 to 30 characters ([a-z][-a-z0-9]*)');
    }
    const { kafka } = props;
    if (!isPlanTimeValue(kafka.clusterArn) && !MSK_CLUSTER_ARN.test(kafka.clusterArn)) {
      throw invalid('AnalyticsIdentity', 'kafka.clusterArn', kafka.clusterArn, 'an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)');
    }
    if (kafka.readTopics.length === 0) throw invalid('AnalyticsIdentity', 'kafka.readTopics', kafka.readTopics, 'at least one topic');
    for (const [prop, value] of [['consumerGroup', kafka.consumerGroup], ['transactionalIdPrefix', kafka.transactionalIdPrefix]] as const) {
      if (!/^[A-Za-z0-9._-]+$/.test(value)) throw invalid('AnalyticsIdentity', `kafka.${prop}`, value, 'a Kafka name ([A-Za-z0-9._-]+)');
    }
    this.tokenAudience = props.tokenAudience ?? 'sts.amazonaws.com';
    this.kafka = kafka;

    this.serviceAccount = new ServiceAccount(this, 'service-account', {
      project: props.project,
      accountId: props.accountId,
      displayName: 'Dataproc analytics cluster (Flink)',
    });
    this.member = `serviceAccount:${this.serviceAccount.email}`;
    this.workerRoleBinding = new ProjectIamMember(this, 'dataproc-worker', {
      project: props.project,
      role: 'roles/dataproc.worker',
      member: this.member,
    });

    // For Google-issued tokens AWS maps accounts.google.com:aud to the token's azp claim (the service
    // account's numeric unique id) and accounts.google.com:oaud to its aud claim (the requested audience).
    this.awsRole = new IamRole(this, 'msk-role', {
      name: `${props.accountId}-msk`,
      description: 'Assumed by the GCP analytics service account through Google web identity federation to use MSK.',
      maxSessionDuration: 3600,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: 'accounts.google.com' },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                'accounts.google.com:aud': this.serviceAccount.uniqueId,
                'accounts.google.com:sub': this.serviceAccount.uniqueId,
                'accounts.google.com:oaud': this.tokenAudience,
              },
            },
          },
        ],
      }),
    });
    new IamRolePolicy(this, 'msk-access', {
      role: this.awsRole.id,
      name: 'msk-iam-access',
      policy: JSON.stringify(kafkaPolicy(kafka)),
    });
  }
}

function kafkaPolicy(kafka: KafkaAccess) {
  // Topic, group and transactional-id ARNs share the cluster's name and uuid: ...:topic/<name>/<uuid>/<topic>.
  const resourceArn = (kind: string, name: string) =>
    `${isPlanTimeValue(kafka.clusterArn) ? Fn.replace(kafka.clusterArn, ':cluster/', `:${kind}/`) : kafka.clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
  const statement = (sid: string, actions: string[], resources: string[]) => ({ Sid: sid, Effect: 'Allow', Action: actions, Resource: resources });
  const statements = [
    statement('Connect', ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], [kafka.clusterArn]),
    statement('ReadTopics', ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], kafka.readTopics.map((topic) => resourceArn('topic', topic))),
    statement('ConsumerGroup', ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], [resourceArn('group', kafka.consumerGroup)]),
  ];
  if (kafka.writeTopics.length > 0) {
    statements.push(
      statement('WriteTopics', ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], kafka.writeTopics.map((topic) => resourceArn('topic', topic))),
      // Kafka 3 producers are idempotent by default, and transactional ones always are; MSK checks this on the cluster.
      statement('IdempotentWrites', ['kafka-cluster:WriteDataIdempotently'], [kafka.clusterArn]),
      // The exactly-once sink writes in transactions whose ids start with this prefix.
      statement('Transactions', ['kafka-cluster:DescribeTransactionalId', 'kafka-cluster:AlterTransactionalId'], [resourceArn('transactional-id', `${kafka.transactionalIdPrefix}*`)]),
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}
