import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Cluster, Network, PLATFORM_ADD_ONS } from '../../../infra/aws';
import { FEATURE_FLAGS } from '../../../stacks/aws/app-context';
import type { ShopSources } from '../../../stacks/aws/shop-stack';

/**
 * Room for a synthesis (asset fingerprints, esbuild bundles, cdk-nag) on two cores shared with the whole suite:
 * seconds alone, minutes when every project's tests run at once.
 */
export const SYNTH_TIMEOUT = 300_000;

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Small stand-ins for the runtime's entry points: infra tests depend on the constructs, not on the services' code. */
export const FIXTURE_SOURCES: ShopSources = {
  runtimeDirectory: path.join(FIXTURES, 'runtime'),
  catalogIngestEntry: path.join(FIXTURES, 'catalog-ingest', 'handler.ts'),
  migrationHandlerEntry: path.join(FIXTURES, 'migrate-handler.ts'),
  migrationsDirectory: path.join(FIXTURES, 'migrations'),
};

/** A stack in an app with the same feature flags as the real one, pinned to a region like the real stacks. */
export function newStack(): Stack {
  const app = new App({ context: FEATURE_FLAGS });
  return new Stack(app, 'Test', { env: { region: 'us-east-1' } });
}

export function newVpc(stack: Stack): ec2.IVpc {
  return new Network(stack, 'Network').vpc;
}

export function newCluster(stack: Stack): Cluster {
  return new Cluster(stack, 'Cluster', { vpc: newVpc(stack) });
}

/**
 * The template as reviewers read it: every 64-hex asset hash (Docker images, Lambda zips, layers) becomes `<asset-N>`,
 * numbered by first appearance, so a snapshot changes when the infrastructure does and not when the code inside an
 * asset does, while a reader can still see which resources share an asset.
 */
export function reviewableTemplate(template: Template): string {
  const placeholders = new Map<string, string>();
  const json = JSON.stringify(template.toJSON(), null, 2);
  return `${json.replace(/[0-9a-f]{64}/g, (hash) => {
    if (!placeholders.has(hash)) placeholders.set(hash, `<asset-${placeholders.size + 1}>`);
    return placeholders.get(hash) as string;
  })}\n`;
}

/** The statements of every IAM policy attached to a role whose logical id starts with the given prefix. */
export function statementsOfRole(template: Template, roleLogicalIdPrefix: string): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleLogicalIdPrefix))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

/** The logical id of the one resource of this type whose properties match; throws when there is none or several. */
export function logicalIdOf(template: Template, type: string, properties: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: properties }));
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${JSON.stringify(properties)}, found ${ids.length}`);
  return ids[0] as string;
}

/** What CDK writes for an MSK group ARN: `...:group/<cluster name>/<cluster uuid, cut from the cluster's ARN>/<group id>`. */
export function mskGroupArn(clusterLogicalId: string, clusterName: string, groupId: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:aws:kafka:us-east-1:',
        { Ref: 'AWS::AccountId' },
        `:group/${clusterName}/`,
        { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [clusterLogicalId, 'Arn'] }] }] },
        `/${groupId}`,
      ],
    ],
  };
}

/**
 * A CloudFormation string property as text. Strings with tokens are Fn::Join of string fragments and token objects;
 * each token becomes `<token>`, which keeps JSON inside parseable.
 */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') return value;
  return (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
}

/** Parses the manifests of a KubernetesManifest resource, resolving nothing: tokens stay as CloudFormation objects. */
export function manifestsOf(template: Template, logicalIdPrefix: string): Record<string, any>[] {
  const resources = template.findResources('Custom::AWSCDK-EKS-KubernetesResource');
  const entry = Object.entries(resources).find(([id]) => id.startsWith(logicalIdPrefix));
  if (!entry) throw new Error(`no Kubernetes manifest resource starting with ${logicalIdPrefix}`);
  return JSON.parse(cfnText(entry[1].Properties.Manifest)) as Record<string, any>[];
}

/**
 * One end of a connection, as NetworkPolicies see it: a pod (by labels, in the shop's namespace unless another is
 * named) or an address.
 */
