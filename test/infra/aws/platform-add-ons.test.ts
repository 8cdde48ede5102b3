import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ADD_ONS, SEARCH_PROXY_NAME, TRACE_COLLECTOR_NAME } from '../../../infra/aws';
import { FEATURE_FLAGS } from '../../../stacks/aws/app-context';
import { prod } from '../../../stacks/aws/config';
import { ShopStack } from '../../../stacks/aws/shop-stack';
import { cfnText, FIXTURE_SOURCES, requestsOf, SYNTH_TIMEOUT } from './support';

type Json = Record<string, any>;

/**
 * The platform add-on table against what the stack really sets: every entry whose requests are "our values" must be
 * the requests (and replicas) of the Helm values or manifests that deploy it, so the capacity check adds up what runs.
 */
describe('platform add-on requests', () => {
  let helmValues: (chart: string) => Json;
  let deployment: (name: string) => Json;

  beforeAll(() => {
    const app = new App({ context: FEATURE_FLAGS });
    const template = Template.fromStack(new ShopStack(app, 'Shop-prod', { config: prod, sources: FIXTURE_SOURCES, env: { region: prod.region } }));
    const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart'));
    helmValues = (chart) => {
      const found = charts.find(({ Properties }) => Properties.Chart === chart);
      if (!found) throw new Error(`no Helm chart ${chart}`);
      return JSON.parse(cfnText(found.Properties.Values)) as Json;
    };
    const objects = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap(
      ({ Properties }) => JSON.parse(cfnText(Properties.Manifest)) as Json[],
    );
    deployment = (name) => {
      const found = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === name);
      if (!found) throw new Error(`no Deployment ${name}`);
      return found;
    };
  }, SYNTH_TIMEOUT);

  /** Where each component's requests are set, and its replica count where the stack sets one. */
  const deployed: Record<string, () => { requests: { cpu: string; memory: string }; replicas?: number }> = {
    'Karpenter controller': () => ({ requests: helmValues('karpenter').controller.resources.requests, replicas: helmValues('karpenter').replicas }),
    'Prometheus operator': () => ({ requests: helmValues('kube-prometheus-stack').prometheusOperator.resources.requests }),
    Prometheus: () => ({ requests: helmValues('kube-prometheus-stack').prometheus.prometheusSpec.resources.requests }),
    Alertmanager: () => ({ requests: helmValues('kube-prometheus-stack').alertmanager.alertmanagerSpec.resources.requests }),
    Grafana: () => ({ requests: helmValues('kube-prometheus-stack').grafana.resources.requests }),
    'kube-state-metrics': () => ({ requests: helmValues('kube-prometheus-stack')['kube-state-metrics'].resources.requests }),
    'Prometheus node exporter': () => ({ requests: helmValues('kube-prometheus-stack')['prometheus-node-exporter'].resources.requests }),
    'Fluent Bit': () => ({ requests: helmValues('fluent-bit').resources.requests }),
    'OpenSearch SigV4 proxy': () => {
      const proxy = deployment(SEARCH_PROXY_NAME);
      return { requests: proxy.spec.template.spec.containers[0].resources.requests, replicas: proxy.spec.replicas };
    },
    'ADOT trace collector': () => {
      const collector = deployment(TRACE_COLLECTOR_NAME);
      return { requests: collector.spec.template.spec.containers[0].resources.requests, replicas: collector.spec.replicas };
    },
  };

  it('names where every entry set by our values is deployed', () => {
    const ours = PLATFORM_ADD_ONS.filter(({ basis }) => basis === 'our values').map(({ component }) => component);
    expect(ours.sort()).toEqual(Object.keys(deployed).sort());
  });

  it.each(PLATFORM_ADD_ONS.filter(({ basis }) => basis === 'our values'))('$component requests what the table says', (addOn) => {
    const { requests, replicas } = (deployed[addOn.component] as () => { requests: { cpu: string; memory: string }; replicas?: number })();
    expect(requestsOf({ requests })).toEqual({ cpuMillicores: addOn.cpuMillicores, memoryMiB: addOn.memoryMiB });
    if (replicas !== undefined) expect(replicas).toBe(addOn.pods);
  });
});
