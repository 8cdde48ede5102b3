import { createHash } from 'node:crypto';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import type { ClusterMonitoring } from './cluster-monitoring';
import {
  awsClientNetworkPolicy,
  containerResources,
  monitoringWorkloadAnnotations,
  networkPolicy,
  RESTRICTED_CONTAINER_SECURITY,
  restrictedPodSecurity,
} from './monitoring-pods';
import { tcpPort } from './network-policies';
import { acknowledgeFindings, wildcardResourceFinding } from './nag-acknowledgements';
import { LOG_GROUP_WITHOUT_CMK, acknowledgeCheckov } from './policy-acknowledgements';

/** Sizes of the OpenSearch domain and how long it keeps logs. */
export interface LogSearchSizing {
  /** An OpenSearch Service instance type, e.g. `t3.small.search`. */
  readonly instanceType: string;
  /** Data nodes; more than one spreads them (and each index's replica) over two availability zones. */
  readonly dataNodes: number;
  /** EBS gp3 storage per data node, in GiB. */
  readonly volumeGiB: number;
  /** Days a day's log index is kept before it is deleted. */
  readonly retentionDays: number;
  /**
   * Instance type of three dedicated master nodes, which keep the cluster state apart from the data nodes' load.
   * @default - no dedicated masters
   */
  readonly dedicatedMasterInstanceType?: string;
}

export interface LogPipelineProps extends LogSearchSizing {
  readonly vpc: ec2.IVpc;
  readonly monitoring: ClusterMonitoring;
  /** Namespaces whose containers' logs are shipped. */
  readonly logNamespaces: readonly string[];
  /**
   * How long the domain's own slow, error and audit logs stay in CloudWatch.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly domainLogRetention?: logs.RetentionDays;
  /**
   * What happens to the domain, its key and its log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Daily indices `logs-shop-YYYY.MM.DD` (Fluent Bit's Logstash format), which the template and retention policy match. */
export const LOG_INDEX_PREFIX = 'logs-shop';
/** The OpenSearch role Fluent Bit's IAM role is mapped to: create and write the log indices, nothing else. */
export const LOG_WRITER_ROLE = 'shop_log_writer';
const FLUENT_BIT = { chart: 'fluent-bit', repository: 'https://fluent.github.io/helm-charts', version: '0.50.0' } as const;
const FLUENT_BIT_NAME = 'fluent-bit';
/** The SigV4 signing proxy in front of the domain: Dashboards through `kubectl port-forward`, and the setup job's calls. */
export const SEARCH_PROXY_NAME = 'opensearch-proxy';
const SEARCH_PROXY_PORT = 8080;
const SIGV4_PROXY_IMAGE = 'public.ecr.aws/aws-observability/aws-sigv4-proxy:1.11.1';
const CURL_IMAGE = 'curlimages/curl:8.11.1';
/** Both images' users are replaced by this one; neither writes outside /tmp. */
const SETUP_UID = 10002;

/**
 * Centralised logs (the seed's EFK): Fluent Bit on every node tails the containers of the given namespaces, adds the
 * Kubernetes metadata, lifts the services' JSON fields to the top of each record and ships them to an Amazon
 * OpenSearch Service domain in the VPC, searched in OpenSearch Dashboards.
 *
 * The domain is encrypted at rest (its own KMS key) and between nodes, answers HTTPS with TLS 1.2 or later only,
 * accepts connections from the cluster's security group only, and uses fine-grained access control whose master user
 * is an IAM role (no password anywhere). That role belongs to a SigV4 signing proxy in the monitoring namespace:
 * operators reach Dashboards with `kubectl port-forward`, so the cluster's own access control guards it.
 *
 * A one-shot Job puts, through the proxy, the index template (`service`, `requestId`, `traceId`, `spanId` and `level`
 * as keywords), the retention policy (ISM: delete after `retentionDays`) and the mapping of Fluent Bit's IAM role to a
 * write-only OpenSearch role. A Job rather than a Lambda custom resource: the domain is reachable only from the VPC,
 * the proxy already signs, and the Job's name carries a hash of what it puts, so a change runs it again.
 */
export class LogPipeline extends Construct {
  readonly domain: opensearch.Domain;
  readonly fluentBit: eks.HelmChart;
  readonly setupChart: Chart;

