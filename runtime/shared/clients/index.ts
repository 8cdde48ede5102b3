export * from './users-client';