export type PolicyPeer = { readonly pod: Record<string, string>; readonly namespace?: string } | { readonly address: string };

/**
 * Whether a set of NetworkPolicies (all in one namespace) lets `from` open a TCP/UDP connection to `to` on `port`,
 * by the Kubernetes rules: a pod selected by any policy of a type is isolated in that direction, and then needs a
 * rule of some selecting policy that matches the peer and the port. Addresses (load balancer, brokers, AWS APIs) and
 * pods of other namespaces are never isolated by these policies. Covers what our policies use: matchLabels, ipBlock
 * without except, and a namespaceSelector on the namespace's name label, alone or with a podSelector.
 */
export function networkPolicyAllows(
  policies: readonly Record<string, any>[],
  from: PolicyPeer,
  to: PolicyPeer,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
): boolean {
  const policyNamespace = policies[0]?.metadata.namespace as string;
  const namespaceOf = (peer: { namespace?: string }) => peer.namespace ?? policyNamespace;
  const selects = (selector: { matchLabels?: Record<string, string> }, labels: Record<string, string>) =>
    Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const inCidr = (address: string, cidr: string) => {
    const [base, bits] = cidr.split('/') as [string, string];
    const toNumber = (ip: string) => ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
    const blockSize = 2 ** (32 - Number(bits));
    return Math.floor(toNumber(address) / blockSize) === Math.floor(toNumber(base) / blockSize);
  };
  const peerMatches = (peer: Record<string, any>, other: PolicyPeer) => {
    if (peer.ipBlock) return 'address' in other && inCidr(other.address, peer.ipBlock.cidr);
    if (!('pod' in other)) return false;
    const inNamespace = peer.namespaceSelector
      ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': namespaceOf(other) })
      : namespaceOf(other) === policyNamespace;
    return inNamespace && selects(peer.podSelector ?? {}, other.pod);
  };
  const portMatches = (ports: { protocol?: string; port: number }[] | undefined) =>
    !ports || ports.some((candidate) => candidate.port === port && (candidate.protocol ?? 'TCP') === protocol);
  const allowedBy = (direction: 'Ingress' | 'Egress', self: PolicyPeer, other: PolicyPeer) => {
    if (!('pod' in self) || namespaceOf(self) !== policyNamespace) return true;
    const selecting = policies.filter((policy) => selects(policy.spec.podSelector, self.pod) && policy.spec.policyTypes.includes(direction));
    if (selecting.length === 0) return true;
    const rulesKey = direction === 'Ingress' ? 'ingress' : 'egress';
    const peersKey = direction === 'Ingress' ? 'from' : 'to';
    return selecting.some((policy) =>
      (policy.spec[rulesKey] ?? []).some(
        (rule: Record<string, any>) => portMatches(rule.ports) && (!rule[peersKey] || rule[peersKey].some((peer: Record<string, any>) => peerMatches(peer, other))),
      ),
    );
  };
  return allowedBy('Egress', from, to) && allowedBy('Ingress', to, from);
}

/**
 * A container's or chart's `{ requests: { cpu: '200m', memory: '1Gi' } }` as the capacity table writes requests:
 * CPU in millicores or whole cores, memory in Mi or Gi (any other quantity throws).
 */
export function requestsOf(resources: { requests: { cpu: string; memory: string } }): { cpuMillicores: number; memoryMiB: number } {
  const { cpu, memory } = resources.requests;
  const cpuMillicores = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
  const memoryMatch = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!memoryMatch) throw new Error(`unexpected memory quantity ${memory}`);
  return { cpuMillicores, memoryMiB: Number(memoryMatch[1]) * (memoryMatch[2] === 'Gi' ? 1024 : 1) };
}

/** What the capacity table (infra/aws/platform-add-ons.ts) counts for one component, or undefined if it lists none. */
export function addOnRequests(component: string): { cpuMillicores: number; memoryMiB: number } | undefined {
  const entry = PLATFORM_ADD_ONS.find((addOn) => addOn.component === component);
  return entry && { cpuMillicores: entry.cpuMillicores, memoryMiB: entry.memoryMiB };
}
