import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { GcsBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { platformContract } from '../../contracts/platform.js';
import { AnalyticsAlerts } from '../../infra/gcp/analytics-alerts.js';
import {
  AnalyticsCluster,
  AnalyticsIdentity,
  AnalyticsNetwork,
  AwsPlatformOutputs,
  CrossCloudLink,
  DataLake,
  FlinkJob,
  type JobJarBuild,
} from '../../infra/gcp/index.js';
import { flinkAlertRules } from '../../infra/observability/index.js';
import { mskBrokerDnsDomain } from '../cross-cloud.js';
import type { AnalyticsPlatformConfig } from './config.js';

export interface AnalyticsPlatformStackProps {
  readonly config: AnalyticsPlatformConfig;
  /** The job jar, `analytics/target/order-analytics.jar` in the repository. */
  readonly jobJarPath: string;
  /** @default - no build: the jar must exist (tests pass a prebuilt fixture) */
  readonly jobJarBuild?: JobJarBuild;
}

/** The GCP half of the platform for one environment: Dataproc with Flink, the lake, the job and the link to MSK. */
export class AnalyticsPlatformStack extends TerraformStack {
  constructor(scope: Construct, id: string, { config, jobJarPath, jobJarBuild }: AnalyticsPlatformStackProps) {
    super(scope, id);
    const { gcp, aws } = config;
    const labels = { environment: config.environment, system: 'cloud-shop-analytics' };

    if (config.stateBackend) new GcsBackend(this, config.stateBackend);
    new GoogleProvider(this, 'google', { project: gcp.project, region: gcp.region, defaultLabels: labels });
    new AwsProvider(this, 'aws', { region: aws.region, defaultTags: [{ tags: { Environment: config.environment, System: 'cloud-shop-analytics' } }] });

    // The AWS stack's outputs, read when Terraform plans (deploy the AWS stack first).
    const awsPlatform = new AwsPlatformOutputs(this, 'aws-platform', {
      parameterNames: aws.parameterNames,
      expected: { region: aws.region, vpcCidr: aws.vpcCidr },
      routeTableCount: aws.zoneCount,
      resolverAddressCount: aws.resolverAddressCount,
    });
    const { msk } = awsPlatform;

    const network = new AnalyticsNetwork(this, 'network', { name: gcp.namePrefix, region: gcp.region, subnetCidr: gcp.subnetCidr });
    const dataLake = new DataLake(this, 'data-lake', { namePrefix: gcp.namePrefix, location: gcp.region, labels, ...config.dataLake });
    // The job's Kafka names and grants, as the platform contract gives them to the analytics job.
    const { analyticsJob, topics } = platformContract;
    const source = platformContract.consumerGroups.orderAnalytics;
    const { transactionalIdPrefix } = analyticsJob.kafka;
    const identity = new AnalyticsIdentity(this, 'identity', {
      project: gcp.project,
      accountId: `analytics-${config.environment}`,
      kafka: {
        clusterArn: msk.clusterArn,
        readTopics: [source.topic],
        writeTopics: analyticsJob.kafka.produces,
        consumerGroup: source.id,
        transactionalIdPrefix,
      },
    });
    const job = new FlinkJob(this, 'flink-job', {
      jarPath: jobJarPath,
      build: jobJarBuild,
      dataLake,
      identity,
      jobName: analyticsJob.name,
      kafka: {
        bootstrapBrokers: msk.bootstrapBrokers,
        awsRegion: aws.region,
        ordersTopic: source.topic,
        resultsTopic: topics.analyticsResults.name,
        deadLetterTopic: source.deadLetterTopic,
        consumerGroup: source.id,
        transactionalIdPrefix,
      },
      parallelism: config.job.parallelism,
      desiredState: config.job.desiredState,
      checkpointIntervalSeconds: config.job.checkpointIntervalSeconds,
      metricsPorts: config.job.metricsPorts,
    });
    const cluster = new AnalyticsCluster(this, 'cluster', {
      name: `${gcp.namePrefix}-flink`,
      region: gcp.region,
      subnetwork: network.subnetwork,
      identity,
      dataLake,
      master: config.cluster.master,
      workers: config.cluster.workers,
      idleDeleteTtlSeconds: config.cluster.idleDeleteTtlSeconds,
      initializationActions: [job.initializationAction],
      labels,
    });
    // Prometheus in EKS cannot reach Dataproc: the job's alerts live in Cloud Monitoring (docs/adr/0013-alerting-design.md).
    new AnalyticsAlerts(this, 'alerts', {
      namePrefix: gcp.namePrefix,
      notificationEmail: config.alerts.notificationEmail,
      prometheusRules: flinkAlertRules(),
      clusterName: cluster.cluster.name,
      jobShouldRun: config.job.desiredState === 'running',
      labels,
    });
    const link = new CrossCloudLink(this, 'link', {
      name: gcp.namePrefix,
      region: gcp.region,
      network,
      cloudRouterAsn: gcp.cloudRouterAsn,
      aws: { ...awsPlatform.vpc, amazonSideAsn: aws.amazonSideAsn },
      msk: { securityGroupId: msk.securityGroupId, ports: [9098], brokerDnsDomain: mskBrokerDnsDomain(aws.region) },
    });

    const outputs: Record<string, { value: unknown; description: string }> = {
      cluster_name: { value: cluster.cluster.name, description: 'Dataproc cluster running the Flink job' },
      lake_uri: { value: dataLake.lakeUri, description: 'Raw order events, partitioned by date and hour' },
      checkpoints_uri: { value: dataLake.checkpointsUri, description: 'Flink checkpoints' },
      savepoints_uri: { value: dataLake.savepointsUri, description: 'Flink savepoints (the launcher resumes from the newest)' },
      job_jar_uri: { value: job.jarUri, description: 'The uploaded job jar (name carries its content hash)' },
      job_manifest_uri: { value: job.manifestUri, description: 'Desired state the launcher on the master reconciles to' },
      service_account_email: { value: identity.serviceAccount.email, description: 'Identity of the cluster VMs' },
      msk_role_arn: { value: identity.awsRole.arn, description: 'AWS role the service account federates into for MSK IAM auth' },
      ha_vpn_gateway_ips: {
        value: [0, 1].map((index) => link.haVpnGateway.vpnInterfaces.get(index).ipAddress),
        description: 'Public addresses of the GCP HA VPN gateway (the AWS customer gateways)',
      },
      vpn_tunnel_names: { value: link.tunnels.map((tunnel) => tunnel.name), description: 'The four tunnels to AWS' },
    };
    for (const [name, output] of Object.entries(outputs)) new TerraformOutput(this, name, output);
  }
}
