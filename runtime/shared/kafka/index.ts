export * from './create-kafka';
export * from './event-publisher';
export * from './event-consumer';
