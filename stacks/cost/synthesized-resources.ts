import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export type Cloud = 'AWS' | 'GCP';

/**
 * One billable-or-not thing of a synth, named by the type its price entry is kept under: a CloudFormation type
 * (`AWS::MSK::Cluster`), a Terraform type (`google_dataproc_cluster`, `aws_vpn_connection`), `Kubernetes <Kind>` for
 * an object applied to the cluster, or `Helm <chart>` for a chart release.
 */
export interface SynthesizedResource {
  /** Who bills it: Terraform's `aws_*` resources of the GCP stack are AWS's. */
  readonly cloud: Cloud;
  readonly type: string;
  /** Logical id, Terraform key, `<namespace>/<name>` or release name: unique within its stack. */
  readonly id: string;
  readonly properties: Record<string, any>;
}

interface CloudFormationTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, any> }>;
}

interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, any>>>;
}

/**
 * Every resource of a CloudFormation template, plus what its kubectl custom resources put in the cluster: each
 * object of a manifest as `Kubernetes <Kind>`, each Helm chart as `Helm <chart>` with its values.
 */
export function cloudFormationResources(template: CloudFormationTemplate): SynthesizedResource[] {
  return Object.entries(template.Resources).flatMap(([id, { Type, Properties = {} }]) => {
    const own: SynthesizedResource = { cloud: 'AWS', type: Type, id, properties: Properties };
    if (Type === 'Custom::AWSCDK-EKS-KubernetesResource' && Properties.Manifest !== undefined) {
      const objects = JSON.parse(tokenlessText(Properties.Manifest)) as Record<string, any>[];
      return [own, ...objects.flatMap(kubernetesResources)];
    }
    if (Type === 'Custom::AWSCDK-EKS-HelmChart') {
      const values = Properties.Values === undefined ? {} : (JSON.parse(tokenlessText(Properties.Values)) as Record<string, any>);
      return [own, helmRelease(String(Properties.Chart), String(Properties.Release ?? Properties.Chart), values)];
    }
    return [own];
  });
}

/** Every resource of a CDKTF stack's `cdk.tf.json`; data sources cost nothing and are left out. */
export function terraformResources(terraform: TerraformJson): SynthesizedResource[] {
  return Object.entries(terraform.resource ?? {}).flatMap(([type, byKey]) =>
    Object.entries(byKey).map(([id, properties]) => ({
      cloud: type.startsWith('aws_') ? ('AWS' as const) : ('GCP' as const),
      type,
      id,
      properties,
    })),
  );
}

/**
 * The objects of every YAML file under a rendered `deploy/<env>/` folder (what Argo CD syncs in gitops mode), or
 * nothing when the folder does not exist.
 */
export function renderedManifestResources(directory: string): SynthesizedResource[] {
  if (!existsSync(directory)) return [];
  return yamlFilesUnder(directory).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((document) => document.toJS() as Record<string, any> | null)
      .filter((object): object is Record<string, any> => object !== null && typeof object === 'object')
      .flatMap(kubernetesResources),
  );
}

function yamlFilesUnder(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) return yamlFilesUnder(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

/**
 * A Kubernetes object as a resource; an Argo CD Application of a Helm chart also yields the chart's release, so a
 * chart installed by Argo CD is priced like one installed by CloudFormation. A `List` yields its items.
 */
function kubernetesResources(object: Record<string, any>): SynthesizedResource[] {
  if (object.kind === 'List') return (object.items as Record<string, any>[]).flatMap(kubernetesResources);
  const id = [object.metadata?.namespace, object.metadata?.name].filter(Boolean).join('/');
  const own: SynthesizedResource = { cloud: 'AWS', type: `Kubernetes ${String(object.kind)}`, id, properties: object };
  const sources = object.kind === 'Application' ? [object.spec?.source, ...(object.spec?.sources ?? [])] : [];
  const charts = sources
    .filter((source): source is Record<string, any> => typeof source?.chart === 'string')
    .map((source) => helmRelease(source.chart, object.metadata?.name ?? source.chart, helmValuesOf(source.helm ?? {})));
  return [own, ...charts];
}

function helmValuesOf(helm: Record<string, any>): Record<string, any> {
  if (helm.valuesObject) return helm.valuesObject as Record<string, any>;
  return typeof helm.values === 'string' ? ((parseYaml(helm.values) as Record<string, any> | null) ?? {}) : {};
}

function helmRelease(chart: string, release: string, values: Record<string, any>): SynthesizedResource {
  return { cloud: 'AWS', type: `Helm ${chart}`, id: release, properties: { values } };
}

/**
 * The text of a property that CloudFormation assembles at deploy time (`Fn::Join` of fragments and intrinsics), with
 * each intrinsic written as `${...}`; only sizes and kinds are read from it, never the deploy-time values.
 */
function tokenlessText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return `\${${JSON.stringify(value).replace(/"/g, "'")}}`;
  return join[1].map((part) => (typeof part === 'string' ? part : intrinsicText(part))).join(join[0]);
}

function intrinsicText(intrinsic: unknown): string {
  const value = intrinsic as Record<string, unknown>;
  if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
  if (Array.isArray(value['Fn::GetAtt'])) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  return tokenlessText(value);
}
