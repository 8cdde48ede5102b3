export * from './create-dynamo';
export * from './products-table';
export * from './dynamo-telemetry';
