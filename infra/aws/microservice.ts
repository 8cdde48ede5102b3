import path from 'node:path';
import { Stack, Token, type RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as cdk8s from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, type IDependable } from 'constructs';
import type { IWorkloadCluster } from './cluster';
import { serviceMonitorFor } from './monitoring-objects';
import { type CheckovAcknowledgement, checkovSkipAnnotations } from './policy-acknowledgements';
import { REPOSITORY_ROOT, RUNTIME_DIRECTORY, requireSourceFile } from './repository-layout';
import type { WorkloadDelivery } from './workload-delivery';

/** A fixed number of replicas. */
export interface FixedReplicas {
  readonly replicas: number;
}

/** A HorizontalPodAutoscaler on average CPU utilisation. */
export interface CpuAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilisation, in percent of the request, that the HPA holds the pods at. */
  readonly targetCpuUtilization: number;
}

export type MicroserviceScaling = FixedReplicas | CpuAutoscaling;

/** Container resources; requests equal limits for memory so a pod is never OOM-killed for a neighbour's use. */
export interface ContainerResources {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

/**
 * The service's public endpoint: an internet-facing Application Load Balancer made by the AWS Load Balancer Controller
 * from an Ingress, sending to the pods' IPs. HTTPS on 443 is its only listener unless plain HTTP is asked for by name.
 */
export interface PublicEndpointOptions {
  /** Certificate for HTTPS on port 443; required unless `plainHttp` is set. */
  readonly certificate?: acm.ICertificate;
  /**
   * Listen on plain HTTP port 80 instead, without TLS: for a development environment with no certificate yet.
   * @default false
   */
  readonly plainHttp?: boolean;
  /**
   * A regional AWS WAF web ACL that the controller associates with the load balancer.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
}

export interface MicroserviceProps {
  readonly cluster: IWorkloadCluster;
  /** How the service's Kubernetes objects reach the cluster. */
  readonly delivery: WorkloadDelivery;
  /** The service's name: its Kubernetes name, its DNS name in the cluster, and its folder under the runtime directory. */
  readonly serviceName: string;
  /** The port the service listens on (docs/runtime-contract.md). */
  readonly port: number;
  readonly scaling: MicroserviceScaling;
  /**
   * Environment beyond PORT, HOST, AWS_REGION and the shutdown timing (SHUTDOWN_DRAIN_MS, SHUTDOWN_CLOSE_TIMEOUT_MS),
   * which are always set; the shutdown timing may not be overridden, because the pod's grace period is derived from it.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Resources of each pod's container.
   * @default { cpuMillicores: 250, memoryMiB: 256 }
   */
  readonly resources?: ContainerResources;
  /**
   * Expose the service to the internet through an Application Load Balancer (see PublicEndpointOptions).
   * @default - reachable only inside the cluster
   */
  readonly publicEndpoint?: PublicEndpointOptions;
  /**
   * Have the cluster's Prometheus scrape the service's `/metrics` through a ServiceMonitor in the service's chart.
   * `operatorReady` is what installs the prometheus-operator's CRDs; the chart is applied after it.
   * @default - no ServiceMonitor
   */
  readonly scrapedByPrometheus?: { readonly operatorReady: IDependable };
  /**
   * Directory holding `<serviceName>/src/server.ts`.
   * @default the repository's `runtime/`
   */
  readonly runtimeDirectory?: string;
  /**
   * Docker build context; the Dockerfile is `runtime/Dockerfile` inside it.
   * @default the repository root
   */
  readonly buildContext?: string;
  /**
   * What happens to the service account's IAM role and pod identity association when they leave the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

const DEFAULT_RESOURCES: ContainerResources = { cpuMillicores: 250, memoryMiB: 256 };

/*
 * Shutdown without dropped requests. When a pod is deleted, Kubernetes takes it out of the Service's endpoints and,
 * at the same time, runs its preStop hook; only then does the process get SIGTERM. The preStop sleep covers the
 * seconds kube-proxy on every node (or, for a public service, the load balancer) needs to stop routing new
 * connections to the pod. Then the process drains: it fails readiness and still serves, answering with
 * `Connection: close`, so clients holding keep-alive connections to this pod (other services' pools go through the
 * Service IP but stay on the pod they connected to) reconnect to another one. Then it closes: in-flight requests
 * finish, producers flush, consumers commit. The grace period covers all three and a margin, so the process always
 * exits on its own before the kubelet would kill it.
 */
/** Seconds the preStop hook waits for in-cluster routing (kube-proxy) to drop the pod. */
const PRE_STOP_SECONDS = 5;
/** Seconds the preStop hook waits behind the load balancer, whose target deregistration is slower. */
const PUBLIC_PRE_STOP_SECONDS = 15;
/** SHUTDOWN_DRAIN_MS: still serving after SIGTERM, so keep-alive clients move to other pods. */
const SHUTDOWN_DRAIN_SECONDS = 5;
/** SHUTDOWN_CLOSE_TIMEOUT_MS: in-flight requests (the gateway allows an order 10 s) and the flushes of producers and consumers. */
const SHUTDOWN_CLOSE_TIMEOUT_SECONDS = 20;
/** Between the process's own forced exit and the kubelet's SIGKILL. */
const SHUTDOWN_MARGIN_SECONDS = 5;
const SHUTDOWN_VARIABLES = ['SHUTDOWN_DRAIN_MS', 'SHUTDOWN_CLOSE_TIMEOUT_MS'];
/** checkov findings on every service's Deployment that this design answers another way (the reasons may not contain '='). */
const DEPLOYMENT_ACKNOWLEDGEMENTS: readonly CheckovAcknowledgement[] = [
  {
    id: 'CKV_K8S_11',
    reason: 'CPU is requested and not capped: a CFS quota throttles the Node.js event loop even when the node has idle cores, and the request is what the scheduler and the HPA count on',
  },
  {
    id: 'CKV_K8S_43',
    reason: "The tag is the sha256 of the image's build inputs in CDK's asset repository, whose tags are immutable, so it names one image as a digest would",
  },
  {
    id: 'CKV_K8S_15',
    reason: 'The tag is immutable (a content hash in an ECR repository with immutable tags), so IfNotPresent always runs the image the manifest names',
  },
];

/** The `nonroot` user of the distroless Node.js image. */
const NONROOT_UID = 65532;
/** The container port's name, which the probes and the Service's target port refer to. */
const HTTP_PORT = k8s.IntOrString.fromString('http');
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** TLS 1.3 and 1.2 with forward-secret ciphers only: AWS's recommended policy for HTTPS listeners. */
export const PUBLIC_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

const isAutoscaled = (scaling: MicroserviceScaling): scaling is CpuAutoscaling => 'minReplicas' in scaling;

/**
 * One shop service on EKS: its image (built from `runtime/Dockerfile` at deploy time), Deployment, Service, HPA or
 * fixed replicas, PodDisruptionBudget, and a service account whose IAM role (through EKS Pod Identity) holds exactly
 * what is granted to this construct.
 */
export class Microservice extends Construct implements iam.IGrantable {
  readonly serviceName: string;
  readonly port: number;
  /** The URL other pods reach this service at. */
  readonly internalUrl: string;
  readonly image: DockerImageAsset;
  readonly serviceAccount: eks.ServiceAccount;
  readonly grantPrincipal: iam.IPrincipal;
  /** The service's Kubernetes objects (Deployment, Service, disruption budget, HPA, ServiceMonitor): one chart. */
  readonly chart: cdk8s.Chart;
  /** The workload chart as applied by CloudFormation (`direct` delivery only), for ordering other manifests after it. */
  readonly workload?: eks.KubernetesManifest;
  /**
   * What only the stack knows, applied by CloudFormation in every delivery mode: a ConfigMap with the environment
   * values that exist at deploy time, and the Ingress with the load balancer's certificate and web ACL.
   * Undefined when the service has neither.
   */
  readonly stackValues?: eks.KubernetesManifest;
  /** The labels of this service's pods, which its Service and network policies select. */
  readonly podLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    validate(id, props);
    const { cluster, serviceName, port, scaling } = props;
    const namespace = cluster.namespace;
    const resources = props.resources ?? DEFAULT_RESOURCES;

