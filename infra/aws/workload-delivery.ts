import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct, type IDependable } from 'constructs';
import YAML from 'yaml';
import { ARGO_CD_NAMESPACE, ArgoCd, ArgoCdApplication, ArgoCdAppProject, IN_CLUSTER, SYNC_POLICY } from './argo-cd';
import type { IWorkloadCluster } from './cluster';

/** The CDK app applies every chart itself, through CloudFormation's kubectl handler. */
export interface DirectDelivery {
  readonly mode: 'direct';
}

/**
 * The CDK app installs Argo CD and an app of apps reading `path` of this repository; the charts are rendered there
 * (`npm run render`) and reach the cluster only through Git.
 */
export interface GitOpsDelivery {
  readonly mode: 'gitops';
  /** The repository Argo CD clones: this one. */
  readonly repoUrl: string;
  /** The branch, tag or commit Argo CD follows. */
  readonly targetRevision: string;
  /** The folder of the rendered charts, `deploy/<environment>`. */
  readonly path: string;
  /**
   * The account the stack deploys to. The rendered manifests name the images in its CDK asset repository
   * (`<account>.dkr.ecr.<region>.amazonaws.com/cdk-hnb659fds-container-assets-<account>-<region>:<asset hash>`), which
   * must be concrete text in Git, where CloudFormation's `${AWS::AccountId}` is not substituted.
   */
  readonly account: string;
}

export type DeliveryMode = DirectDelivery | GitOpsDelivery;

export interface WorkloadDeliveryProps {
  readonly cluster: IWorkloadCluster;
  readonly delivery: DeliveryMode;
}

/** One file of `deploy/<environment>/`, by its path from the repository root. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

interface DeliveredChart {
  readonly chart: cdk8s.Chart;
  /** The chart's objects with every token resolved to text. */
  readonly objects: readonly unknown[];
}

/** The CloudFormation pseudo parameters a rendered manifest may name, and nothing else CloudFormation knows. */
type PseudoParameters = Readonly<Record<string, string>>;

/** The Argo CD project of the rendered charts' Applications, and its file beside theirs (`<path>/project.yaml`). */
const PROJECT = { name: 'shop', file: 'project' } as const;

const RENDERED_HEADER = '# Rendered by `npm run render` from the CDK app (infra/aws); edit the charts there, not this file.\n';

/**
 * The one way the stack's Kubernetes objects reach the cluster. Constructs build their objects as typed cdk8s charts
 * (`newChart`) and hand each finished chart to `addChart`; the environment's delivery mode decides what happens then:
 * `direct` applies it through CloudFormation, `gitops` renders it (see `render`) for Argo CD, which this construct
 * installs with the app of apps. Objects that hold values only CloudFormation knows go to `applyWithStack` instead.
 */
export class WorkloadDelivery extends Construct {
  readonly mode: DeliveryMode;
  /** Argo CD and the root Application, in `gitops` mode. */
  readonly argoCd?: ArgoCd;
  private readonly cluster: IWorkloadCluster;
  /** Holds every chart of the stack; nothing synthesizes it to disk. */
  private readonly charts = new cdk8s.App();
  private readonly delivered: DeliveredChart[] = [];

  constructor(scope: Construct, id: string, props: WorkloadDeliveryProps) {
    super(scope, id);
    this.mode = props.delivery;
    this.cluster = props.cluster;
    if (this.mode.mode === 'gitops') {
      validateGitOps(id, this.mode);
      this.argoCd = new ArgoCd(this, 'ArgoCd', {
        cluster: props.cluster,
        appsSource: { repoURL: this.mode.repoUrl, targetRevision: this.mode.targetRevision, path: this.mode.path },
      });
    }
  }

  /** An empty chart named `name` (unique in the stack), for the caller to fill and then pass to `addChart`. */
  newChart(name: string): cdk8s.Chart {
    if (name === PROJECT.file) throw new Error(`WorkloadDelivery ${this.node.id}: '${PROJECT.file}' names the Argo CD project's file; choose another chart name`);
    return new cdk8s.Chart(this.charts, name);
  }

