import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { ClusterMonitoring } from './cluster-monitoring';
import {
  awsClientNetworkPolicy,
  containerResources,
  monitoringWorkloadAnnotations,
  RESTRICTED_CONTAINER_SECURITY,
  restrictedPodSecurity,
} from './monitoring-pods';
import { tcpPort } from './network-policies';
import { acknowledgeFindings } from './nag-acknowledgements';

export interface TraceCollectorProps {
  readonly monitoring: ClusterMonitoring;
  /** Namespaces whose pods send spans; only they may reach the collector's OTLP port. */
  readonly clientNamespaces: readonly string[];
  /**
   * Collector replicas; spans in a stopped replica's batch are lost, so more than one keeps a rollout from losing any.
   * @default 1
   */
  readonly replicas?: number;
}

/** The collector's name: its Deployment, Service, service account and pod label `app.kubernetes.io/name`. */
export const TRACE_COLLECTOR_NAME = 'otel-collector';
/** OTLP over HTTP (the services' exporter appends /v1/traces). */
export const OTLP_HTTP_PORT = 4318;
const HEALTH_PORT = 13133;
/** AWS Distro for OpenTelemetry: the upstream collector with AWS's exporters, supported by AWS. */
const ADOT_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.47.0';
/** The ADOT image's non-root user. */
const ADOT_UID = 10001;
const CONFIG_DIRECTORY = '/etc/otel';

/**
 * An OpenTelemetry collector (ADOT) that receives the pods' spans over OTLP/HTTP and sends them to AWS X-Ray, at
 * `http://otel-collector.monitoring.svc.cluster.local:4318`. Its role (through EKS Pod Identity) may put trace
 * segments and telemetry and read sampling rules, nothing else.
 *
 * The gateway's `shop.request_id` span attribute becomes an indexed X-Ray annotation, so a trace can be found from the
 * request id a client saw (`annotation.shop_request_id = "<id>"` in the X-Ray console). The services' fully random W3C
 * trace ids are sent as they are: the exporter's timestamp check (`exporter.awsxray.skiptimestampvalidation`) has
 * been off by default since collector 0.84, so no X-Ray id generator is needed in the services.
 */
export class TraceCollector extends Construct {
  /** The value for the services' OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly serviceAccount: eks.ServiceAccount;
  readonly manifest: eks.KubernetesManifest;
  readonly chart: Chart;

  constructor(scope: Construct, id: string, props: TraceCollectorProps) {
    super(scope, id);
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`TraceCollector ${id}: replicas must be a positive integer, got ${replicas}`);
    if (props.clientNamespaces.length === 0) throw new Error(`TraceCollector ${id}: name at least one client namespace`);
    const { monitoring } = props;
    const namespace = monitoring.namespace;
    const eksCluster = monitoring.cluster.eksCluster;
    this.endpoint = `http://${TRACE_COLLECTOR_NAME}.${namespace}.svc.cluster.local:${OTLP_HTTP_PORT}`;

    this.serviceAccount = new eks.ServiceAccount(this, 'ServiceAccount', {
      cluster: eksCluster,
      name: TRACE_COLLECTOR_NAME,
      namespace,
      identityType: eks.IdentityType.POD_IDENTITY,
    });
    this.serviceAccount.node.addDependency(monitoring.namespaceReady);
    this.serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        resources: ['*'],
      }),
    );
    acknowledgeFindings(
      this.serviceAccount,
      ['AwsSolutions-IAM5[Resource::*]'],
      'X-Ray defines no resource types for putting segments and telemetry or reading sampling rules; the four actions are all the collector may do.',
    );

    const chart = new Chart(new App(), 'trace-collector');
    this.chart = chart;
    const labels = { 'app.kubernetes.io/name': TRACE_COLLECTOR_NAME, 'app.kubernetes.io/part-of': 'monitoring' };
    const config = new k8s.KubeConfigMap(chart, 'config', {
      metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
      data: { 'collector.yaml': stringify(collectorConfig(Stack.of(this).region)) },
    });
    new k8s.KubeDeployment(chart, 'deployment', {
      metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels, annotations: monitoringWorkloadAnnotations(TRACE_COLLECTOR_NAME) },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: TRACE_COLLECTOR_NAME,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(ADOT_UID),
            containers: [
              {
                name: 'collector',
                image: ADOT_IMAGE,
                imagePullPolicy: 'Always',
                args: [`--config=${CONFIG_DIRECTORY}/collector.yaml`],
                ports: [
                  { name: 'otlp-http', containerPort: OTLP_HTTP_PORT },
                  { name: 'health', containerPort: HEALTH_PORT },
                ],
                readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('health') }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('health') }, periodSeconds: 15, failureThreshold: 3 },
                resources: containerResources(50, 192),
                securityContext: RESTRICTED_CONTAINER_SECURITY,
                volumeMounts: [{ name: 'config', mountPath: CONFIG_DIRECTORY, readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: config.name } }],
          },
        },
      },
    });
    new k8s.KubeService(chart, 'service', {
      metadata: { name: TRACE_COLLECTOR_NAME, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'otlp-http', port: OTLP_HTTP_PORT, targetPort: k8s.IntOrString.fromString('otlp-http') }],
      },
    });
    awsClientNetworkPolicy(chart, TRACE_COLLECTOR_NAME, namespace, labels, [
      {
        from: props.clientNamespaces.map((client) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': client } } })),
        ports: [tcpPort(OTLP_HTTP_PORT)],
      },
    ]);

    this.manifest = eksCluster.addCdk8sChart('TraceCollector', chart);
    this.manifest.node.addDependency(this.serviceAccount);
  }
}

/** OTLP/HTTP in, a memory limit and batches, X-Ray out. */
function collectorConfig(region: string): Record<string, unknown> {
  return {
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    receivers: { otlp: { protocols: { http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } } },
    processors: {
      // Refuses spans (the SDKs retry) rather than being OOM-killed when X-Ray is slow.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: { timeout: '5s' },
    },
    exporters: { awsxray: { region, indexed_attributes: ['shop.request_id'] } },
    service: {
      extensions: ['health_check'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['awsxray'] } },
    },
  };
}
