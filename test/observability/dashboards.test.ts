import { describe, expect, it } from 'vitest';
import { platformContract } from '../../contracts/platform';
import { shopDashboards } from '../../infra/observability/index';

const dashboards = shopDashboards();

interface GridPanel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly gridPos?: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: readonly { readonly datasource?: { uid?: string }; readonly expr?: string }[];
}

const panelsOf = (dashboard: (typeof dashboards)[number]) => (dashboard.panels ?? []) as readonly GridPanel[];

describe('shopDashboards', () => {
  it('builds one dashboard per service, then the pipeline, Kafka, databases and cluster, with stable uids', () => {
    expect(dashboards.map((dashboard) => dashboard.uid)).toEqual([
      ...Object.keys(platformContract.services).map((service) => `cloud-shop-service-${service}`),
      'cloud-shop-order-pipeline',
      'cloud-shop-kafka',
      'cloud-shop-databases',
      'cloud-shop-cluster',
    ]);
    for (const dashboard of dashboards) expect(dashboard.uid!.length, dashboard.uid).toBeLessThanOrEqual(40);
  });

  it('sends every query to the Prometheus the datasource variable selects', () => {
    for (const dashboard of dashboards) {
      expect(dashboard.templating?.list).toEqual([expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus' })]);
      for (const panel of panelsOf(dashboard).filter((candidate) => candidate.type !== 'row')) {
        expect(panel.datasource, `${dashboard.uid} ${panel.title}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(panel.targets?.length, `${dashboard.uid} ${panel.title}`).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
      }
    }
  });

  it('numbers panels uniquely and lays them out without overlap on the 24-column grid', () => {
    for (const dashboard of dashboards) {
      const panels = panelsOf(dashboard);
      expect(new Set(panels.map((panel) => panel.id)).size, dashboard.uid).toBe(panels.length);
      const cells = new Set<string>();
      for (const { gridPos, title } of panels) {
        expect(gridPos!.x + gridPos!.w, `${dashboard.uid} ${title}`).toBeLessThanOrEqual(24);
        for (let x = gridPos!.x; x < gridPos!.x + gridPos!.w; x++) {
          for (let y = gridPos!.y; y < gridPos!.y + gridPos!.h; y++) {
            const cell = `${x},${y}`;
            expect(cells.has(cell), `${dashboard.uid}: '${title}' overlaps another panel at ${cell}`).toBe(false);
            cells.add(cell);
          }
        }
      }
    }
  });

  it('shows rate, errors and p50/p99 latency per route and saturation on every service dashboard', () => {
    for (const service of Object.keys(platformContract.services)) {
      const dashboard = dashboards.find((candidate) => candidate.uid === `cloud-shop-service-${service}`)!;
      const queries = panelsOf(dashboard).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
      const own = `service="${service}"`;
      expect(queries).toContain(`sum by (route) (rate(http_requests_total{${own}}[$__rate_interval]))`);
      expect(queries.some((query) => query.includes(`http_requests_total{${own},status_code=~"5.."}`) && query.includes('by (route)'))).toBe(true);
      for (const q of [0.5, 0.99]) {
        expect(queries).toContain(`histogram_quantile(${q}, sum by (le, route) (rate(http_request_duration_seconds_bucket{${own}}[$__rate_interval])))`);
      }
      for (const saturation of ['process_cpu_seconds_total', 'container_memory_working_set_bytes', 'nodejs_eventloop_lag_p99_seconds', 'kube_deployment_status_replicas_available']) {
        expect(queries.some((query) => query.includes(saturation)), `${service}: ${saturation}`).toBe(true);
      }
    }
  });

  it('matches the reviewed JSON models', () => {
    expect(dashboards).toMatchSnapshot();
  });
});
