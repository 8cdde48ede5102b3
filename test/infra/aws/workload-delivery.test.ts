import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { k8s } from 'cdk8s-plus-34';
import { Microservice, PLATFORM_ADD_ONS, ProductTable, WorkloadDelivery, WorkloadNetworkPolicies, type RenderedFile } from '../../../infra/aws';
import { FIXTURE_SOURCES, manifestsOf, newCluster, newStack, requestsOf, SYNTH_TIMEOUT } from './support';

const runtimeDirectory = FIXTURE_SOURCES.runtimeDirectory as string;
const gitops = { mode: 'gitops', repoUrl: 'https://git.example.com/shop.git', targetRevision: 'main', path: 'deploy/test', account: '123456789012' } as const;

describe('WorkloadDelivery in gitops mode', () => {
  let template: Template;
  let files: RenderedFile[];
  let imageHash: string;

  beforeAll(() => {
    // GIVEN a gitops delivery with a public service holding deploy-time values, and the network policies
    const stack = newStack();
    const cluster = newCluster(stack);
    const delivery = new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: gitops });
    const table = new ProductTable(stack, 'Products');
    const gateway = new Microservice(stack, 'gateway', {
      cluster,
      delivery,
      serviceName: 'gateway',
      port: 5000,
      scaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70 },
      environment: { PRODUCTS_TABLE: table.tableName },
      publicEndpoint: { plainHttp: true },
      runtimeDirectory,
    });
    new WorkloadNetworkPolicies(stack, 'Policies', { cluster, delivery, vpcCidr: '10.0.0.0/16', publicWorkload: gateway, calls: [], kafkaClients: [] });
    imageHash = gateway.image.assetHash;
    // WHEN the stack synthesizes and the charts are rendered
    template = Template.fromStack(stack);
    files = delivery.render();
  }, SYNTH_TIMEOUT);

  it('installs Argo CD from its pinned chart in its own namespace, reachable only inside the cluster', () => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'argo-cd',
      Repository: 'https://argoproj.github.io/argo-helm',
      Version: '9.1.0',
      Namespace: 'argocd',
      CreateNamespace: true,
    });
    const [release] = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'argo-cd' } }));
    const values = JSON.parse(release?.Properties.Values);
    expect(values.server).toMatchObject({ service: { type: 'ClusterIP' }, ingress: { enabled: false } });
    expect(values.dex).toEqual({ enabled: false });
    // Requests for each of its six pods, which the chart leaves unset, adding up to what the capacity check counts.
    const components = ['server', 'controller', 'repoServer', 'redis', 'applicationSet', 'notifications'];
    const requested = components.map((component) => values[component].resources.requests as { cpu: string; memory: string });
    const budgeted = PLATFORM_ADD_ONS.filter((addOn) => addOn.component.startsWith('Argo CD'));
    const total = (pods: { pods: number | 'per-node'; cpuMillicores: number; memoryMiB: number }[]) =>
      pods.reduce((sum, addOn) => ({ cpu: sum.cpu + (addOn.pods as number) * addOn.cpuMillicores, memory: sum.memory + (addOn.pods as number) * addOn.memoryMiB }), { cpu: 0, memory: 0 });
    expect(budgeted.reduce((count, addOn) => count + (addOn.pods as number), 0)).toBe(components.length);
    expect(total(requested.map((requests) => ({ pods: 1, ...requestsOf({ requests }) })))).toEqual(total(budgeted));
  });

  it('applies the root Application of the app of apps: this repository\'s deploy/<env>, synced automatically with prune and self-heal', () => {
    const [root] = manifestsOf(template, 'DeliveryArgoCdRootApplication');
    expect(root).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'shop', namespace: 'argocd' } });
    expect(root?.spec).toEqual({
      project: 'default',
      source: { repoURL: 'https://git.example.com/shop.git', targetRevision: 'main', path: 'deploy/test', directory: { recurse: false } },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
      },
    });
    // Argo CD starts syncing once what the workloads need from the stack exists: their service accounts and values.
    const [, resource] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('DeliveryArgoCdRootApplication')) ?? [];
    expect(resource?.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^DeliveryArgoCdRelease/), expect.stringMatching(/^gatewayStackValues/), expect.stringMatching(/^gatewayServiceAccountmanifest/)]),
    );
  });

  it('leaves the workload charts out of the template and keeps only what the stack alone knows', () => {
    const manifestIds = Object.keys(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    expect(manifestIds.filter((id) => /Workload|Policies/.test(id))).toEqual([]);
    expect(manifestsOf(template, 'gatewayStackValues').map((object) => object.kind)).toEqual(['ConfigMap', 'Ingress']);
  });

  it('renders one folder and one Application per chart, in a stable order', () => {
    expect(files.map((file) => file.path)).toEqual([
      'deploy/test/gateway.yaml',
      'deploy/test/gateway/manifests.yaml',
      'deploy/test/network-policies.yaml',
      'deploy/test/network-policies/manifests.yaml',
      'deploy/test/project.yaml',
    ]);
    const application = YAML.parse(contentOf('deploy/test/gateway.yaml'));
    expect(application).toMatchObject({
      kind: 'Application',
      metadata: { name: 'gateway', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'shop',
        source: { repoURL: 'https://git.example.com/shop.git', targetRevision: 'main', path: 'deploy/test/gateway' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    const policies = YAML.parseAllDocuments(contentOf('deploy/test/network-policies/manifests.yaml')).map((document) => document.toJS());
    expect(policies[0]).toMatchObject({ kind: 'NetworkPolicy', metadata: { name: 'default-deny' }, spec: { podSelector: {} } });
  });

  it('confines the rendered Applications to this repository and their charts\' namespaces, with nothing cluster-wide', () => {
    const project = YAML.parse(contentOf('deploy/test/project.yaml'));
    expect(project).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'shop', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
      spec: {
        description: 'The charts rendered to deploy/test: only from this repository, only into their namespaces, nothing cluster-wide',
        sourceRepos: ['https://git.example.com/shop.git'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop' }],
        clusterResourceWhitelist: [],
      },
    });
  });

  it('pins the image to the asset hash in the account\'s CDK asset repository, as concrete text', () => {
    const objects = YAML.parseAllDocuments(contentOf('deploy/test/gateway/manifests.yaml')).map((document) => document.toJS());
    expect(objects.map((object) => object.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
    const [container] = objects[0].spec.template.spec.containers;
    expect(container.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-us-east-1:${imageHash}`);
    expect(container.env).toContainEqual({ name: 'PRODUCTS_TABLE', valueFrom: { configMapKeyRef: { name: 'gateway-stack-values', key: 'PRODUCTS_TABLE' } } });
    expect(contentOf('deploy/test/gateway/manifests.yaml')).not.toMatch(/\$\{|Token\[|Fn::|\bRef\b/);
  });

  it('refuses a chart that holds a value CloudFormation knows only at deploy time', () => {
    const stack = newStack();
    const cluster = newCluster(stack);
    const delivery = new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: gitops });
    const chart = delivery.newChart('leaky');
    new k8s.KubeConfigMap(chart, 'Values', { metadata: { name: 'leaky', namespace: 'shop' }, data: { TABLE: new ProductTable(stack, 'Table').tableName } });
    expect(() => delivery.addChart(stack, 'Leaky', chart)).toThrow(
      /WorkloadDelivery: chart 'leaky' holds \{"Ref":"Table.*"\}, a value CloudFormation knows only at deploy time; Git cannot hold it, so apply the object holding it with applyWithStack/,
    );
  });

  it('needs the account the images live in and a deploy/<env> path, and keeps the project file\'s name', () => {
    const stack = newStack();
    const cluster = newCluster(stack);
    expect(() => new WorkloadDelivery(stack, 'A', { cluster, delivery: { ...gitops, account: '1234' } })).toThrow(
      "WorkloadDelivery A: gitops delivery needs the 12-digit account the stack deploys to, got '1234'",
    );
    expect(() => new WorkloadDelivery(stack, 'B', { cluster, delivery: { ...gitops, path: 'manifests' } })).toThrow(
      "WorkloadDelivery B: the rendered charts live in deploy/<environment>, got path 'manifests'",
    );
    // The project's file sits beside the charts' Application files, so no chart may take its name.
    expect(() => new WorkloadDelivery(stack, 'C', { cluster, delivery: gitops }).newChart('project')).toThrow(
      "WorkloadDelivery C: 'project' names the Argo CD project's file; choose another chart name",
    );
  });

  function contentOf(path: string): string {
    const file = files.find((candidate) => candidate.path === path);
    if (!file) throw new Error(`no rendered ${path} among ${files.map((candidate) => candidate.path).join(', ')}`);
    return file.content;
  }
});
