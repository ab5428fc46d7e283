import { parse, validate } from 'graphql';
import { CURRENT_QUERIES, INTERIM_CREATE_PROJECT, LEGACY_2022_QUERIES } from '../../../test/e2e/fixtures/insomnia-vcs-queries';
import { schema } from '../src/schema';

/**
 * The exact documents Insomnia clients send are the contract: every one must validate against the sync
 * schema — operation, argument, variable and input type names alike — or that client's sync breaks.
 */
describe('the query texts of real clients validate against the sync schema', () => {
  it.each(Object.entries(CURRENT_QUERIES))('current clients: %s', (_label, q) => {
    expect(validate(schema, parse(q.query)).map((e) => e.message)).toEqual([]);
  });

  // the sharing trio and project.teams included: in the 2022 client's code, last sent by 2021 releases
  it.each(Object.entries(LEGACY_2022_QUERIES))('2022 clients: %s', (_label, q) => {
    expect(validate(schema, parse(q.query)).map((e) => e.message)).toEqual([]);
  });

  it('clients of 2022.5.1 to 2023.5: createProject without encSymmetricKey or teamProjectId', () => {
    expect(validate(schema, parse(INTERIM_CREATE_PROJECT.query)).map((e) => e.message)).toEqual([]);
  });
});
