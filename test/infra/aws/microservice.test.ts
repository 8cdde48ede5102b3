import { CfnWaitConditionHandle } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { Microservice, ProductTable, WorkloadDelivery, type Cluster, type MicroserviceProps } from '../../../infra/aws';
import { FIXTURE_SOURCES, manifestsOf, newCluster, newStack, statementsOfRole, SYNTH_TIMEOUT } from './support';

const runtimeDirectory = FIXTURE_SOURCES.runtimeDirectory as string;

function byKind(manifests: Record<string, any>[], kind: string): Record<string, any> {
  const found = manifests.find((manifest) => manifest.kind === kind);
  if (!found) throw new Error(`no ${kind} among ${manifests.map((manifest) => manifest.kind).join(', ')}`);
  return found;
}

describe('Microservice', () => {
  let template: Template;
  /** The gateway image's URI as CloudFormation reads it. */
  let gatewayImageUri: unknown;

  beforeAll(() => {
    // GIVEN one autoscaled public service with a table grant and one fixed internal service
    const stack = newStack();
    const cluster = newCluster(stack);
    const delivery = new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: { mode: 'direct' } });
    const table = new ProductTable(stack, 'Products');
    const gateway = new Microservice(stack, 'gateway', {
      cluster,
      delivery,
      serviceName: 'gateway',
      port: 5000,
      scaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70 },
      environment: { USERS_URL: 'http://users.shop.svc.cluster.local:5001' },
      publicEndpoint: {
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
        webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/abc',
      },
      scrapedByPrometheus: { operatorReady: new CfnWaitConditionHandle(stack, 'PrometheusOperator') },
      runtimeDirectory,
    });
    const products = new Microservice(stack, 'products', {
      cluster,
      delivery,
      serviceName: 'products',
      port: 5002,
      scaling: { replicas: 2 },
      environment: { PRODUCTS_TABLE: table.tableName },
      runtimeDirectory,
    });
    table.grantReadWriteData(products);
    expect(gateway.internalUrl).toBe('http://gateway.shop.svc.cluster.local:5000');
    gatewayImageUri = stack.resolve(gateway.image.imageUri);
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('scales an autoscaled service with a CPU HPA and leaves the replica count to it', () => {
    const manifests = manifestsOf(template, 'gatewayWorkload');
    expect(byKind(manifests, 'HorizontalPodAutoscaler').spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'gateway' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(byKind(manifests, 'Deployment').spec.replicas).toBeUndefined();
  });

  it('runs a fixed service at its replica count without an HPA, with a disruption budget', () => {
    const manifests = manifestsOf(template, 'productsWorkload');
    expect(byKind(manifests, 'Deployment').spec.replicas).toBe(2);
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(byKind(manifests, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(byKind(manifests, 'Service').spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 5002, targetPort: 'http' }] });
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('Ingress');
  });

  it('mounts no Kubernetes API token into any pod: no service calls the API', () => {
    for (const service of ['gateway', 'products']) {
      const pod = byKind(manifestsOf(template, `${service}Workload`), 'Deployment').spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
    }
  });

  it('probes /healthz and /readyz and runs non-root on a read-only root filesystem with the built image', () => {
    const deployment = byKind(manifestsOf(template, 'gatewayWorkload'), 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.serviceAccountName).toBe('gateway');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(container.image).toBe('<token>');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'PORT', value: '5000' },
        { name: 'USERS_URL', value: 'http://users.shop.svc.cluster.local:5001' },
      ]),
    );
    // The '<token>' above is this service's own image asset, joined into the manifest.
    const [, workload] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('gatewayWorkload')) ?? [];
    expect(gatewayImageUri).toEqual({ 'Fn::Sub': expect.stringMatching(/\.dkr\.ecr\..*container-assets.*:[0-9a-f]{64}$/) });
    expect(workload?.Properties.Manifest['Fn::Join'][1]).toContainEqual(gatewayImageUri);
  });

  it('stops a pod without dropping requests: preStop sleep, then the drain and close it sets, within the grace period', () => {
    // WHEN Kubernetes deletes a pod: preStop sleeps while routing drops it, then SIGTERM starts the 5 s drain and the close of up to 20 s
    const internal = byKind(manifestsOf(template, 'productsWorkload'), 'Deployment').spec.template.spec;
    const [internalContainer] = internal.containers;
    expect(internalContainer.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(internalContainer.env).toEqual(
      expect.arrayContaining([
        { name: 'SHUTDOWN_DRAIN_MS', value: '5000' },
        { name: 'SHUTDOWN_CLOSE_TIMEOUT_MS', value: '20000' },
      ]),
    );
    // THEN the grace period is 5 + 5 + 20 s and a 5 s margin, so the process exits on its own before a SIGKILL
    expect(internal.terminationGracePeriodSeconds).toBe(35);

    // AND behind the load balancer, whose deregistration is slower, preStop waits 15 s
    const exposed = byKind(manifestsOf(template, 'gatewayWorkload'), 'Deployment').spec.template.spec;
    expect(exposed.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
    expect(exposed.terminationGracePeriodSeconds).toBe(45);
  });

  it('exposes a public service through an internet-facing ALB Ingress with HTTPS on 443 only, the TLS 1.3 policy and the web ACL', () => {
    const manifests = manifestsOf(template, 'gatewayWorkload');
    // The Service stays internal: the ALB sends to the pods' IPs, and nothing else creates a load balancer.
    expect(byKind(manifests, 'Service').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/part-of': 'shop' },
      ports: [{ name: 'http', port: 5000, targetPort: 'http' }],
    });
    const ingress = byKind(manifestsOf(template, 'gatewayStackValues'), 'Ingress');
    expect(ingress.metadata.annotations).toEqual({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/readyz',
      'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]',
      'alb.ingress.kubernetes.io/certificate-arn': 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'alb.ingress.kubernetes.io/wafv2-acl-arn': 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/abc',
    });
    expect(ingress.spec).toEqual({
      ingressClassName: 'alb',
      rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'gateway', port: { number: 5000 } } } }] } }],
    });
  });

  it('listens on plain HTTP port 80, without TLS, only when asked for by name', () => {
    const stack = newStack();
    const cluster = newCluster(stack);
    new Microservice(stack, 'gateway', {
      cluster,
      delivery: new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: { mode: 'direct' } }),
      serviceName: 'gateway',
      port: 5000,
      scaling: { replicas: 1 },
      publicEndpoint: { plainHttp: true },
      runtimeDirectory,
    });
    const { annotations } = byKind(manifestsOf(Template.fromStack(stack), 'gatewayStackValues'), 'Ingress').metadata;
    expect(annotations['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTP":80}]');
    expect(Object.keys(annotations).filter((key) => /certificate|ssl|wafv2/.test(key))).toEqual([]);
  });

  it('passes values that exist only at deploy time through a ConfigMap the stack applies, and literals inline', () => {
    const [container] = byKind(manifestsOf(template, 'productsWorkload'), 'Deployment').spec.template.spec.containers;
    expect(container.env).toContainEqual({ name: 'PRODUCTS_TABLE', valueFrom: { configMapKeyRef: { name: 'products-stack-values', key: 'PRODUCTS_TABLE' } } });
    expect(container.env).toContainEqual({ name: 'PORT', value: '5002' });
    const configMap = byKind(manifestsOf(template, 'productsStackValues'), 'ConfigMap');
    expect(configMap.metadata).toMatchObject({ name: 'products-stack-values', namespace: 'shop' });
    // Only the deploy-time value: the table's name, which CloudFormation substitutes when it applies the ConfigMap.
    expect(configMap.data).toEqual({ PRODUCTS_TABLE: '<token>' });
    const [, stackValues] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('productsStackValues')) ?? [];
    expect(stackValues?.Properties.Manifest['Fn::Join'][1]).toContainEqual({ Ref: expect.stringMatching(/^ProductsTable/) });
    // The workload comes after its values, so no pod starts without them.
    const [, workload] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('productsWorkload')) ?? [];
    expect(workload?.DependsOn).toContainEqual(expect.stringMatching(/^productsStackValues/));
  });

  it('declares a ServiceMonitor on its Service\'s http port when Prometheus scrapes it, applied after the operator\'s CRDs', () => {
    const manifests = manifestsOf(template, 'gatewayWorkload');
    const serviceLabels = { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/part-of': 'shop' };
    expect(byKind(manifests, 'Service').metadata.labels).toMatchObject(serviceLabels);
    expect(byKind(manifests, 'ServiceMonitor')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'gateway', namespace: 'shop', labels: expect.objectContaining(serviceLabels) },
      spec: {
        selector: { matchLabels: serviceLabels },
        namespaceSelector: { matchNames: ['shop'] },
        endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
      },
    });
    const [, workload] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('gatewayWorkload')) ?? [];
    expect(workload?.DependsOn).toContainEqual(expect.stringMatching(/^PrometheusOperator/));
    expect(manifestsOf(template, 'productsWorkload').map((manifest) => manifest.kind)).not.toContain('ServiceMonitor');
  });

  it('binds a pod identity role to each service account, holding only its grants', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'shop', ServiceAccount: 'products' });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'shop', ServiceAccount: 'gateway' });
    const productsStatements = statementsOfRole(template, 'productsServiceAccountRole');
    expect(productsStatements).toEqual([
      expect.objectContaining({
        Action: expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem']),
        // The table and its index, nothing else.
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/^ProductsTable/), 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ProductsTable/), 'Arn'] }, '/index/*']] },
        ],
      }),
    ]);
    expect(statementsOfRole(template, 'gatewayServiceAccountRole')).toEqual([]);
  });
});

