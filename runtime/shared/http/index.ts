export * from './error-body';
export * from './pagination';
