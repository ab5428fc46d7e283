/** `pnpm openapi`: writes docs/openapi.json from the route contracts. */
import fs from 'node:fs';
import path from 'node:path';
import { openApiJson } from '../src/openapi';

const target = path.resolve(__dirname, '..', '..', '..', 'docs', 'openapi.json');
fs.writeFileSync(target, openApiJson());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
