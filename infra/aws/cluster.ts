import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { type CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct, type IDependable } from 'constructs';
import { acknowledgeFindings, managedPolicyFinding, wildcardResourceFinding } from './nag-acknowledgements';
import { DEPLOY_TIME_HANDLER, OUTSIDE_VPC, acknowledgeCheckov, acknowledgeCheckovOnStackSingleton } from './policy-acknowledgements';

/** What a workload needs from the cluster it runs on: the cluster, its namespace, and when that namespace exists. */
export interface IWorkloadCluster {
  readonly eksCluster: eks.ICluster;
  /** The namespace the shop's workloads live in. */
  readonly namespace: string;
  /** Workloads depend on this so that their namespace exists before them. */
  readonly namespaceReady: IDependable;
}

export interface ClusterProps {
  readonly vpc: ec2.IVpc;
  /**
   * The EKS cluster's name. A literal name lets IAM policies and node discovery tags name the cluster (Karpenter's
   * controller policy conditions on `kubernetes.io/cluster/<name>` tags).
   * @default - a name CloudFormation generates
   */
  readonly clusterName?: string;
  /**
   * Instance type of the managed node group, which runs the system add-ons (and Karpenter, where it is used).
   * @default t3.medium
   */
  readonly nodeInstanceType?: ec2.InstanceType;
  /**
   * Fewest worker nodes; at least one per AZ keeps a zone outage from taking every replica.
   * @default 2
   */
  readonly minNodes?: number;
  /**
   * Most worker nodes.
   * @default 4
   */
  readonly maxNodes?: number;
  /**
   * Namespace created for the shop's workloads.
   * @default 'shop'
   */
  readonly namespace?: string;
  /**
   * CIDR blocks allowed to reach the Kubernetes API from the internet. Empty keeps the endpoint private
   * (reachable from the VPC, where the kubectl handler runs).
   * @default - private endpoint only
   */
  readonly apiPublicAccessCidrs?: readonly string[];
  /**
   * IAM role ARNs granted cluster-admin through EKS access entries (for operators' `kubectl`).
   * @default - only the deploying role and the kubectl handler can administer the cluster
   */
  readonly administratorRoleArns?: readonly string[];
  /**
   * What happens to the cluster and its node group when they leave the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * EKS 1.35 through aws-eks-v2 on a managed node group in the private subnets, with the add-ons the shop's workloads
 * rely on: metrics-server (for the HPAs), the AWS Load Balancer Controller (for the gateway's load balancer), the
 * Pod Identity agent (for per-service IAM roles) and the VPC CNI with its network policy agent (which enforces the
 * namespace's NetworkPolicies). Kubernetes secrets are envelope-encrypted with a customer managed KMS key.
 *
 * Managed node groups rather than Auto Mode: Auto Mode adds a per-instance management fee on top of EC2 and runs its
 * own load balancing and scaling components, while the design asks for metrics-server and the Load Balancer
 * Controller explicitly; a node group keeps the instance type, and so the bill, under our control.
 */
export class Cluster extends Construct implements IWorkloadCluster {
  readonly eksCluster: eks.Cluster;
  readonly namespace: string;
  readonly namespaceReady: IDependable;
  /** The managed node group: nodes that exist before any node autoscaler does. */
  readonly systemNodes: eks.Nodegroup;
  /** The cluster's name: the literal `clusterName` prop when given, else CloudFormation's generated one (a token). */
  readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const minNodes = props.minNodes ?? 2;
    const maxNodes = props.maxNodes ?? 4;
    if (!Number.isInteger(minNodes) || minNodes < 1) {
      throw new Error(`Cluster ${id}: minNodes must be a positive integer, got ${minNodes}`);
    }
    if (!Number.isInteger(maxNodes) || maxNodes < minNodes) {
      throw new Error(`Cluster ${id}: maxNodes (${maxNodes}) must be an integer no smaller than minNodes (${minNodes})`);
    }
    this.namespace = props.namespace ?? 'shop';
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(this.namespace)) {
      throw new Error(`Cluster ${id}: namespace must be an RFC 1123 label, got '${this.namespace}'`);
    }
    const publicCidrs = props.apiPublicAccessCidrs ?? [];
    const endpointAccess = publicCidrs.length > 0
      ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...publicCidrs)
      : eks.EndpointAccess.PRIVATE;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: 'Envelope encryption of the EKS cluster\'s Kubernetes secrets',
      enableKeyRotation: true,
      removalPolicy,
    });

    const cluster = new eks.Cluster(this, 'Eks', {
      ...(props.clusterName ? { clusterName: props.clusterName } : {}),
      version: eks.KubernetesVersion.V1_35,
      vpc: props.vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      endpointAccess,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      // The kubectl layer's minor version must match the cluster's (kubectl supports one minor of skew).
      kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(this, 'KubectlLayer') },
      albController: { version: eks.AlbControllerVersion.V3_2_2 },
      secretsEncryptionKey: secretsKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      removalPolicy,
    });

    // The control plane encrypts and decrypts the secrets' data keys with its own role (what EKS documents for the
    // cluster role; aws-eks-v2, unlike aws-eks, does not grant it), from the moment the cluster is created.
    secretsKey
      .grant(cluster.role, 'kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey')
      .applyBefore(cluster.node.defaultChild as CfnResource);

    const workers = cluster.addNodegroupCapacity('Workers', {
      instanceTypes: [props.nodeInstanceType ?? new ec2.InstanceType('t3.medium')],
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      minSize: minNodes,
      maxSize: maxNodes,
      desiredSize: minNodes,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    // The HPAs read CPU utilisation from the metrics API, which metrics-server provides (EKS community add-on).
    new eks.Addon(this, 'MetricsServer', { cluster, addonName: 'metrics-server' });
    // Without the network policy agent, NetworkPolicy objects are accepted and silently not enforced.
    const vpcCni = new eks.Addon(this, 'VpcCni', {
      cluster,
      addonName: 'vpc-cni',
      configurationValues: { enableNetworkPolicy: 'true' },
    });
    // EKS installs the VPC CNI itself when it creates a cluster; the managed add-on takes that installation over.
    (vpcCni.node.defaultChild as CfnResource).addPropertyOverride('ResolveConflicts', 'OVERWRITE');

    (props.administratorRoleArns ?? []).forEach((roleArn, index) => {
      cluster.grantClusterAdmin(`Administrator${index}`, roleArn);
    });

    const namespaceManifest = cluster.addManifest('Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: this.namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    // The controller's chart needs nodes to run on. Workloads come after the controller: its webhook must be up when
    // their Services are created, and on delete their load balancers must be removed while it still runs.
    if (cluster.albController) {
      cluster.albController.node.addDependency(workers);
      namespaceManifest.node.addDependency(cluster.albController);
    }
    this.namespaceReady = namespaceManifest;
    this.eksCluster = cluster;
    this.systemNodes = workers;
    this.clusterName = props.clusterName ?? cluster.clusterName;

    acknowledgeClusterFindings(cluster, workers);
    Validations.of(cluster).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason: "aws-eks-v2 writes EncryptionConfig Resources ['secrets'], the one value the EKS API accepts; CloudFormation's schema marks the property deprecated but still passes it on.",
    });

    if (publicCidrs.length > 0) {
      Validations.of(cluster).acknowledge({
        id: 'AwsSolutions-EKS1',
        reason: `The public API endpoint is limited to ${publicCidrs.join(', ')} by configuration, for operators without VPC access.`,
      });
    }
  }
}

