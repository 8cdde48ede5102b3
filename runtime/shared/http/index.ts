export * from './error-body';
export * from './pagination';
export * from './service-client';
