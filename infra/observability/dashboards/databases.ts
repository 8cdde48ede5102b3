import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, quantile, rateOf, timeseries } from './panels.js';

/** Aurora (through the Data API or mysql2) and DynamoDB as the services' clients measure them. */
export function databasesDashboard(): Dashboard {
  return dashboard({
    uid: 'cloud-shop-databases',
    title: 'Databases',
    description: 'SQL statement latency and errors per service and operation; DynamoDB request latency and throttling per API operation.',
    tags: ['databases', 'aurora', 'dynamodb'],
    rows: [
      {
        title: 'SQL (Aurora MySQL)',
        panels: [
          timeseries({
            title: 'SQL statements/s by service and outcome',
            unit: 'ops',
            queries: [{ expr: rateOf('sql_query_duration_seconds_count', '', ['service', 'outcome']), legend: '{{service}} {{outcome}}' }],
          }),
          timeseries({
            title: 'SQL p99 by operation',
            unit: 's',
            queries: [{ expr: quantile(0.99, 'sql_query_duration_seconds', 'outcome="ok"', ['service', 'operation']), legend: '{{service}} {{operation}}' }],
          }),
          timeseries({
            title: 'SQL p50 by operation',
            unit: 's',
            queries: [{ expr: quantile(0.5, 'sql_query_duration_seconds', 'outcome="ok"', ['service', 'operation']), legend: '{{service}} {{operation}}' }],
          }),
          timeseries({
            title: 'SQL errors/s by operation',
            unit: 'ops',
            threshold: 0,
            queries: [{ expr: rateOf('sql_query_errors_total', '', ['service', 'operation']), legend: '{{service}} {{operation}}' }],
          }),
        ],
      },
      {
        title: 'DynamoDB (products table)',
        panels: [
          timeseries({
            title: 'DynamoDB p99 by operation',
            unit: 's',
            queries: [{ expr: quantile(0.99, 'dynamodb_request_duration_seconds', '', ['operation', 'outcome']), legend: '{{operation}} {{outcome}}' }],
          }),
          timeseries({
            title: 'DynamoDB requests/s by outcome',
            unit: 'ops',
            queries: [{ expr: rateOf('dynamodb_request_duration_seconds_count', '', ['operation', 'outcome']), legend: '{{operation}} {{outcome}}' }],
          }),
          timeseries({
            title: 'DynamoDB throttled requests/s',
            unit: 'ops',
            threshold: 0,
            description: 'On-demand tables throttle above twice their previous peak or on a hot partition key.',
            queries: [{ expr: rateOf('dynamodb_throttled_requests_total', '', ['operation']), legend: '{{operation}}' }],
          }),
        ],
      },
    ],
  });
}
