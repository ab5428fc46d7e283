/** Progress of the multi-request steps of a push or pull, for a caller that shows it (the CLI, on stderr). */
export type SyncStep = 'pushing blobs' | 'pushing snapshots' | 'pulling snapshots' | 'pulling blobs';

export type SyncProgress = (step: SyncStep, done: number, total: number) => void;
