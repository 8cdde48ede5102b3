import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { platformContract, type ServiceName } from '../../../contracts/platform.js';
import { clusterDashboard } from './cluster.js';
import { databasesDashboard } from './databases.js';
import { kafkaDashboard } from './kafka.js';
import { orderPipelineDashboard } from './order-pipeline.js';
import { serviceDashboard } from './service.js';

export type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/** Every dashboard as a Grafana JSON model: one per service, then the pipeline, Kafka, databases and cluster. */
export function shopDashboards(): Dashboard[] {
  const services = Object.keys(platformContract.services) as ServiceName[];
  return [...services.map(serviceDashboard), orderPipelineDashboard(), kafkaDashboard(), databasesDashboard(), clusterDashboard()];
}