  constructor(scope: Construct, id: string, props: LogPipelineProps) {
    super(scope, id);
    validate(id, props);
    const { monitoring, vpc } = props;
    const namespace = monitoring.namespace;
    const eksCluster = monitoring.cluster.eksCluster;
    const region = Stack.of(this).region;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const serviceAccount = (name: string, identityType: eks.IdentityType) => {
      const account = new eks.ServiceAccount(this, `${name}-service-account`, { cluster: eksCluster, name, namespace, identityType });
      account.node.addDependency(monitoring.namespaceReady);
      return account;
    };
    // IRSA for the proxy: its AWS SDK for Go v1 reads web identity tokens, while the Pod Identity credential
    // endpoint needs v1.47.11 or later, which the image does not promise. Fluent Bit reads Pod Identity since 4.0.
    const searchAdmin = serviceAccount(SEARCH_PROXY_NAME, eks.IdentityType.IRSA);
    const shipper = serviceAccount(FLUENT_BIT_NAME, eks.IdentityType.POD_IDENTITY);

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'OpenSearch domain of the shop logs: HTTPS from the EKS cluster only',
      allowAllOutbound: false,
    });
    // The pods' security group (the cluster's, which the nodes carry), not the control plane's.
    securityGroup.addIngressRule(
      ec2.Peer.securityGroupId(eksCluster.clusterSecurityGroupId),
      ec2.Port.tcp(443),
      'Fluent Bit and the signing proxy reach the domain over HTTPS',
    );

    const key = new kms.Key(this, 'Key', {
      description: 'Encryption at rest of the shop\'s log search domain',
      enableKeyRotation: true,
      removalPolicy,
    });
    const domainLogGroups: logs.LogGroup[] = [];
    const domainLogs = (name: string) => {
      const group = new logs.LogGroup(this, name, { retention: props.domainLogRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy });
      acknowledgeCheckov(group, [LOG_GROUP_WITHOUT_CMK]);
      domainLogGroups.push(group);
      return group;
    };
    const multiNode = props.dataNodes > 1;
    const subnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets.slice(0, multiNode ? 2 : 1);

    this.domain = new opensearch.Domain(this, 'Domain', {
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes: props.dataNodes,
        dataNodeInstanceType: props.instanceType,
        ...(props.dedicatedMasterInstanceType ? { masterNodes: 3, masterNodeInstanceType: props.dedicatedMasterInstanceType } : {}),
        multiAzWithStandbyEnabled: false,
      },
      ebs: { volumeSize: props.volumeGiB, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      zoneAwareness: multiNode ? { enabled: true, availabilityZoneCount: 2 } : { enabled: false },
      vpc,
      vpcSubnets: [{ subnets }],
      securityGroups: [securityGroup],
      encryptionAtRest: { enabled: true, kmsKey: key },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2_PFS,
      fineGrainedAccessControl: { masterUserArn: searchAdmin.role.roleArn },
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: domainLogs('SlowSearchLogs'),
        slowIndexLogEnabled: true,
        slowIndexLogGroup: domainLogs('SlowIndexLogs'),
        appLogEnabled: true,
        appLogGroup: domainLogs('ErrorLogs'),
        auditLogEnabled: true,
        auditLogGroup: domainLogs('AuditLogs'),
      },
      enableAutoSoftwareUpdate: true,
      // Declared below as a CloudFormation resource, instead of the Lambda-backed custom resource CDK would add.
      suppressLogsResourcePolicy: true,
      removalPolicy,
    });
    const logsPolicy = new logs.ResourcePolicy(this, 'DomainLogsPolicy', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: domainLogGroups.map((group) => group.logGroupArn),
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      ],
    });
    this.domain.node.addDependency(logsPolicy);
    acknowledgeDomainFindings(this.domain, props);

    // Identity policies only (the domain has no resource policy): each role reaches this domain's HTTP API, and
    // fine-grained access control decides what it may do there.
    searchAdmin.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['es:ESHttp*'], resources: [this.domain.domainArn, `${this.domain.domainArn}/*`] }),
    );
    shipper.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['es:ESHttpPost', 'es:ESHttpPut'], resources: [`${this.domain.domainArn}/*`] }));
    const domainPaths = wildcardResourceFinding(this, `${this.domain.domainArn}/*`);
    acknowledgeFindings(
      searchAdmin,
      ['AwsSolutions-IAM5[Action::es:ESHttp*]', domainPaths],
      'The master user of this one domain signs Dashboards and the setup calls: every HTTP method on every path of this domain, and no other domain.',
    );
    acknowledgeFindings(
      shipper,
      [domainPaths],
      'Fluent Bit posts bulk requests to paths of this one domain; fine-grained access control limits it to writing the log indices.',
    );

    this.fluentBit = eksCluster.addHelmChart('FluentBit', {
      ...FLUENT_BIT,
      release: FLUENT_BIT_NAME,
      namespace,
      createNamespace: false,
      values: {
        serviceAccount: { create: false, name: FLUENT_BIT_NAME },
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        config: fluentBitConfig(props.logNamespaces, this.domain.domainEndpoint, region),
      },
    });
    this.fluentBit.node.addDependency(shipper, monitoring.namespaceReady);

    this.setupChart = new Chart(new App(), 'log-search-setup');
    searchSetupObjects(Stack.of(this), this.setupChart, {
      namespace,
      region,
      domainEndpoint: this.domain.domainEndpoint,
      writerRoleArn: shipper.role.roleArn,
      retentionDays: props.retentionDays,
      replicas: multiNode ? 1 : 0,
    });
    const setup = eksCluster.addCdk8sChart('LogSearchSetup', this.setupChart);
    // The domain comes first by reference (its endpoint is in the chart); the proxy's role and account must exist too.
    setup.node.addDependency(searchAdmin);
  }
}

