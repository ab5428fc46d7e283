export * from './errors';
export * from './primitives';
export * from './key-material';
export * from './auth';
export * from './keys';
export * from './routes';