/** The load balancer controller's published IAM policy (as shipped by aws-eks-v2) scopes these to ELB and SG ARNs by tag. */
const LOAD_BALANCER_CONTROLLER_WILDCARDS = [
  '*',
  'arn:<AWS::Partition>:ec2:*:*:security-group/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:loadbalancer/app/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:loadbalancer/net/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:targetgroup/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener-rule/app/*/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener-rule/net/*/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener/app/*/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener/net/*/*/*',
];

/** Findings on the roles and functions aws-eks-v2 creates for the cluster, each with why it stays as it is. */
function acknowledgeClusterFindings(cluster: eks.Cluster, workers: eks.Nodegroup): void {
  acknowledgeFindings(
    cluster.role,
    [managedPolicyFinding('AmazonEKSClusterPolicy')],
    'EKS requires this AWS managed policy on the cluster role; AWS maintains it with the service.',
  );
  acknowledgeFindings(
    workers.role,
    ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map(managedPolicyFinding),
    'The managed policies EKS documents for node roles (join the cluster, assign pod IPs, pull images); pods get their own roles through Pod Identity.',
  );

  const kubectlProvider = cluster.kubectlProvider;
  if (kubectlProvider) {
    const handler = kubectlProvider.node.findChild('Handler') as lambda.Function;
    const handlerRole = handler.role?.node.defaultChild as iam.CfnRole | undefined;
    const publicEcrPolicies = ((Stack.of(cluster).resolve(handlerRole?.managedPolicyArns) ?? []) as unknown[])
      .filter((arn) => JSON.stringify(arn).includes('AmazonElasticContainerRegistryPublicReadOnly'))
      .map((arn) => `AwsSolutions-IAM4[Policy::${flattenCfnReference(arn)}]`);
    acknowledgeFindings(
      kubectlProvider,
      [
        managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
        managedPolicyFinding('service-role/AWSLambdaVPCAccessExecutionRole'),
        managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
        ...publicEcrPolicies,
        wildcardResourceFinding(cluster, `${handler.functionArn}:*`),
        'AwsSolutions-L1',
      ],
      "aws-eks-v2's kubectl handler: CDK sets its runtime and roles (logs, VPC ENIs, the kubectl layer's image pull, invoking its own versions).",
    );
    // Both run in the cluster's VPC, so only the deploy-time and environment checks need a word.
    const environmentWithoutSecret = {
      id: 'CKV_AWS_173',
      reason: "aws-eks-v2's kubectl provider: its environment holds an STS endpoint setting and the handler's ARN, no secret.",
    };
    acknowledgeCheckov(handler, [...DEPLOY_TIME_HANDLER, environmentWithoutSecret]);
    acknowledgeCheckov(kubectlProvider.node.findChild('Provider').node.findChild('framework-onEvent'), [...DEPLOY_TIME_HANDLER, environmentWithoutSecret]);
  }
  if (cluster.albController) {
    acknowledgeFindings(
      cluster.albController,
      LOAD_BALANCER_CONTROLLER_WILDCARDS.map((resource) => `AwsSolutions-IAM5[Resource::${resource}]`),
      'The AWS Load Balancer Controller creates and tags load balancers, target groups and security groups whose ARNs exist only at run time; this is its upstream policy.',
    );
    const serviceAccount = cluster.albController.node.findChild('alb-sa');
    acknowledgeCheckov(serviceAccount.node.findChild('Role').node.findChild('DefaultPolicy'), [
      {
        id: 'CKV_AWS_111',
        reason:
          "The AWS Load Balancer Controller's upstream policy: it creates load balancers, target groups and security groups whose ARNs exist only at run time, most writes conditioned on the controller's cluster tag.",
      },
    ]);
    // The service account's trust conditions are a CfnJson, resolved by a CDK handler added once per stack.
    acknowledgeCheckovOnStackSingleton(cluster, 'AWSCDKCfnUtilsProviderCustomResourceProvider/Handler', [...DEPLOY_TIME_HANDLER, OUTSIDE_VPC]);
  }
}
