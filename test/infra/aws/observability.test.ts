import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Chart } from 'cdk8s';
import { ClusterMonitoring, serviceMonitorFor, ShopMonitoring, TraceCollector } from '../../../infra/aws';
import { alertRule } from '../../../infra/observability/alerts/rule';
import { addOnRequests, logicalIdOf, manifestsOf, newCluster, newStack, requestsOf, statementsOfRole, SYNTH_TIMEOUT } from './support';

/** A release's values; a reference to a resource of the stack reads `<Ref LogicalId>`, other tokens `<token>`. */
const helmValues = (template: Template, chart: string): Record<string, any> => {
  const [release] = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: chart } }));
  const values = release?.Properties.Values as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof values === 'string'
    ? values
    : values['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'Ref' in (part as object) ? `<Ref ${(part as { Ref: string }).Ref}>` : '<token>')).join('');
  return JSON.parse(text);
};

describe('ClusterMonitoring, ShopMonitoring and TraceCollector', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    const cluster = newCluster(stack);
    const monitoring = new ClusterMonitoring(stack, 'Monitoring', { cluster, alertEmail: 'oncall@example.com', retention: Duration.days(10), volumeGiB: 40 });
    new ShopMonitoring(stack, 'ShopMonitoring', {
      monitoring,
      dashboards: [
        { uid: 'shop-orders', title: 'Orders', panels: [] },
        { uid: 'shop-kafka', title: 'Kafka', panels: [] },
      ] as never,
      ruleGroups: [
        {
          name: 'shop',
          rules: [alertRule({ alert: 'DeadLetter', expr: 'increase(kafka_consumer_dead_letters_total[5m]) > 0', for: '0m', severity: 'warning', summary: 's', description: 'd' })],
        },
      ],
      kafkaBrokers: { bootstrapBrokers: 'b-1.events.abc.c2.kafka.us-east-1.amazonaws.com:9098,b-2.events.abc.c2.kafka.us-east-1.amazonaws.com:9098', brokerCount: 2 },
    });
    new TraceCollector(stack, 'TraceCollector', { monitoring, clientNamespaces: ['shop'] });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('installs the pinned kube-prometheus-stack in the monitoring namespace, after its namespace, which comes after the EBS CSI driver and the load balancer controller', () => {
    template.hasResource('Custom::AWSCDK-EKS-HelmChart', {
      Properties: Match.objectLike({
        Chart: 'kube-prometheus-stack',
        Repository: 'https://prometheus-community.github.io/helm-charts',
        Version: '87.15.1',
        Namespace: 'monitoring',
        Release: 'kube-prometheus-stack',
        Wait: true,
      }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ClusterEksMonitoringBase')]),
    });
    // The controller's webhook admits every Service, the chart's included.
    const [base] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter(([id]) => id.startsWith('ClusterEksMonitoringBase'));
    expect(base?.[1].DependsOn).toContainEqual(expect.stringMatching(/^ClusterEksmanifestNamespace/));
    // On deletion the namespace, with Prometheus's volume claim, goes while the driver can still delete the volume.
    expect(base?.[1].DependsOn).toContainEqual(expect.stringMatching(/^MonitoringEbsCsiDriver/));
    template.hasResource('AWS::EKS::Addon', {
      Properties: Match.objectLike({
        AddonName: 'aws-ebs-csi-driver',
        PodIdentityAssociations: [{ ServiceAccount: 'ebs-csi-controller-sa', RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringEbsCsiDriverRole'), 'Arn'] } }],
      }),
      // Its controller needs nodes to run on before EKS calls the add-on active.
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ClusterEksmanifestNamespace')]),
    });
  });

  it('has Prometheus select every ServiceMonitor, rule and scrape config, keep samples as configured on a gp3 volume', () => {
    const { prometheusSpec } = helmValues(template, 'kube-prometheus-stack').prometheus;
    expect(prometheusSpec).toMatchObject({
      retention: '10d',
      retentionSize: '34GB',
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      scrapeConfigSelectorNilUsesHelmValues: false,
      storageSpec: { volumeClaimTemplate: { spec: { storageClassName: 'gp3', resources: { requests: { storage: '40Gi' } } } } },
    });
    const [namespace, storageClass] = manifestsOf(template, 'ClusterEksMonitoringBase');
    expect(namespace).toMatchObject({ kind: 'Namespace', metadata: { name: 'monitoring' } });
    expect(storageClass).toMatchObject({ kind: 'StorageClass', metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true' } });
  });

  it('keeps Grafana private, with a generated admin password, and loads dashboards from labelled ConfigMaps', () => {
    const { grafana } = helmValues(template, 'kube-prometheus-stack');
    expect(grafana).toMatchObject({
      adminPassword: '',
      service: { type: 'ClusterIP' },
      ingress: { enabled: false },
      sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'monitoring' } },
    });
  });

  it('requests what the capacity table (platform-add-ons.ts) counts for each component, so the node capacity check holds', () => {
    const values = helmValues(template, 'kube-prometheus-stack');
    const collector = manifestsOf(template, 'ClusterEksTraceCollector').find((object) => object.kind === 'Deployment')?.spec.template.spec.containers[0];
    const requested = {
      'Prometheus operator': values.prometheusOperator.resources,
      Prometheus: values.prometheus.prometheusSpec.resources,
      Alertmanager: values.alertmanager.alertmanagerSpec.resources,
      Grafana: values.grafana.resources,
      'kube-state-metrics': values['kube-state-metrics'].resources,
      'Prometheus node exporter': values['prometheus-node-exporter'].resources,
      'ADOT trace collector': collector.resources,
    };
    for (const [component, resources] of Object.entries(requested)) {
      expect([component, requestsOf(resources)]).toEqual([component, addOnRequests(component)]);
    }
  });

  it('turns off the control-plane scrapes EKS does not expose, rather than alerting on them forever', () => {
    const values = helmValues(template, 'kube-prometheus-stack');
    expect([values.kubeEtcd.enabled, values.kubeScheduler.enabled, values.kubeControllerManager.enabled, values.kubeProxy.enabled]).toEqual([false, false, false, false]);
  });

  describe('alert delivery', () => {
    const topicId = () => logicalIdOf(template, 'AWS::SNS::Topic');
    const alertmanager = () => helmValues(template, 'kube-prometheus-stack').alertmanager;
    /** The receiver Alertmanager's routing tree picks for an alert with these labels (first matching child, else the root). */
    const receiverFor = (labels: Record<string, string>): string => {
      const { route } = alertmanager().config;
      const matches = (matcher: string) => {
        const [, name, operator, value] = /^(\w+) (=~|=) "(.*)"$/.exec(matcher) ?? [];
        const actual = labels[name as string] ?? '';
        return operator === '=' ? actual === value : new RegExp(`^(?:${value})$`).test(actual);
      };
      return (route.routes as { receiver: string; matchers: string[] }[]).find((child) => child.matchers.every(matches))?.receiver ?? route.receiver;
    };

    it('is an SNS topic encrypted with the SNS key, published to over TLS only, with the on-call address subscribed by email', () => {
      const [topic] = Object.values(template.findResources('AWS::SNS::Topic'));
      expect(JSON.stringify(topic?.Properties.KmsMasterKeyId)).toMatch(/:alias\/aws\/sns"\]\]\}$/);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId() } });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId() }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    it('sends critical and warning alerts (and unlabelled ones) to the topic, not the Watchdog, the InfoInhibitor or info alerts', () => {
      expect(receiverFor({ alertname: 'DeadLetter', severity: 'critical', namespace: 'shop' })).toBe('sns');
      expect(receiverFor({ alertname: 'KubePodCrashLooping', severity: 'warning', namespace: 'shop' })).toBe('sns');
      expect(receiverFor({ alertname: 'Unlabelled' })).toBe('sns');
      expect(receiverFor({ alertname: 'Watchdog', severity: 'none' })).toBe('null');
      expect(receiverFor({ alertname: 'InfoInhibitor', severity: 'none' })).toBe('null');
      expect(receiverFor({ alertname: 'CPUThrottlingHigh', severity: 'info', namespace: 'shop' })).toBe('null');
      expect(alertmanager().config.route.group_by).toEqual(['alertname', 'severity', 'namespace']);
    });

    it('publishes with Alertmanager\'s native SNS receiver, SigV4 in the stack\'s region, with summary, description and runbook in the mail', () => {
      const receiver = (alertmanager().config.receivers as { name: string; sns_configs?: Record<string, any>[] }[]).find(({ name }) => name === 'sns');
      expect(receiver?.sns_configs).toHaveLength(1);
      const [sns] = receiver?.sns_configs ?? [];
      expect(sns).toMatchObject({ topic_arn: `<Ref ${topicId()}>`, sigv4: { region: 'us-east-1' }, send_resolved: true });
      expect(sns?.subject).toContain('{{ .CommonLabels.alertname }}');
      for (const annotation of ['summary', 'description', 'runbook_url']) expect(sns?.message).toContain(`{{ .Annotations.${annotation} }}`);
    });

    it('lets Alertmanager\'s service account, through Pod Identity, only publish to that topic', () => {
      expect(alertmanager().serviceAccount).toEqual({ create: true, name: 'kube-prometheus-stack-alertmanager' });
      const roleId = logicalIdOf(template, 'AWS::IAM::Role', { Description: Match.stringLikeRegexp('^Alertmanager') });
      template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: 'monitoring',
        ServiceAccount: 'kube-prometheus-stack-alertmanager',
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      });
      expect(statementsOfRole(template, roleId)).toEqual([{ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topicId() } }]);
      // EKS gives a pod its credentials when the pod starts, so Alertmanager must start after the association exists.
      const [release] = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'kube-prometheus-stack' } }));
      expect(release?.DependsOn).toContain(logicalIdOf(template, 'AWS::EKS::PodIdentityAssociation', { ServiceAccount: 'kube-prometheus-stack-alertmanager' }));
      template.hasResourceProperties('AWS::IAM::Role', {
        Description: Match.stringLikeRegexp('^Alertmanager'),
        ManagedPolicyArns: Match.absent(),
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Principal: { Service: 'pods.eks.amazonaws.com' } }] },
      });
    });

    it('refuses an alert address that is not one', () => {
      const stack = newStack();
      expect(() => new ClusterMonitoring(stack, 'Monitoring', { cluster: newCluster(stack), alertEmail: 'oncall' })).toThrow(/email must be an email address, got 'oncall'/);
    });
  });

  describe('the shop monitoring chart', () => {
    const objects = () => manifestsOf(template, 'ClusterEksShopMonitoring');
    const ofKind = (kind: string) => objects().filter((object) => object.kind === kind);

    it('is applied after the release (its CRDs and webhook)', () => {
      const [manifest] = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter(([id]) => id.startsWith('ClusterEksShopMonitoring'));
      expect(manifest?.[1].DependsOn).toContain(logicalIdOf(template, 'Custom::AWSCDK-EKS-HelmChart', { Chart: 'kube-prometheus-stack' }));
    });

    it('holds one labelled ConfigMap per dashboard with its JSON model', () => {
      const configMaps = ofKind('ConfigMap');
      expect(configMaps.map((configMap) => configMap.metadata.name)).toEqual(['dashboard-shop-orders', 'dashboard-shop-kafka']);
      expect(configMaps.every((configMap) => configMap.metadata.namespace === 'monitoring' && configMap.metadata.labels.grafana_dashboard === '1')).toBe(true);
      expect(JSON.parse(configMaps[0]?.data['shop-orders.json'])).toEqual({ uid: 'shop-orders', title: 'Orders', panels: [] });
    });

    it('holds the rule groups as one PrometheusRule', () => {
      const [rule] = ofKind('PrometheusRule');
      expect(rule).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', metadata: { name: 'shop-alerts', namespace: 'monitoring' } });
      expect(rule?.spec.groups[0].rules[0]).toMatchObject({ alert: 'DeadLetter', labels: { severity: 'warning' }, annotations: { runbook_url: 'docs/runbook.md#deadletter' } });
    });

    it('scrapes every broker\'s JMX and node exporters on 11001 and 11002', () => {
      const scrapeConfigs = ofKind('ScrapeConfig');
      expect(scrapeConfigs.map((config) => [config.metadata.name, config.spec.staticConfigs[0].labels.job])).toEqual([['msk-jmx', 'msk-jmx'], ['msk-node', 'msk-node']]);
      // The literal bootstrap string is split at synth time here; with a deploy-time string CloudFormation does it.
      expect(scrapeConfigs[0]?.spec.staticConfigs[0].targets).toEqual([
        'b-1.events.abc.c2.kafka.us-east-1.amazonaws.com:11001',
        'b-2.events.abc.c2.kafka.us-east-1.amazonaws.com:11001',
      ]);
      expect(scrapeConfigs[1]?.spec.staticConfigs[0].targets[1]).toBe('b-2.events.abc.c2.kafka.us-east-1.amazonaws.com:11002');
    });
  });

  describe('the trace collector', () => {
    const objects = () => manifestsOf(template, 'ClusterEksTraceCollector');
    const ofKind = (kind: string) => objects().find((object) => object.kind === kind);

    it('serves OTLP/HTTP as otel-collector.monitoring:4318 and sends to X-Ray', () => {
      expect(ofKind('Service')).toMatchObject({ metadata: { name: 'otel-collector', namespace: 'monitoring' }, spec: { type: 'ClusterIP', ports: [{ port: 4318 }] } });
      const config = ofKind('ConfigMap')?.data['collector.yaml'] as string;
      expect(config).toMatch(/awsxray:\n\s+region: us-east-1/);
      expect(config).toMatch(/traces:\n\s+receivers:\n\s+- otlp\n[\s\S]*exporters:\n\s+- awsxray/);
      const container = ofKind('Deployment')?.spec.template.spec.containers[0];
      expect(container.image).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/);
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    });

    it('accepts spans only from the client namespaces', () => {
      expect(ofKind('NetworkPolicy')?.spec.ingress).toEqual([
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }], ports: [{ protocol: 'TCP', port: 4318 }] },
      ]);
    });

    it('may only put traces and read sampling rules in X-Ray', () => {
      expect(statementsOfRole(template, 'TraceCollectorServiceAccountRole')).toEqual([
        {
          Effect: 'Allow',
          Action: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
          Resource: '*',
        },
      ]);
      template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'monitoring', ServiceAccount: 'otel-collector' });
    });
  });

  it('builds a service\'s ServiceMonitor on its Service\'s labels, http port, /metrics, every 30 seconds', () => {
    const chart = new Chart(new App(), 'test');
    serviceMonitorFor(chart, { serviceName: 'orders', namespace: 'shop', serviceLabels: { 'app.kubernetes.io/name': 'orders' } });
    expect(chart.toJson()).toEqual([
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'orders', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'orders' } },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
          namespaceSelector: { matchNames: ['shop'] },
          endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
        },
      },
    ]);
  });

  it('refuses a dashboard without a uid, which Grafana keeps it by', () => {
    const stack = newStack();
    const monitoring = new ClusterMonitoring(stack, 'Monitoring', { cluster: newCluster(stack), alertEmail: 'oncall@example.com' });
    expect(() => new ShopMonitoring(stack, 'ShopMonitoring', { monitoring, dashboards: [{ title: 'Orders' }], ruleGroups: [] })).toThrow(
      "ShopMonitoring ShopMonitoring: dashboard 'Orders' needs a uid, which Grafana keeps it by",
    );
  });
});
