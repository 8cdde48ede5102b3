import { Duration, type CfnResource } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, type IDependable } from 'constructs';
import { AlertNotifications } from './alert-notifications';
import type { IWorkloadCluster } from './cluster';
import { acknowledgeFindings, managedPolicyFinding } from './nag-acknowledgements';

export interface ClusterMonitoringProps {
  readonly cluster: IWorkloadCluster;
  /** The on-call address every alert is mailed to (through an SNS topic, see AlertNotifications). */
  readonly alertEmail: string;
  /**
   * How long Prometheus keeps samples.
   * @default Duration.days(15)
   */
  readonly retention?: Duration;
  /**
   * Size of Prometheus's gp3 volume, in GiB. Prometheus also stops at 85% of it, whichever of the two comes first.
   * @default 20
   */
  readonly volumeGiB?: number;
}

/** The namespace of everything that watches the shop: Prometheus, Grafana, the trace collector, Fluent Bit. */
export const MONITORING_NAMESPACE = 'monitoring';
/** kube-prometheus-stack's release name; the chart's objects are named after it (`kube-prometheus-stack-grafana`, ...). */
export const MONITORING_RELEASE = 'kube-prometheus-stack';
/** Labels of the Prometheus pods (set by the prometheus-operator), for network policies that let it scrape. */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'prometheus' };
/** The Grafana sidecar loads every ConfigMap in the monitoring namespace carrying this label as a dashboard. */
export const GRAFANA_DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;
/** The StorageClass this construct defines: encrypted gp3 EBS volumes through the EBS CSI driver. */
export const GP3_STORAGE_CLASS = 'gp3';
/** Alertmanager's service account, named in the values so that its Pod Identity association names the same one. */
export const ALERTMANAGER_SERVICE_ACCOUNT = `${MONITORING_RELEASE}-alertmanager`;

/** Pinned so that an upgrade is a reviewed change; 87.x ships prometheus-operator CRDs with ScrapeConfig (v1alpha1). */
const KUBE_PROMETHEUS_STACK = {
  chart: 'kube-prometheus-stack',
  repository: 'https://prometheus-community.github.io/helm-charts',
  version: '87.15.1',
} as const;

const requests = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { memory } });

/**
 * Prometheus, Alertmanager, Grafana, kube-state-metrics and node exporter in the cluster (kube-prometheus-stack, see
 * docs/adr/0008), in their own namespace, with Prometheus on an encrypted gp3 volume through the EBS CSI driver.
 *
 * Prometheus selects every ServiceMonitor, PodMonitor, PrometheusRule and ScrapeConfig in the cluster, not only the
 * chart's own, so that workloads declare their scraping next to themselves. Grafana is a ClusterIP Service only
 * (reached with `kubectl port-forward`, that is, with cluster credentials) and its admin password is the random one
 * the Grafana chart generates into a Secret when none is given: no password is in the template.
 *
 * EKS runs etcd, the scheduler, the controller manager and kube-proxy's metrics where Prometheus cannot reach them,
 * so their scrape jobs and rules are off instead of reporting those targets down forever.
 */
export class ClusterMonitoring extends Construct {
  readonly namespace = MONITORING_NAMESPACE;
  /** Objects in the monitoring namespace depend on this. */
  readonly namespaceReady: IDependable;
  /** The Helm release; objects of the prometheus-operator's kinds depend on it (its CRDs and admission webhook). */
  readonly release: eks.HelmChart;
  readonly cluster: IWorkloadCluster;
  readonly alerts: AlertNotifications;

  constructor(scope: Construct, id: string, props: ClusterMonitoringProps) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(15);
    const volumeGiB = props.volumeGiB ?? 20;
    validate(id, retention, volumeGiB);
    this.cluster = props.cluster;
    const eksCluster = props.cluster.eksCluster;

