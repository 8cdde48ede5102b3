export * from './analytics-cluster.js';
export * from './analytics-identity.js';
export * from './analytics-network.js';
export * from './cross-cloud-link.js';
export * from './data-lake.js';
export * from './flink-job.js';
export * from './job-jar-build.js';
export * from './aws-platform-outputs.js';