    const runtimeDirectory = props.runtimeDirectory ?? RUNTIME_DIRECTORY;
    requireSourceFile(
      `Microservice ${id}`,
      `unknown service folder '${serviceName}': its entry point runtime/${serviceName}/src/server.ts`,
      path.join(runtimeDirectory, serviceName, 'src', 'server.ts'),
    );

    this.serviceName = serviceName;
    this.port = port;
    this.internalUrl = `http://${serviceName}.${namespace}.svc.cluster.local:${port}`;

    this.image = new DockerImageAsset(this, 'Image', {
      directory: props.buildContext ?? REPOSITORY_ROOT,
      file: 'runtime/Dockerfile',
      buildArgs: { SERVICE: serviceName },
      platform: Platform.LINUX_AMD64,
    });

    this.serviceAccount = new eks.ServiceAccount(this, 'ServiceAccount', {
      cluster: cluster.eksCluster,
      name: serviceName,
      namespace,
      identityType: eks.IdentityType.POD_IDENTITY,
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
    });
    this.serviceAccount.node.addDependency(cluster.namespaceReady);
    this.grantPrincipal = this.serviceAccount.grantPrincipal;

    const labels = { 'app.kubernetes.io/name': serviceName, 'app.kubernetes.io/part-of': 'shop' };
    this.podLabels = labels;
    const preStopSeconds = props.publicEndpoint ? PUBLIC_PRE_STOP_SECONDS : PRE_STOP_SECONDS;
    const environment: Record<string, string> = {
      PORT: String(port),
      HOST: '0.0.0.0',
      AWS_REGION: Stack.of(this).region,
      SHUTDOWN_DRAIN_MS: String(SHUTDOWN_DRAIN_SECONDS * 1000),
      SHUTDOWN_CLOSE_TIMEOUT_MS: String(SHUTDOWN_CLOSE_TIMEOUT_SECONDS * 1000),
      ...props.environment,
    };

