import { SomnusApiError } from '@somnus/client';

/** The SomnusApiError a call must fail with; anything else (success included) fails the test. */
export async function apiError(p: Promise<unknown>): Promise<SomnusApiError> {
  const err = await p.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  if (!(err instanceof SomnusApiError)) throw err;
  return err;
}
