/** `pnpm bench`: every benchmark script, one after the other, each printing its own ratio. */
import { main as srp } from './srp';
import { main as login } from './login';

async function run(): Promise<void> {
  await srp();
  await login();
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
