export * from './caller-identity';
export * from './create-service-app';
export * from './logger';
export { registerMetricsOf, type MetricSource } from './metrics';
export * from './run-server';
export type { ReadinessCheck } from './health';
