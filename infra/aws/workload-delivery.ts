import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct, type IDependable } from 'constructs';
import type { IWorkloadCluster } from './cluster';

/** The CDK app applies every chart itself, through CloudFormation's kubectl handler. */
export interface DirectDelivery {
  readonly mode: 'direct';
}

export type DeliveryMode = DirectDelivery;

export interface WorkloadDeliveryProps {
  readonly cluster: IWorkloadCluster;
  readonly delivery: DeliveryMode;
}

/**
 * The one way the stack's Kubernetes objects reach the cluster. Constructs build their objects as typed cdk8s charts
 * (`newChart`) and hand each finished chart to `addChart`; the environment's delivery mode decides what happens then.
 */
export class WorkloadDelivery extends Construct {
  readonly mode: DeliveryMode;
  private readonly cluster: IWorkloadCluster;
  /** Holds every chart of the stack; nothing synthesizes it to disk. */
  private readonly charts = new cdk8s.App();

  constructor(scope: Construct, id: string, props: WorkloadDeliveryProps) {
    super(scope, id);
    this.mode = props.delivery;
    this.cluster = props.cluster;
  }

  /** An empty chart named `name` (unique in the stack), for the caller to fill and then pass to `addChart`. */
  newChart(name: string): cdk8s.Chart {
    return new cdk8s.Chart(this.charts, name);
  }

  /**
   * Delivers a finished chart. In `direct` mode it becomes a manifest resource `id` under `owner` (what
   * `cluster.addCdk8sChart` makes, kept in the owner's scope so its logical id names the owner), applied after the
   * namespace and `dependsOn`, and returned for ordering.
   */
  addChart(owner: Construct, id: string, chart: cdk8s.Chart, dependsOn: readonly IDependable[] = []): eks.KubernetesManifest {
    const manifest = new eks.KubernetesManifest(owner, id, { cluster: this.cluster.eksCluster, manifest: chart.toJson() });
    manifest.node.addDependency(this.cluster.namespaceReady, ...dependsOn);
    return manifest;
  }
}