    const base = new Chart(new App(), 'monitoring-base');
    new k8s.KubeNamespace(base, 'namespace', {
      metadata: {
        name: MONITORING_NAMESPACE,
        // node-exporter reads the host's /proc and /sys on the host network and Fluent Bit the nodes' log files:
        // both need what the baseline and restricted standards forbid, so this namespace stays privileged.
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    });
    new k8s.KubeStorageClass(base, 'gp3', {
      metadata: { name: GP3_STORAGE_CLASS },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      // A volume is made in the zone its pod is scheduled to, not in a random one the pod then cannot reach.
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      reclaimPolicy: 'Delete',
    });
    const baseManifest = eksCluster.addCdk8sChart('MonitoringBase', base);
    // After the load balancer controller (which the workload namespace waits for): its webhook admits every Service.
    baseManifest.node.addDependency(props.cluster.namespaceReady);
    this.namespaceReady = baseManifest;

    // The namespace (and with it Prometheus's volume claim) goes before the driver that deletes the volume.
    baseManifest.node.addDependency(this.ebsCsiDriver());

    // The monitoring namespace has no default-deny policy and none selects Alertmanager: it reaches SNS over HTTPS.
    this.alerts = new AlertNotifications(this, 'Alerts', {
      eksCluster,
      email: props.alertEmail,
      alertmanagerServiceAccount: { namespace: MONITORING_NAMESPACE, name: ALERTMANAGER_SERVICE_ACCOUNT },
    });

    this.release = eksCluster.addHelmChart('KubePrometheusStack', {
      ...KUBE_PROMETHEUS_STACK,
      release: MONITORING_RELEASE,
      namespace: MONITORING_NAMESPACE,
      createNamespace: false,
      // Until the operator (and its admission webhook) runs, the PrometheusRules and ServiceMonitors applied after
      // this release would be refused.
      wait: true,
      timeout: Duration.minutes(15),
      values: {
        fullnameOverride: MONITORING_RELEASE,
        defaultRules: {
          rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
        },
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: { resources: requests('50m', '128Mi') },
        prometheus: {
          prometheusSpec: {
            retention: `${retention.toDays()}d`,
            retentionSize: `${Math.floor(volumeGiB * 0.85)}GB`,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            scrapeConfigSelectorNilUsesHelmValues: false,
            resources: requests('200m', '1Gi'),
            storageSpec: {
              volumeClaimTemplate: {
                spec: { storageClassName: GP3_STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${volumeGiB}Gi` } } },
              },
            },
          },
        },
        alertmanager: {
          serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT },
          config: this.alerts.alertmanagerConfig(),
          alertmanagerSpec: { resources: requests('25m', '64Mi') },
        },
        grafana: {
          // Empty: the Grafana chart then generates a random password into its Secret (and keeps it on upgrades).
          adminPassword: '',
          service: { type: 'ClusterIP' },
          ingress: { enabled: false },
          resources: requests('50m', '256Mi'),
          sidecar: {
            dashboards: {
              enabled: true,
              label: GRAFANA_DASHBOARD_LABEL.key,
              labelValue: GRAFANA_DASHBOARD_LABEL.value,
              searchNamespace: MONITORING_NAMESPACE,
            },
          },
        },
        'kube-state-metrics': { resources: requests('25m', '96Mi') },
        'prometheus-node-exporter': { resources: requests('25m', '48Mi') },
      },
    });
    this.release.node.addDependency(baseManifest);
    // EKS injects Pod Identity credentials into a pod when it starts: Alertmanager's must start after its association.
    this.release.node.addDependency(this.alerts);
  }

  /**
   * Applies a cdk8s chart of the prometheus-operator's kinds (ServiceMonitor, PrometheusRule, ScrapeConfig) or of
   * objects the monitoring stack reads (dashboards), after the release that defines and serves them.
   */
  applyAfterRelease(id: string, chart: Chart): eks.KubernetesManifest {
    const manifest = this.cluster.eksCluster.addCdk8sChart(id, chart);
    manifest.node.addDependency(this.release);
    return manifest;
  }

  /**
   * The EBS CSI driver (EKS add-on), which provisions Prometheus's volume: EKS has no in-tree EBS provisioner any
   * more. Its controller gets the AWS managed policy for the driver through a pod identity association.
   */
  private ebsCsiDriver(): eks.Addon {
    const role = new iam.Role(this, 'EbsCsiDriverRole', {
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags(),
      description: 'EBS CSI driver controller: creates, attaches and deletes the cluster\'s EBS volumes',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEBSCSIDriverPolicy')],
    });
    acknowledgeFindings(
      role,
      [managedPolicyFinding('service-role/AmazonEBSCSIDriverPolicy')],
      'The policy AWS maintains for the EBS CSI driver: volume and snapshot calls conditioned on the driver\'s own tags.',
    );
    const addon = new eks.Addon(this, 'EbsCsiDriver', { cluster: this.cluster.eksCluster, addonName: 'aws-ebs-csi-driver' });
    // EKS reports the add-on active only once its controller runs, so it waits for nodes (as the workload namespace does).
    addon.node.addDependency(this.cluster.namespaceReady);
    (addon.node.defaultChild as CfnResource).addPropertyOverride('PodIdentityAssociations', [
      { ServiceAccount: 'ebs-csi-controller-sa', RoleArn: role.roleArn },
    ]);
    return addon;
  }
}

function validate(id: string, retention: Duration, volumeGiB: number): void {
  const name = `ClusterMonitoring ${id}`;
  if (!Number.isInteger(retention.toDays({ integral: false })) || retention.toDays() < 1) {
    throw new Error(`${name}: retention must be a whole number of days, at least one, got ${retention.toHumanString()}`);
  }
  if (!Number.isInteger(volumeGiB) || volumeGiB < 5) {
    throw new Error(`${name}: volumeGiB must be an integer of at least 5, got ${volumeGiB}`);
  }
}
