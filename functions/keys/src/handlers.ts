import { getPool } from '@somnus/db';
import { defineFunction, HttpError, requireSession } from '@somnus/runtime';
import { ownKeys } from './use-cases/own-keys';
import { profile } from './use-cases/profile';
import { publicKeyOf } from './use-cases/public-key';

const gone = () => new HttpError('UNAUTHORIZED', 'Account no longer exists');

export const handleKeys = defineFunction('keys', {
  'GET /v1/keys': async (ctx) => {
    const body = await ownKeys(getPool(), await requireSession(ctx.req));
    if (!body) throw gone();
    return { body };
  },
  'GET /v1/keys/accounts/:accountId': async (ctx) => {
    const body = await publicKeyOf(getPool(), await requireSession(ctx.req), ctx.params.accountId ?? '');
    if (!body) throw new HttpError('NOT_FOUND', 'No such account');
    return { body };
  },
  'GET /v1/user/profile': async (ctx) => {
    const body = await profile(getPool(), await requireSession(ctx.req));
    if (!body) throw gone();
    return { body };
  },
});