/**
 * Fluent Bit's pipeline: the containers' CRI log files, Kubernetes metadata with the JSON line merged into the
 * record (so `service`, `traceId`, `level` are fields), Fastify's `reqId` renamed to the contract's `requestId`, and
 * SigV4-signed bulk requests to the domain.
 */
function fluentBitConfig(namespaces: readonly string[], endpoint: string, region: string): Record<string, string> {
  const section = (name: string, entries: Record<string, string | number>) =>
    [`[${name}]`, ...Object.entries(entries).map(([key, value]) => `    ${key} ${value}`)].join('\n');
  return {
    inputs: namespaces
      .map((namespace) =>
        section('INPUT', {
          Name: 'tail',
          Path: `/var/log/containers/*_${namespace}_*.log`,
          'multiline.parser': 'cri',
          Tag: 'kube.*',
          Mem_Buf_Limit: '16MB',
          Skip_Long_Lines: 'On',
          DB: '/var/log/flb_kube.db',
        }),
      )
      .join('\n'),
    filters: [
      section('FILTER', { Name: 'kubernetes', Match: 'kube.*', Merge_Log: 'On', Keep_Log: 'Off', Labels: 'Off', Annotations: 'Off' }),
      section('FILTER', { Name: 'modify', Match: 'kube.*', Rename: 'reqId requestId' }),
    ].join('\n'),
    outputs: section('OUTPUT', {
      Name: 'opensearch',
      Match: 'kube.*',
      Host: endpoint,
      Port: 443,
      tls: 'On',
      AWS_Auth: 'On',
      AWS_Region: region,
      Logstash_Format: 'On',
      Logstash_Prefix: LOG_INDEX_PREFIX,
      Suppress_Type_Name: 'On',
      Replace_Dots: 'On',
      Trace_Error: 'On',
      Retry_Limit: 5,
    }),
  };
}

interface SearchSetup {
  readonly namespace: string;
  readonly region: string;
  readonly domainEndpoint: string;
  readonly writerRoleArn: string;
  readonly retentionDays: number;
  readonly replicas: number;
}

