export * from './alerts/index.js';
export * from './dashboards/index.js';
