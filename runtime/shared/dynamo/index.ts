export * from './create-dynamo';
export * from './products-table';
