export * from './postgres';
export * from './smtp-sink';
export * from './gateway';
export * from './local-database';
export * from './stack';
export * from './event-bus';
