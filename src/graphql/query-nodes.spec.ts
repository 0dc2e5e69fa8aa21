import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  parse,
} from 'graphql';
import { countNodes, LIST_SIZES } from './query-nodes';

/** The schema the code serves (a foundation test keeps schema.graphql equal to it). */
const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

function nodes(query: string, variables?: Record<string, unknown>): number {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return countNodes(schema, document, operation, variables);
}

describe('countNodes', () => {
  it('counts a list as its take, or its cap when none is given', () => {
    expect(nodes('{ users(take: 7) { id email } }')).toBe(7);
    expect(nodes('{ users { id } }')).toBe(1000);
    expect(nodes('{ identities { id } }')).toBe(50); // the default page
    expect(nodes('{ countries { iso2 } }')).toBe(249);
    expect(nodes('{ users(take: 0) { id addresses { id } } }')).toBe(0);
    // an identity's events: their take per identity, else the default page of 20
    expect(nodes('{ identities(take: 10) { events(take: 100) { name } } }')).toBe(10 + 10 * 100);
    expect(nodes('{ identities(take: 10) { events { name } } }')).toBe(10 + 10 * 20);
  });

  it('multiplies along the path and sums over the document', () => {
    // 10 groups + 10×1000 members + 10×1000×100 addresses + one country each
    expect(nodes('{ customerGroups(take: 10) { users { addresses { country { name } } } } }')).toBe(
      10 + 10 * 1000 + 10 * 1000 * 100 + 10 * 1000 * 100,
    );
    expect(nodes('{ users(take: 5) { customerGroups { id } } }')).toBe(5 + 5 * 100);
    expect(nodes('{ a: users(take: 2) { id } b: users(take: 3) { id role { name } } countries { iso2 } }')).toBe(
      2 + 3 + 3 + 249,
    );
  });

  it('counts single objects as one and leaves as nothing', () => {
    expect(nodes('{ usersCount __typename }')).toBe(0);
    expect(nodes('{ authenticatedItem { id role { name } identity { attributes { name } } } }')).toBe(1 + 1 + 1 + 200);
  });

  it('reads take from variables, their defaults, and falls back to the cap', () => {
    const q = 'query($n: Int) { users(take: $n) { customerGroups { id } } }';
    expect(nodes(q, { n: 3 })).toBe(3 + 300);
    expect(nodes(q, {})).toBe(1000 + 100_000);
    expect(nodes(q, { n: null })).toBe(1000 + 100_000);
    expect(nodes('query($n: Int = 4) { users(take: $n) { id } }', {})).toBe(4);
    expect(nodes('query($n: Int = 4) { users(take: $n) { id } }', { n: 9 })).toBe(9);
    expect(nodes(q, { n: 'x' })).toBe(1000 + 100_000); // refused later by coercion; counted at the cap
  });

  it('counts fragments where they are spread, and both sides of a union', () => {
    expect(nodes('{ users(take: 2) { ...U } } fragment U on User { addresses { id } customerGroups { id } }')).toBe(
      2 + 2 * 100 + 2 * 100,
    );
    expect(nodes('{ a: users(take: 1) { ...U } b: users(take: 3) { ...U } } fragment U on User { role { id } }')).toBe(
      1 + 1 + 3 + 3,
    );
    expect(
      nodes(`mutation { authenticateUserWithPassword(email: "a", password: "b") {
        ... on UserAuthenticationWithPasswordSuccess { item { addresses { id } } }
        ... on UserAuthenticationWithPasswordFailure { message } } }`),
    ).toBe(1 + 1 + 100);
  });

  it('refuses nothing by itself but grows with nesting: customerGroups → users ten levels', () => {
    let q = 'id';
    for (let i = 0; i < 10; i++) q = `customerGroups { users { ${q} } }`;
    expect(nodes(`{ users(take: 1) { ${q} } }`)).toBeGreaterThan(1e40);
  });

  it('stays linear when fragments spread each other (no exponential walk)', () => {
    const fragments = Array.from(
      { length: 40 },
      (_, i) =>
        `fragment F${i} on User { a: role { id } ${i < 39 ? `...F${i + 1} b: identity { user { ...F${i + 1} } }` : ''} }`,
    );
    // Each fragment is spread twice by the one before it: a walk that followed every spread would take
    // 2^40 steps and never return (the test would time out); counting each fragment once returns at once.
    const total = nodes(`{ authenticatedItem { ...F0 } } ${fragments.join(' ')}`);
    expect(total).toBeGreaterThan(2 ** 39);
  });

  it('lets the standard introspection query through the default limit', () => {
    const total = nodes(getIntrospectionQuery());
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThan(500_000);
  });

  it('knows the size of every list of objects in the schema', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        if (isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type))) {
          if (!LIST_SIZES[`${type.name}.${field.name}`]) missing.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
