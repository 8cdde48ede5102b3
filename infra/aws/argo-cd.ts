import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct } from 'constructs';
import type { IWorkloadCluster } from './cluster';
import { ARGO_CD_CONTROLLER, ARGO_CD_REPO_SERVER, ARGO_CD_SMALL_PODS, type AddOnRequests } from './platform-add-ons';

/*
 * Typed objects of Argo CD's Application CRD (argoproj.io/v1alpha1). cdk8s has no generated types for it, so these
 * interfaces cover the fields the shop uses, named as in the CRD.
 */

/** Where an Application's manifests are read: a folder of plain YAML at a revision of a Git repository. */
export interface ApplicationSource {
  readonly repoURL: string;
  /** Branch, tag or commit. */
  readonly targetRevision: string;
  /** Folder inside the repository. */
  readonly path: string;
  /** Plain manifests in the folder itself; subfolders are other Applications' sources. */
  readonly directory: { readonly recurse: boolean };
}

export interface ApplicationSpec {
  readonly project: string;
  readonly source: ApplicationSource;
  /** The cluster Argo CD runs in, and the namespace of objects that name none. */
  readonly destination: { readonly server: string; readonly namespace: string };
  readonly syncPolicy: {
    /** Sync every new revision; prune what left Git; undo changes made beside Git. */
    readonly automated: { readonly prune: boolean; readonly selfHeal: boolean };
    /** Retry a failed sync, e.g. while a CRD that another release installs does not exist yet. */
    readonly retry?: { readonly limit: number; readonly backoff: { readonly duration: string; readonly factor: number; readonly maxDuration: string } };
  };
}

/** An Argo CD Application: keeps the objects of `spec.source` in the cluster as Git has them. */
export class ArgoCdApplication extends cdk8s.ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: cdk8s.ApiObjectMetadata; readonly spec: ApplicationSpec }) {
    super(scope, id, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...props });
  }
}

export interface AppProjectSpec {
  readonly description: string;
  /** Repositories the project's Applications may read. */
  readonly sourceRepos: readonly string[];
  /** Where they may apply objects. */
  readonly destinations: readonly { readonly server: string; readonly namespace: string }[];
  /** Cluster-scoped kinds they may apply; empty allows none (no namespaces, roles or CRDs from Git). */
  readonly clusterResourceWhitelist: readonly { readonly group: string; readonly kind: string }[];
}

/** An Argo CD AppProject: what its Applications may read and where they may write. */
export class ArgoCdAppProject extends cdk8s.ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: cdk8s.ApiObjectMetadata; readonly spec: AppProjectSpec }) {
    super(scope, id, { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', ...props });
  }
}

/** The namespace Argo CD runs in and keeps its Applications in. */
export const ARGO_CD_NAMESPACE = 'argocd';
/** The cluster Argo CD itself runs in, as Argo CD names it. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';
/** The argo-cd chart of the Argo project's Helm repository: chart 9.1.0 installs Argo CD v3.2.0. */
export const ARGO_CD_CHART = { chart: 'argo-cd', repository: 'https://argoproj.github.io/argo-helm', version: '9.1.0' } as const;

const requests = ({ cpuMillicores, memoryMiB }: AddOnRequests) => ({ requests: { cpu: `${cpuMillicores}m`, memory: `${memoryMiB}Mi` } });

/**
 * How every Application the shop declares syncs: automatically, pruning what Git no longer holds and reverting
 * changes made in the cluster, so Git is the only way to change the workloads and a revert is a rollback.
 */
export const SYNC_POLICY: ApplicationSpec['syncPolicy'] = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
};

export interface ArgoCdProps {
  readonly cluster: IWorkloadCluster;
  /** The folder of Application objects the root Application (app of apps) syncs. */
  readonly appsSource: Omit<ApplicationSource, 'directory'>;
  /**
   * Name of the root Application.
   * @default 'shop'
   */
  readonly rootApplicationName?: string;
}

/**
 * Argo CD from its Helm chart (pinned) in its own namespace, with its API and UI reachable only inside the cluster
 * (a ClusterIP Service, no Ingress: operators use `kubectl port-forward`), and the root Application of an app of
 * apps: it syncs a folder holding one Application per chart, and each of those syncs the chart's folder.
 */
export class ArgoCd extends Construct {
  readonly release: eks.HelmChart;
  /** The root Application as applied by CloudFormation; what the workloads need from the stack comes before it. */
  readonly rootApplication: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id);
    const { eksCluster } = props.cluster;
    this.release = new eks.HelmChart(this, 'Release', {
      cluster: eksCluster,
      ...ARGO_CD_CHART,
      release: 'argo-cd',
      namespace: ARGO_CD_NAMESPACE,
      createNamespace: true,
      // The root Application below needs the CRDs and the application controller running.
      wait: true,
      timeout: Duration.minutes(10),
      values: {
        // Object names as in Argo CD's own manifests and documentation (argocd-server, argocd-repo-server, ...).
        fullnameOverride: 'argocd',
        server: { service: { type: 'ClusterIP' }, ingress: { enabled: false }, resources: requests(ARGO_CD_SMALL_PODS) },
        // No single sign-on is configured, so Dex would only be an idle pod with a login page.
        dex: { enabled: false },
        // The chart requests nothing, so the scheduler would count nothing; these are the capacity table's figures
        // (infra/aws/platform-add-ons.ts), enough for the shop's handful of Applications.
        controller: { resources: requests(ARGO_CD_CONTROLLER) },
        repoServer: { resources: requests(ARGO_CD_REPO_SERVER) },
        redis: { resources: requests(ARGO_CD_SMALL_PODS) },
        applicationSet: { resources: requests(ARGO_CD_SMALL_PODS) },
        notifications: { resources: requests(ARGO_CD_SMALL_PODS) },
      },
    });

    const chart = new cdk8s.Chart(new cdk8s.App(), 'argo-cd-root');
    new ArgoCdApplication(chart, 'Root', {
      // No cascading finalizer: deleting the stack removes the root, and the workloads go with the cluster.
      metadata: { name: props.rootApplicationName ?? 'shop', namespace: ARGO_CD_NAMESPACE },
      spec: {
        project: 'default',
        source: { ...props.appsSource, directory: { recurse: false } },
        destination: { server: IN_CLUSTER, namespace: ARGO_CD_NAMESPACE },
        syncPolicy: SYNC_POLICY,
      },
    });
    this.rootApplication = new eks.KubernetesManifest(this, 'RootApplication', { cluster: eksCluster, manifest: chart.toJson() });
    this.rootApplication.node.addDependency(this.release, props.cluster.namespaceReady);
  }
}
