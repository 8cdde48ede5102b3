export * from './create-kafka';
export * from './event-publisher';