    // Values CloudFormation learns only while it deploys (ARNs, endpoints, the user pool) reach the pods through a
    // ConfigMap the stack applies itself, so the workload chart holds none and renders the same for Argo CD.
    const stackValuesName = `${serviceName}-stack-values`;
    const deployTimeValues = Object.entries(environment).filter(([, value]) => Token.isUnresolved(value));
    const stackValues = props.delivery.newChart(stackValuesName);
    const metadata = { name: serviceName, namespace, labels };
    if (deployTimeValues.length > 0) {
      new k8s.KubeConfigMap(stackValues, 'Environment', {
        metadata: { ...metadata, name: stackValuesName },
        data: Object.fromEntries(deployTimeValues),
      });
    }
    const containerEnvironment: k8s.EnvVar[] = Object.entries(environment).map(([name, value]) =>
      Token.isUnresolved(value) ? { name, valueFrom: { configMapKeyRef: { name: stackValuesName, key: name } } } : { name, value },
    );

    const chart = props.delivery.newChart(serviceName);
    new k8s.KubeDeployment(chart, 'Deployment', {
      metadata: { ...metadata, annotations: checkovSkipAnnotations(serviceName, DEPLOYMENT_ACKNOWLEDGEMENTS) },
      spec: {
        // With an HPA the replica count belongs to the HPA; setting it here would reset the scale on every deploy.
        ...(isAutoscaled(scaling) ? {} : { replicas: scaling.replicas }),
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceName,
            // No service calls the Kubernetes API. Pod Identity mounts its own token, for its own audience, regardless.
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: preStopSeconds + SHUTDOWN_DRAIN_SECONDS + SHUTDOWN_CLOSE_TIMEOUT_SECONDS + SHUTDOWN_MARGIN_SECONDS,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: NONROOT_UID,
              runAsGroup: NONROOT_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: labels },
              },
            ],
            containers: [
              {
                name: serviceName,
                image: this.image.imageUri,
                ports: [{ name: 'http', containerPort: port }],
                env: containerEnvironment,
                resources: {
                  requests: { cpu: k8s.Quantity.fromString(`${resources.cpuMillicores}m`), memory: k8s.Quantity.fromString(`${resources.memoryMiB}Mi`) },
                  limits: { memory: k8s.Quantity.fromString(`${resources.memoryMiB}Mi`) },
                },
                readinessProbe: { httpGet: { path: '/readyz', port: HTTP_PORT }, periodSeconds: 5, failureThreshold: 3 },
                // The sleep action (stable since Kubernetes 1.34): the distroless image has no shell to run `sleep` in.
                lifecycle: { preStop: { sleep: { seconds: preStopSeconds } } },
                livenessProbe: {
                  httpGet: { path: '/healthz', port: HTTP_PORT },
                  initialDelaySeconds: 10,
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            // The root filesystem is read-only; Node and the AWS SDK still expect a writable /tmp.
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });

    new k8s.KubeService(chart, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'http', port, targetPort: HTTP_PORT }],
      },
    });

    new k8s.KubePodDisruptionBudget(chart, 'DisruptionBudget', {
      metadata,
      // At most one pod down for node drains and upgrades, whatever the replica count.
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });

    // The load balancer's certificate and web ACL are the stack's too.
    if (props.publicEndpoint) {
      new k8s.KubeIngress(stackValues, 'Ingress', {
        metadata: { ...metadata, annotations: loadBalancerAnnotations(props.publicEndpoint) },
        spec: {
          // The IngressClass the controller's chart installs.
          ingressClassName: 'alb',
          rules: [
            {
              http: {
                paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: serviceName, port: { number: port } } } }],
              },
            },
          ],
        },
      });
    }
    if (isAutoscaled(scaling)) {
      new k8s.KubeHorizontalPodAutoscalerV2(chart, 'Autoscaler', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: serviceName },
          minReplicas: scaling.minReplicas,
          maxReplicas: scaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.targetCpuUtilization } },
            },
          ],
        },
      });
    }

    if (props.scrapedByPrometheus) serviceMonitorFor(chart, { serviceName, namespace, serviceLabels: labels });

    this.chart = chart;
    this.stackValues = stackValues.node.children.length > 0 ? props.delivery.applyWithStack(this, 'StackValues', stackValues) : undefined;
    this.workload = props.delivery.addChart(this, 'Workload', chart, [
      this.serviceAccount,
      ...(this.stackValues ? [this.stackValues] : []),
      ...(props.scrapedByPrometheus ? [props.scrapedByPrometheus.operatorReady] : []),
    ]);
  }
}