/** The requests the setup job makes, in order: path, method, body. */
export function searchSetupRequests(setup: Pick<SearchSetup, 'writerRoleArn' | 'retentionDays' | 'replicas'>): { path: string; method: 'PUT' | 'DELETE'; body?: unknown }[] {
  const keyword = { type: 'keyword' };
  const retentionPolicy = `${LOG_INDEX_PREFIX}-retention`;
  return [
    {
      path: `/_index_template/${LOG_INDEX_PREFIX}`,
      method: 'PUT',
      body: {
        index_patterns: [`${LOG_INDEX_PREFIX}-*`],
        priority: 100,
        template: {
          settings: { number_of_shards: 1, number_of_replicas: setup.replicas },
          mappings: { properties: { service: keyword, requestId: keyword, traceId: keyword, spanId: keyword, level: keyword, msg: { type: 'text' } } },
        },
      },
    },
    // An ISM policy is replaced only with its sequence number; deleting first keeps the job a plain list of calls.
    // Indices that already follow the policy keep the version they started with.
    { path: `/_plugins/_ism/policies/${retentionPolicy}`, method: 'DELETE' },
    {
      path: `/_plugins/_ism/policies/${retentionPolicy}`,
      method: 'PUT',
      body: {
        policy: {
          description: `Deletes a day's shop log index ${setup.retentionDays} days after it was created`,
          default_state: 'hot',
          states: [
            { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${setup.retentionDays}d` } }] },
            { name: 'delete', actions: [{ delete: {} }], transitions: [] },
          ],
          ism_template: [{ index_patterns: [`${LOG_INDEX_PREFIX}-*`], priority: 100 }],
        },
      },
    },
    {
      path: `/_plugins/_security/api/roles/${LOG_WRITER_ROLE}`,
      method: 'PUT',
      body: {
        cluster_permissions: ['cluster_monitor', 'indices:data/write/bulk'],
        index_permissions: [{ index_patterns: [`${LOG_INDEX_PREFIX}-*`], allowed_actions: ['create_index', 'write'] }],
      },
    },
    { path: `/_plugins/_security/api/rolesmapping/${LOG_WRITER_ROLE}`, method: 'PUT', body: { backend_roles: [setup.writerRoleArn] } },
  ];
}

/** The signing proxy (Deployment, Service, its network policy) and the setup Job with its request bodies. */
function searchSetupObjects(stack: Stack, chart: Chart, setup: SearchSetup): void {
  const { namespace } = setup;
  const proxyLabels = { 'app.kubernetes.io/name': SEARCH_PROXY_NAME, 'app.kubernetes.io/part-of': 'monitoring' };
  const jobLabels = { 'app.kubernetes.io/name': 'opensearch-setup', 'app.kubernetes.io/part-of': 'monitoring' };
  const probe = { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 10 };
  const tmp = { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } };

  new k8s.KubeDeployment(chart, 'proxy', {
    metadata: { name: SEARCH_PROXY_NAME, namespace, labels: proxyLabels, annotations: monitoringWorkloadAnnotations(SEARCH_PROXY_NAME) },
    spec: {
      replicas: 1,
      selector: { matchLabels: proxyLabels },
      template: {
        metadata: { labels: proxyLabels },
        spec: {
          serviceAccountName: SEARCH_PROXY_NAME,
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurity(SETUP_UID),
          containers: [
            {
              name: 'proxy',
              image: SIGV4_PROXY_IMAGE,
              imagePullPolicy: 'Always',
              args: ['--name', 'es', '--region', setup.region, '--host', setup.domainEndpoint, '--port', `:${SEARCH_PROXY_PORT}`],
              ports: [{ name: 'http', containerPort: SEARCH_PROXY_PORT }],
              readinessProbe: probe,
              livenessProbe: { ...probe, failureThreshold: 3 },
              resources: containerResources(25, 64),
              securityContext: RESTRICTED_CONTAINER_SECURITY,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [tmp],
        },
      },
    },
  });
  new k8s.KubeService(chart, 'proxy-service', {
    metadata: { name: SEARCH_PROXY_NAME, namespace, labels: proxyLabels },
    spec: { type: 'ClusterIP', selector: proxyLabels, ports: [{ name: 'http', port: SEARCH_PROXY_PORT, targetPort: k8s.IntOrString.fromString('http') }] },
  });
  // Only the setup job reaches the proxy over the network; operators come through port-forward, which policies do not see.
  awsClientNetworkPolicy(chart, SEARCH_PROXY_NAME, namespace, proxyLabels, [{ from: [{ podSelector: { matchLabels: jobLabels } }], ports: [tcpPort(SEARCH_PROXY_PORT)] }]);

  const requests = searchSetupRequests(setup);
  const bodies = Object.fromEntries(requests.flatMap((request, index) => (request.body ? [[`${index}.json`, JSON.stringify(request.body)]] : [])));
  const proxyUrl = `http://${SEARCH_PROXY_NAME}.${namespace}.svc.cluster.local:${SEARCH_PROXY_PORT}`;
  const script = [
    'set -eu',
    ...requests.map((request, index) => {
      const call = `curl -sS --retry 30 --retry-connrefused --retry-delay 10 -X ${request.method} '${proxyUrl}${request.path}'`;
      return request.body
        ? `${call} --fail-with-body -H 'Content-Type: application/json' --data-binary @/setup/${index}.json`
        : // Absent the first time: a 404 is what the delete is expected to get then.
          `${call} -o /dev/null -w '${request.path} %{http_code}\\n'`;
    }),
  ].join('\n');
  // A new name whenever the requests change: a Job's template cannot be updated, and a changed job must run again.
  // Hashed as CloudFormation will see them: a token's placeholder text changes between syntheses, its reference does not.
  const digest = createHash('sha256').update(script).update(JSON.stringify(stack.resolve(bodies))).digest('hex').slice(0, 10);
  const setupName = `opensearch-setup-${digest}`;
  new k8s.KubeConfigMap(chart, 'setup-requests', { metadata: { name: setupName, namespace, labels: jobLabels }, data: bodies });
  new k8s.KubeJob(chart, 'setup', {
    metadata: { name: setupName, namespace, labels: jobLabels, annotations: monitoringWorkloadAnnotations(setupName) },
    spec: {
      backoffLimit: 6,
      activeDeadlineSeconds: 1800,
      template: {
        metadata: { labels: jobLabels },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurity(SETUP_UID),
          containers: [
            {
              name: 'setup',
              image: CURL_IMAGE,
              imagePullPolicy: 'Always',
              command: ['/bin/sh', '-c', script],
              resources: containerResources(25, 32),
              securityContext: RESTRICTED_CONTAINER_SECURITY,
              volumeMounts: [{ name: 'requests', mountPath: '/setup', readOnly: true }],
            },
          ],
          volumes: [{ name: 'requests', configMap: { name: setupName } }],
        },
      },
    },
  });
  networkPolicy(chart, 'opensearch-setup', namespace, jobLabels, [], [{ to: [{ podSelector: { matchLabels: proxyLabels } }], ports: [tcpPort(SEARCH_PROXY_PORT)] }]);
}

function acknowledgeDomainFindings(domain: opensearch.Domain, sizing: LogSearchSizing): void {
  acknowledgeFindings(
    domain,
    ['AwsSolutions-OS3'],
    'The domain has no public endpoint: it is in private subnets behind a security group that admits only the EKS cluster, which IP allowlists would add nothing to.',
  );
  acknowledgeFindings(
    domain,
    ['AwsSolutions-OS5'],
    'No anonymous access: no resource policy and no internal users; every request must be SigV4-signed by a role whose identity policy names this domain, and fine-grained access control maps it.',
  );
  if (!sizing.dedicatedMasterInstanceType) {
    acknowledgeFindings(
      domain,
      ['AwsSolutions-OS4'],
      'Sized by configuration: without dedicated masters the data nodes keep the cluster state, enough for one environment\'s logs; prod sets them.',
    );
    acknowledgeCheckov(domain, [
      { id: 'CKV_AWS_318', reason: 'Dedicated masters are a per-environment size: this environment keeps the cluster state on its data nodes, logs can be re-shipped.' },
    ]);
  }
  if (sizing.dataNodes < 2) {
    acknowledgeFindings(
      domain,
      ['AwsSolutions-OS7'],
      'One data node by configuration (development): zone awareness needs two; losing the node loses searchable logs, not the services.',
    );
  }
}

function validate(id: string, props: LogPipelineProps): void {
  const name = `LogPipeline ${id}`;
  if (!/^[a-z0-9]+\.[a-z0-9]+\.search$/.test(props.instanceType)) {
    throw new Error(`${name}: instanceType must be an OpenSearch Service type such as 't3.small.search', got '${props.instanceType}'`);
  }
  if (!Number.isInteger(props.dataNodes) || props.dataNodes < 1 || (props.dataNodes > 1 && props.dataNodes % 2 !== 0)) {
    throw new Error(`${name}: dataNodes must be 1, or an even number spread over two zones, got ${props.dataNodes}`);
  }
  if (!Number.isInteger(props.volumeGiB) || props.volumeGiB < 10) throw new Error(`${name}: volumeGiB must be an integer of at least 10, got ${props.volumeGiB}`);
  if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) throw new Error(`${name}: retentionDays must be a positive integer, got ${props.retentionDays}`);
  if (props.logNamespaces.length === 0) throw new Error(`${name}: name at least one namespace whose logs to ship`);
}
