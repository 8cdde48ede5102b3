export * from './create-kafka';
export * from './event-publisher';
export * from './event-consumer';
export * from './consumer-lag';
