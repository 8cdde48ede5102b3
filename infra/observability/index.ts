export * from './alerts/index.js';
