export * from './money';
export * from './orders-topic';
export * from './analytics-results-topic';
export * from './formats';