  /**
   * Delivers a finished chart. `direct`: it becomes a manifest resource `id` under `owner` (what
   * `cluster.addCdk8sChart` makes, kept in the owner's scope so its logical id names the owner), applied after the
   * namespace and `dependsOn`, and returned. `gitops`: it is rendered to `<path>/<chart name>/` with an Application
   * of its own, and Argo CD starts syncing only after `dependsOn` exist. A chart may then hold no value that exists only
   * at deploy time, except an image URI in the CDK asset repository; anything else throws here.
   */
  addChart(owner: Construct, id: string, chart: cdk8s.Chart, dependsOn: readonly IDependable[] = []): eks.KubernetesManifest | undefined {
    if (this.mode.mode === 'direct') return this.applyWithStack(owner, id, chart, dependsOn);
    const stack = Stack.of(this);
    const pseudoParameters: PseudoParameters = {
      'AWS::AccountId': this.mode.account,
      'AWS::Region': stack.region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const objects = chart.toJson().map((object) => concrete(stack.resolve(object), pseudoParameters, chart.node.id));
    this.delivered.push({ chart, objects });
    (this.argoCd as ArgoCd).rootApplication.node.addDependency(...dependsOn);
    return undefined;
  }

  /**
   * Applies a chart through CloudFormation in every mode: for objects holding what only the stack knows at deploy
   * time (ARNs, endpoints, a certificate), which Git cannot hold. Applied after the namespace and `dependsOn`.
   */
  applyWithStack(owner: Construct, id: string, chart: cdk8s.Chart, dependsOn: readonly IDependable[] = []): eks.KubernetesManifest {
    const manifest = new eks.KubernetesManifest(owner, id, { cluster: this.cluster.eksCluster, manifest: chart.toJson() });
    manifest.node.addDependency(this.cluster.namespaceReady, ...dependsOn);
    return manifest;
  }

  /**
   * The files of `<path>/` in `gitops` mode, sorted by path: per chart, `<name>.yaml` with its Application (what the
   * root Application syncs) and `<name>/manifests.yaml` with its objects, in the chart's order; and `project.yaml`,
   * the AppProject that lets those Applications read only this repository and write only the charts' namespaces.
   */
  render(): RenderedFile[] {
    if (this.mode.mode !== 'gitops') throw new Error(`WorkloadDelivery ${this.node.id}: only gitops delivery renders files; this stack applies its charts directly`);
    const { repoUrl, targetRevision, path } = this.mode;
    const applications = new cdk8s.Chart(new cdk8s.App(), 'applications');
    const namespaces = new Set(this.delivered.flatMap(({ objects }) => objects.map((object) => (object as { metadata: { namespace?: string } }).metadata.namespace ?? this.cluster.namespace)));
    const project = new ArgoCdAppProject(applications, PROJECT.file, {
      // Synced before the Applications that name it.
      metadata: { name: PROJECT.name, namespace: ARGO_CD_NAMESPACE, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      spec: {
        description: `The charts rendered to ${path}: only from this repository, only into their namespaces, nothing cluster-wide`,
        sourceRepos: [repoUrl],
        destinations: [...namespaces].sort().map((namespace) => ({ server: IN_CLUSTER, namespace })),
        clusterResourceWhitelist: [],
      },
    });
    const files: RenderedFile[] = [];
    for (const { chart, objects } of this.delivered) {
      const name = chart.node.id;
      new ArgoCdApplication(applications, name, {
        // Removing the file prunes the Application, and the finalizer then deletes its objects too.
        metadata: { name, namespace: ARGO_CD_NAMESPACE, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
        spec: {
          project: PROJECT.name,
          source: { repoURL: repoUrl, targetRevision, path: `${path}/${name}`, directory: { recurse: false } },
          destination: { server: IN_CLUSTER, namespace: this.cluster.namespace },
          syncPolicy: SYNC_POLICY,
        },
      });
      files.push({ path: `${path}/${name}/manifests.yaml`, content: yamlDocuments(objects) });
    }
    for (const object of applications.node.children as cdk8s.ApiObject[]) {
      const file = object === project ? PROJECT.file : object.name;
      files.push({ path: `${path}/${file}.yaml`, content: yamlDocuments([object.toJson()]) });
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

function yamlDocuments(objects: readonly unknown[]): string {
  return RENDERED_HEADER + objects.map((object) => YAML.stringify(object, { lineWidth: 0 })).join('---\n');
}

/**
 * A resolved value as concrete text: CloudFormation intrinsics are evaluated where they name only pseudo parameters
 * (what an image URI in the CDK asset repository holds); anything else would exist only at deploy time.
 */
function concrete(value: unknown, pseudo: PseudoParameters, chartName: string): unknown {
  const fail = (): never => {
    throw new Error(
      `WorkloadDelivery: chart '${chartName}' holds ${JSON.stringify(value)}, a value CloudFormation knows only at deploy time; ` +
        'Git cannot hold it, so apply the object holding it with applyWithStack',
    );
  };
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => concrete(item, pseudo, chartName));
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && (key === 'Ref' || key?.startsWith('Fn::'))) {
    if (key === 'Ref') return pseudo[argument as string] ?? fail();
    if (key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      const texts = parts.map((part) => concrete(part, pseudo, chartName));
      return texts.every((text) => typeof text === 'string') ? texts.join(separator) : fail();
    }
    if (key === 'Fn::Sub' && typeof argument === 'string') {
      const text = argument.replace(/\$\{([^}]+)\}/g, (whole, name: string) => pseudo[name] ?? whole);
      return text.includes('${') ? fail() : text;
    }
    return fail();
  }
  return Object.fromEntries(entries.map(([name, item]) => [name, concrete(item, pseudo, chartName)]));
}

function validateGitOps(id: string, delivery: GitOpsDelivery): void {
  const name = `WorkloadDelivery ${id}`;
  if (!/^\d{12}$/.test(delivery.account)) throw new Error(`${name}: gitops delivery needs the 12-digit account the stack deploys to, got '${delivery.account}'`);
  if (!/^deploy\/[a-z0-9-]+$/.test(delivery.path)) throw new Error(`${name}: the rendered charts live in deploy/<environment>, got path '${delivery.path}'`);
}
