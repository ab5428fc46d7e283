import { http } from '@google-cloud/functions-framework';
import { handleApp } from './handlers';

/**
 * Entry point of the `app` Cloud Function: what current Insomnia apps ask besides accounts, organizations
 * and sync — their plan at startup, notifications, telemetry, and git sync sign-in (docs/protocol.md §6a) —
 * and the account web app's pages under /app/ (docs/architecture.md §13).
 */
http('app', handleApp);

export { handleApp };
