export * from './sql-client';
export * from './mysql-sql-client';
export * from './data-api-sql-client';
export * from './run-migrations';
export * from './timestamps';
export { migrations, type Migration } from './migrations';
export * from './sql-config';
export * from './sql-telemetry';
export * from './named-list';
