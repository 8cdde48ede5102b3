import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import YAML from 'yaml';
import { createShopApp } from '../../stacks/aws/shop-app';
import { addAnalyticsStacks } from '../../stacks/gcp/analytics-app';

/** The GCP stacks need a job jar only to upload it; the fixture jar keeps this test independent of a Maven build. */
const FIXTURE_JOB_JAR = fileURLToPath(new URL('../infra/gcp/fixtures/order-analytics.jar', import.meta.url));

export interface Synthesis {
  /** The CloudFormation templates of every AWS environment. */
  readonly templates: string[];
  /** The `cdk.tf.json` of every GCP environment. */
  readonly terraformFiles: string[];
  /** One JSON file per Kubernetes object the AWS templates apply or deploy/ holds for Argo CD, in a folder per stack. */
  readonly manifestsDir: string;
}

/** Synthesizes the real AWS app (every environment, with the repository's sources) and the GCP app into `workDir`. */
export function synthesizeAll(workDir: string): Synthesis {
  const awsOut = join(workDir, 'cdk.out');
  const aws = createShopApp({ outdir: awsOut });
  aws.app.synth();
  const templates = aws.stacks.map((stack) => join(awsOut, stack.templateFile));

  const gcpOut = join(workDir, 'cdktf.out');
  const gcp = new App({ outdir: gcpOut });
  addAnalyticsStacks(gcp, FIXTURE_JOB_JAR);
  gcp.synth();
  const stacksDir = join(gcpOut, 'stacks');
  const terraformFiles = readdirSync(stacksDir).map((stack) => join(stacksDir, stack, 'cdk.tf.json'));

  const manifestsDir = join(workDir, 'kubernetes');
  for (const template of templates) {
    const stackDir = join(manifestsDir, template.split('/').pop()!.replace('.template.json', ''));
    mkdirSync(stackDir, { recursive: true });
    for (const { logicalId, index, object } of kubernetesObjectsOf(JSON.parse(readFileSync(template, 'utf8')))) {
      writeFileSync(join(stackDir, `${logicalId}-${index}.json`), JSON.stringify(object, null, 2));
    }
  }
  // A gitops environment's workloads reach its cluster through Argo CD from the rendered deploy/ files instead.
  for (const stack of aws.stacks.filter((candidate) => candidate.delivery.mode.mode === 'gitops')) {
    const stackDir = join(manifestsDir, stack.stackName);
    for (const file of stack.delivery.render()) {
      YAML.parseAllDocuments(file.content).forEach((document, index) => {
        writeFileSync(join(stackDir, `${file.path.replaceAll('/', '-')}-${index}.json`), JSON.stringify(document.toJS(), null, 2));
      });
    }
  }
  return { templates, terraformFiles, manifestsDir };
}

interface Template {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: { readonly Manifest?: unknown } }>;
}

/**
 * Every object of every manifest the eks-v2 kubectl provider applies. A manifest holding deploy-time values is an
 * `Fn::Join` of JSON fragments and intrinsics; each intrinsic becomes the `${...}` text CloudFormation would substitute
 * (`Fn::Sub` keeps its own), so an image reads `${AWS::AccountId}.dkr.ecr...:<tag>` as it will when applied.
 */
export function kubernetesObjectsOf(template: Template): { logicalId: string; index: number; object: Record<string, unknown> }[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && resource.Properties?.Manifest !== undefined)
    .flatMap(([logicalId, resource]) => {
      const text = manifestText(logicalId, resource.Properties?.Manifest);
      const objects = JSON.parse(text) as Record<string, unknown>[];
      return objects.map((object, index) => ({ logicalId, index, object }));
    });
}

function manifestText(logicalId: string, manifest: unknown): string {
  if (typeof manifest === 'string') return manifest;
  const join = (manifest as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`${logicalId}: a manifest that is neither a string nor an Fn::Join: ${JSON.stringify(manifest)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : intrinsicText(logicalId, part))).join(join[0]);
}

function intrinsicText(logicalId: string, intrinsic: unknown): string {
  const value = intrinsic as Record<string, unknown>;
  if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
  if (Array.isArray(value['Fn::GetAtt'])) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  // One piece of a deploy-time list (the MSK brokers cut from the bootstrap string), read as such.
  const select = value['Fn::Select'] as [number, { 'Fn::Split'?: [string, unknown] }] | undefined;
  if (Array.isArray(select) && Array.isArray(select[1]['Fn::Split'])) {
    const [delimiter, source] = select[1]['Fn::Split'];
    return `${intrinsicText(logicalId, source)}.split('${delimiter}')[${select[0]}]`;
  }
  throw new Error(`${logicalId}: no text for the intrinsic ${JSON.stringify(intrinsic)} in a manifest`);
}
