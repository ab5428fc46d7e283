export * from './create-organization';
