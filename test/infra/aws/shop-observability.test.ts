import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { shopAlertRules, shopDashboards } from '../../../infra/observability';
import { createShopApp } from '../../../stacks/aws/shop-app';
import { FIXTURE_SOURCES, logicalIdOf, manifestsOf, SYNTH_TIMEOUT } from './support';

const SERVICES = ['gateway', 'users', 'products', 'orders', 'notifications'];

describe('Shop-dev observability wiring', () => {
  let template: Template;

  beforeAll(() => {
    // GIVEN the real app narrowed to dev; WHEN it synthesizes with cdk-nag (an unacknowledged finding throws here)
    const { app, stacks } = createShopApp({ outdir: mkdtempSync(path.join(tmpdir(), 'shop-observability-')), sources: FIXTURE_SOURCES, context: { env: 'dev' } });
    app.synth();
    template = Template.fromStack(stacks[0] as never);
  }, SYNTH_TIMEOUT);

  it('installs kube-prometheus-stack, Fluent Bit, the trace collector and the OpenSearch domain sized from the dev config', () => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'kube-prometheus-stack', Namespace: 'monitoring' });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'fluent-bit', Namespace: 'monitoring' });
    template.hasResourceProperties('AWS::OpenSearchService::Domain', {
      ClusterConfig: Match.objectLike({ InstanceType: 't3.small.search', InstanceCount: 1 }),
      EBSOptions: Match.objectLike({ VolumeSize: 10 }),
    });
    expect(manifestsOf(template, 'ClusterEksTraceCollector').find((object) => object.kind === 'Deployment')?.spec.replicas).toBe(1);
  });

  it('tells every service where the collector is', () => {
    for (const service of SERVICES) {
      const deployment = manifestsOf(template, `${service}Workload`).find((object) => object.kind === 'Deployment');
      expect([service, deployment?.spec.template.spec.containers[0].env]).toEqual([
        service,
        expect.arrayContaining([{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.monitoring.svc.cluster.local:4318' }]),
      ]);
    }
  });

  it('has each service declare its ServiceMonitor, after the operator that defines the kind', () => {
    const release = logicalIdOf(template, 'Custom::AWSCDK-EKS-HelmChart', { Chart: 'kube-prometheus-stack' });
    for (const service of SERVICES) {
      const monitors = manifestsOf(template, `${service}Workload`).filter((object) => object.kind === 'ServiceMonitor');
      expect([service, monitors.map((monitor) => monitor.spec.endpoints)]).toEqual([service, [[{ port: 'http', path: '/metrics', interval: '30s' }]]]);
      const [workload] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter(([id]) => id.startsWith(`${service}Workload`));
      expect(workload?.[1].DependsOn).toContain(release);
    }
  });

  it('provisions every dashboard and every rule group of infra/observability', () => {
    const objects = manifestsOf(template, 'ClusterEksShopMonitoring');
    const dashboards = objects.filter((object) => object.kind === 'ConfigMap' && object.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards.map((configMap) => Object.keys(configMap.data)[0])).toEqual(shopDashboards().map((dashboard) => `${dashboard.uid}.json`));
    const [rule] = objects.filter((object) => object.kind === 'PrometheusRule');
    expect(rule?.spec.groups).toEqual(JSON.parse(JSON.stringify(shopAlertRules())));
  });

  it('turns on MSK open monitoring, lets the cluster reach 11001-11002 and scrapes one target per broker', () => {
    template.hasResourceProperties('AWS::MSK::Cluster', {
      OpenMonitoring: { Prometheus: { JmxExporter: { EnabledInBroker: true }, NodeExporter: { EnabledInBroker: true } } },
    });
    const brokers = logicalIdOf(template, 'AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^MSK brokers') });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [brokers, 'GroupId'] },
      FromPort: 11001,
      ToPort: 11002,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterEks'), 'ClusterSecurityGroupId'] },
    });
    const [brokerCount] = Object.values(template.findResources('AWS::MSK::Cluster')).map((cluster) => cluster.Properties.NumberOfBrokerNodes);
    const jmx = manifestsOf(template, 'ClusterEksShopMonitoring').find((object) => object.kind === 'ScrapeConfig' && object.metadata.name === 'msk-jmx');
    expect(jmx?.spec.staticConfigs[0].targets).toHaveLength(brokerCount);
  });
});