describe('Microservice validation', () => {
  let cluster: Cluster;
  let delivery: WorkloadDelivery;
  const base = (): MicroserviceProps => ({
    cluster,
    delivery,
    serviceName: 'orders',
    port: 5003,
    scaling: { replicas: 1 },
    runtimeDirectory,
  });

  beforeAll(() => {
    const stack = newStack();
    cluster = newCluster(stack);
    delivery = new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: { mode: 'direct' } });
  }, SYNTH_TIMEOUT);

  it('refuses shutdown timing in the environment, which would no longer fit the grace period', () => {
    expect(() => new Microservice(cluster, 'g', { ...base(), environment: { SHUTDOWN_DRAIN_MS: '60000' } })).toThrow(
      "Microservice g: environment may not set SHUTDOWN_DRAIN_MS; the construct sets the shutdown timing together with the pod's grace period",
    );
  });

  it('rejects an HPA whose minimum is above its maximum', () => {
    expect(
      () => new Microservice(cluster, 'a', { ...base(), scaling: { minReplicas: 5, maxReplicas: 2, targetCpuUtilization: 70 } }),
    ).toThrow('Microservice a: HPA minReplicas (5) is above maxReplicas (2)');
  });

  it('rejects an unknown service folder, naming the missing entry point', () => {
    expect(() => new Microservice(cluster, 'b', { ...base(), serviceName: 'payments' })).toThrow(
      /Microservice b: unknown service folder 'payments': its entry point runtime\/payments\/src\/server\.ts not found at .*fixtures\/runtime\/payments\/src\/server\.ts/,
    );
  });

  it('refuses a public endpoint without a certificate unless plain HTTP is asked for, and both at once', () => {
    const certificate = acm.Certificate.fromCertificateArn(cluster, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    expect(() => new Microservice(cluster, 'h', { ...base(), publicEndpoint: {} })).toThrow(
      'Microservice h: publicEndpoint needs either a certificate (HTTPS on 443) or plainHttp: true (HTTP on 80, development only), got neither',
    );
    expect(() => new Microservice(cluster, 'i', { ...base(), publicEndpoint: { certificate, plainHttp: true } })).toThrow(
      'Microservice i: publicEndpoint needs either a certificate (HTTPS on 443) or plainHttp: true (HTTP on 80, development only), not both',
    );
  });

  it('rejects privileged ports, non-DNS names, zero replicas and CPU targets outside 1-100', () => {
    expect(() => new Microservice(cluster, 'c', { ...base(), port: 80 })).toThrow('Microservice c: port must be an unprivileged port (1024-65535), got 80');
    expect(() => new Microservice(cluster, 'd', { ...base(), serviceName: 'Orders' })).toThrow(
      "Microservice d: serviceName must be a lowercase DNS label, got 'Orders'",
    );
    expect(() => new Microservice(cluster, 'e', { ...base(), scaling: { replicas: 0 } })).toThrow(
      'Microservice e: replicas must be a positive integer, got 0',
    );
    expect(
      () => new Microservice(cluster, 'f', { ...base(), scaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 150 } }),
    ).toThrow('Microservice f: targetCpuUtilization must be a percentage between 1 and 100, got 150');
  });
});