function validate(id: string, props: MicroserviceProps): void {
  const name = `Microservice ${id}`;
  if (!DNS_LABEL.test(props.serviceName)) {
    throw new Error(`${name}: serviceName must be a lowercase DNS label, got '${props.serviceName}'`);
  }
  if (!Number.isInteger(props.port) || props.port < 1024 || props.port > 65535) {
    throw new Error(`${name}: port must be an unprivileged port (1024-65535), got ${props.port}`);
  }
  const { scaling } = props;
  if (isAutoscaled(scaling)) {
    if (!Number.isInteger(scaling.minReplicas) || scaling.minReplicas < 1) {
      throw new Error(`${name}: minReplicas must be a positive integer, got ${scaling.minReplicas}`);
    }
    if (!Number.isInteger(scaling.maxReplicas) || scaling.maxReplicas < scaling.minReplicas) {
      throw new Error(`${name}: HPA minReplicas (${scaling.minReplicas}) is above maxReplicas (${scaling.maxReplicas})`);
    }
    if (scaling.targetCpuUtilization < 1 || scaling.targetCpuUtilization > 100) {
      throw new Error(`${name}: targetCpuUtilization must be a percentage between 1 and 100, got ${scaling.targetCpuUtilization}`);
    }
  } else if (!Number.isInteger(scaling.replicas) || scaling.replicas < 1) {
    throw new Error(`${name}: replicas must be a positive integer, got ${scaling.replicas}`);
  }
  const overridden = SHUTDOWN_VARIABLES.filter((variable) => props.environment?.[variable] !== undefined);
  if (overridden.length > 0) {
    throw new Error(`${name}: environment may not set ${overridden.join(', ')}; the construct sets the shutdown timing together with the pod's grace period`);
  }
  const resources = props.resources ?? DEFAULT_RESOURCES;
  if (resources.cpuMillicores <= 0 || resources.memoryMiB <= 0) {
    throw new Error(`${name}: resources must be positive, got ${JSON.stringify(resources)}`);
  }
  const endpoint = props.publicEndpoint;
  if (endpoint && Boolean(endpoint.certificate) === Boolean(endpoint.plainHttp)) {
    throw new Error(
      `${name}: publicEndpoint needs either a certificate (HTTPS on 443) or plainHttp: true (HTTP on 80, development only), ${endpoint.certificate ? 'not both' : 'got neither'}`,
    );
  }
}

/**
 * Annotations read by the AWS Load Balancer Controller: an internet-facing ALB sending straight to pod IPs, with one
 * listener. The ALB adds the caller's address to X-Forwarded-For, which the service trusts from the VPC's addresses.
 */
function loadBalancerAnnotations(options: PublicEndpointOptions): Record<string, string> {
  return {
    'alb.ingress.kubernetes.io/scheme': 'internet-facing',
    'alb.ingress.kubernetes.io/target-type': 'ip',
    'alb.ingress.kubernetes.io/healthcheck-path': '/readyz',
    // Requests with header names that are not valid HTTP are dropped rather than passed to the pods.
    'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
    ...(options.certificate
      ? {
          'alb.ingress.kubernetes.io/listen-ports': JSON.stringify([{ HTTPS: 443 }]),
          'alb.ingress.kubernetes.io/certificate-arn': options.certificate.certificateArn,
          'alb.ingress.kubernetes.io/ssl-policy': PUBLIC_TLS_POLICY,
        }
      : { 'alb.ingress.kubernetes.io/listen-ports': JSON.stringify([{ HTTP: 80 }]) }),
    ...(options.webAclArn ? { 'alb.ingress.kubernetes.io/wafv2-acl-arn': options.webAclArn } : {}),
  };
}
