import { randomBytes } from 'node:crypto';
import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { CredentialService } from '../../src/auth/credential.service';
import { Permission, Scope } from '../../src/auth/permissions';
import { sha256 } from '../../src/auth/tokens';
import { COMMANDS } from '../../src/cli/commands';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';
import { Credential, secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

const CREATE = `mutation($data: ApiTokenCreateInput!) {
  createApiToken(data: $data) { token apiToken { id name scopes createdAt lastUsedAt revokedAt } }
}`;
const LIST = `{ apiTokens { id name scopes createdAt lastUsedAt revokedAt } }`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(id: $id) { id name scopes revokedAt } }`;
const READ_IDENTITY = `{ identity(email: "nobody@example.com") { id } }`;

/** The database URL of a running test app, for a second instance on the same data. */
function databaseUrlOf(t: TestApp): string {
  return secondInstanceUrl(t.config);
}

/** Runs a CLI command the way `npm run cli` does, capturing what it prints. */
async function cli(t: TestApp, command: string, flags: Record<string, string | true>): Promise<string[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    await COMMANDS[command].run(t.app, flags);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n').split('\n');
}

describe('API tokens (SPEC §2)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await seedUser(t, { permissions: [Permission.CanManageApiTokens] })).token;
  });
  afterAll(() => t.close());

  it('creates a 256-bit token, shown once and stored only as its SHA-256', async () => {
    const res = await t.gql(CREATE, { data: { name: '  Nosto sync  ', scopes: ['identities:write'] } }, admin);
    expect(res.errors).toBeUndefined();
    const { token, apiToken } = res.data.createApiToken;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(apiToken).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Nosto sync',
      scopes: ['identities:write'],
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
    const row = await t.dataSource.getRepository(ApiTokenEntity).findOneByOrFail({ id: apiToken.id });
    expect(row.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);
    // the list never shows it again, nor its hash
    const list = await t.gql(LIST, {}, admin);
    expect(list.data.apiTokens).toContainEqual({ ...apiToken });
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(JSON.stringify(list.body)).not.toContain(row.tokenHash);
  });

  it('has no GraphQL field for the token hash', async () => {
    const res = await t.gql(`{ __type(name: "ApiToken") { fields { name } } }`);
    expect(res.data.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual([
      'createdAt',
      'id',
      'lastUsedAt',
      'name',
      'revokedAt',
      'scopes',
    ]);
  });

  it('authenticates as Basic ":token" (Nosto) and as X-REQUEST-TOKEN (Insider), with its scopes', async () => {
    const { token } = (await t.gql(CREATE, { data: { name: 'reader', scopes: ['identities:read'] } }, admin)).data
      .createApiToken;
    for (const credential of [{ basic: token }, { requestToken: token }] as Credential[]) {
      const read = await t.gql(READ_IDENTITY, {}, credential);
      expect(read.errors).toBeUndefined();
      expect(read.data.identity).toBeNull();
      const write = await t.gql(
        `mutation { upsertIdentity(identity: { email: "no@example.com" }) { id } }`,
        {},
        credential,
      );
      expect([write.code, write.errors?.[0].message]).toEqual([
        'FORBIDDEN',
        'You do not have permission to perform this action',
      ]);
    }
  });

  it('records lastUsedAt in batches, without a write per request', async () => {
    const { token, apiToken } = (await t.gql(CREATE, { data: { name: 'used', scopes: ['identities:read'] } }, admin))
      .data.createApiToken;
    const before = Date.now();
    expect((await t.gql(READ_IDENTITY, {}, { basic: token })).errors).toBeUndefined();
    const row = await t.dataSource.getRepository(ApiTokenEntity).findOneByOrFail({ id: apiToken.id });
    expect(row.lastUsedAt).toBeNull(); // not written by the request itself
    await t.app.get(CredentialService).flushLastUsed();
    const list = await t.gql(LIST, {}, admin);
    const mine = list.data.apiTokens.find((x: { id: string }) => x.id === apiToken.id);
    expect(new Date(mine.lastUsedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(mine.lastUsedAt).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('revokes at once; a revoked token is UNAUTHENTICATED both ways; revoking again keeps the first revokedAt', async () => {
    const { token, apiToken } = (
      await t.gql(CREATE, { data: { name: 'short-lived', scopes: ['identities:read', 'gdpr'] } }, admin)
    ).data.createApiToken;
    // used (and so cached) before the revocation
    expect((await t.gql(READ_IDENTITY, {}, { basic: token })).errors).toBeUndefined();
    const revoked = await t.gql(REVOKE, { id: apiToken.id }, admin);
    expect(revoked.data.revokeApiToken).toEqual({
      id: apiToken.id,
      name: 'short-lived',
      scopes: ['identities:read', 'gdpr'],
      revokedAt: expect.any(String),
    });
    for (const credential of [{ basic: token }, { requestToken: token }] as Credential[]) {
      const res = await t.gql(READ_IDENTITY, {}, credential);
      expect([res.code, res.errors?.[0].message]).toEqual(['UNAUTHENTICATED', 'Invalid or expired credentials']);
    }
    const again = await t.gql(REVOKE, { id: apiToken.id }, admin);
    expect(again.errors).toBeUndefined();
    expect(again.data.revokeApiToken.revokedAt).toBe(revoked.data.revokeApiToken.revokedAt);
    const listed = (await t.gql(LIST, {}, admin)).data.apiTokens.find((x: { id: string }) => x.id === apiToken.id);
    expect(listed.revokedAt).toBe(revoked.data.revokeApiToken.revokedAt);
  });

  it.each([
    ['an unknown id', '00000000-0000-4000-8000-000000000000'],
    ['an id that is not a UUID', 'nope'],
  ])('answers NOT_FOUND when revoking %s', async (_case, id) => {
    const res = await t.gql(REVOKE, { id }, admin);
    expect([res.code, res.errors?.[0].message]).toEqual(['NOT_FOUND', 'API token not found']);
  });

  it('answers BAD_USER_INPUT, not a 500, for an id with a NUL byte', async () => {
    const res = await t.gql(REVOKE, { id: 'a\u0000b' }, admin);
    expect([res.code, res.errors?.[0].message]).toEqual([
      'BAD_USER_INPUT',
      'Text must not contain NUL (\\u0000) characters',
    ]);
  });

  it.each([
    [
      { name: 'x', scopes: ['identities:delete'] },
      'Unknown scope "identities:delete": use identities:read, identities:write, gdpr',
    ],
    [{ name: 'x', scopes: ['gdpr', 'identities:read', 'gdpr'] }, 'scopes lists a scope twice'],
    [{ name: 'x', scopes: [] }, 'scopes must name at least one scope'],
    [{ name: '   ', scopes: ['gdpr'] }, 'name cannot be empty'],
    [{ name: 'n'.repeat(101), scopes: ['gdpr'] }, 'name must be shorter than or equal to 100 characters'],
    [{ name: 'tab\tname', scopes: ['gdpr'] }, 'name cannot contain control characters'],
    [{ name: 'x', scopes: Array(11).fill('gdpr') }, 'scopes must contain no more than 10 elements'],
  ])('refuses %j with BAD_USER_INPUT, creating nothing', async (data, message) => {
    const count = await t.dataSource.getRepository(ApiTokenEntity).count();
    const res = await t.gql(CREATE, { data }, admin);
    expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    expect(await t.dataSource.getRepository(ApiTokenEntity).count()).toBe(count);
  });

  describe('who may manage tokens', () => {
    const operations: [string, string, Record<string, unknown>][] = [
      ['createApiToken', CREATE, { data: { name: 'x', scopes: ['gdpr'] } }],
      ['apiTokens', LIST, {}],
      ['revokeApiToken', REVOKE, { id: '00000000-0000-4000-8000-000000000000' }],
    ];
    const callers: [string, () => Promise<Credential>, string][] = [
      ['anonymous', async () => undefined, 'UNAUTHENTICATED'],
      ['a customer session', async () => (await seedUser(t)).token, 'FORBIDDEN'],
      ['a customer token', async () => seedCustomerToken(t, (await seedUser(t)).user.id), 'FORBIDDEN'],
      [
        'an admin without canManageApiTokens',
        async () =>
          (
            await seedUser(t, {
              permissions: [Permission.CanManageUsers, Permission.CanManageIdentities, Permission.CanManageRoles],
            })
          ).token,
        'FORBIDDEN',
      ],
      [
        'an API token with every scope',
        async () => ({
          basic: (await seedApiToken(t, [Scope.IdentitiesRead, Scope.IdentitiesWrite, Scope.Gdpr])).token,
        }),
        'FORBIDDEN',
      ],
      ['a garbage token', async () => ({ requestToken: 'garbage' }), 'UNAUTHENTICATED'],
    ];
    it.each(callers)('%s cannot', async (_who, get, code) => {
      const credential = await get();
      const count = await t.dataSource.getRepository(ApiTokenEntity).count();
      for (const [name, document, variables] of operations) {
        const res = await t.gql(document, variables, credential);
        expect([name, res.code]).toEqual([name, code]);
      }
      expect(await t.dataSource.getRepository(ApiTokenEntity).count()).toBe(count);
    });
  });

  describe('CLI', () => {
    it('api-token:create prints the token once; api-token:revoke revokes it', async () => {
      const created = await cli(t, 'api-token:create', {
        name: 'cli token',
        scopes: 'identities:read, identities:write',
      });
      expect(created).toEqual([
        expect.stringMatching(/^id: {5}[0-9a-f-]{36}$/),
        'name:   cli token',
        'scopes: identities:read,identities:write',
        expect.stringMatching(/^token: {2}[0-9a-f]{64}$/),
        'The token is shown this once; only its hash is stored.',
      ]);
      const id = created[0].slice('id:     '.length);
      const token = created[3].slice('token:  '.length);
      const upsert = await t.gql(
        `mutation { upsertIdentity(identity: { email: "cli@example.com" }) { email } }`,
        {},
        { requestToken: token },
      );
      expect(upsert.data.upsertIdentity).toEqual({ email: 'cli@example.com' });
      const listed = (await t.gql(LIST, {}, admin)).data.apiTokens.find((x: { id: string }) => x.id === id);
      expect(listed).toMatchObject({ name: 'cli token', scopes: ['identities:read', 'identities:write'] });

      const revoked = await cli(t, 'api-token:revoke', { id });
      expect(revoked[0]).toMatch(new RegExp(`^revoked ${id} \\(cli token\\) at \\d{4}-\\d\\d-\\d\\dT`));
      // this process's own cache is cleared; other processes hear of it through Redis only
      expect(revoked.slice(1)).toEqual(
        t.config.redisUrl
          ? []
          : [
              'note: without REDIS_URL, a running server that used this token in the last 30 s may accept it until its credential cache expires (CREDENTIAL_CACHE_MS); revokeApiToken over GraphQL is immediate there',
            ],
      );
      expect((await t.gql(READ_IDENTITY, {}, { requestToken: token })).code).toBe('UNAUTHENTICATED');
    });

    it('refuses bad flags with a message, creating nothing', async () => {
      const count = await t.dataSource.getRepository(ApiTokenEntity).count();
      await expect(cli(t, 'api-token:create', { name: 'x', scopes: 'root' })).rejects.toThrow(
        'Unknown scope "root": use identities:read, identities:write, gdpr',
      );
      await expect(cli(t, 'api-token:create', { scopes: 'gdpr' })).rejects.toThrow('--name is required');
      await expect(cli(t, 'api-token:create', { name: 'x', scopes: true })).rejects.toThrow('--scopes is required');
      await expect(cli(t, 'api-token:create', { name: 'x', scopes: ',' })).rejects.toThrow(
        'scopes must name at least one scope',
      );
      await expect(cli(t, 'api-token:revoke', {})).rejects.toThrow('--id is required');
      await expect(cli(t, 'api-token:revoke', { id: 'nope' })).rejects.toThrow('API token not found');
      expect(await t.dataSource.getRepository(ApiTokenEntity).count()).toBe(count);
    });
  });

  // Two instances on one database: the second has the token cached when the first revokes it.
  const withRedis = process.env.REDIS_URL ? it : it.skip;
  withRedis('a revocation on one instance stops the token on every instance at once (Redis)', async () => {
    const env = { REDIS_KEY_PREFIX: `ih-revoke-${randomBytes(4).toString('hex')}:` };
    const a = await startTestApp({ env });
    const b = await startTestApp({ env, databaseUrl: databaseUrlOf(a) });
    try {
      const owner = (await seedUser(a, { permissions: [Permission.CanManageApiTokens] })).token;
      const { token, apiToken } = (await a.gql(CREATE, { data: { name: 'shared', scopes: ['gdpr'] } }, owner)).data
        .createApiToken;
      const probe = `{ identity(email: "x@example.com") { id } }`; // needs identities:*, so FORBIDDEN while valid
      expect((await b.gql(probe, {}, { basic: token })).code).toBe('FORBIDDEN');
      await a.gql(REVOKE, { id: apiToken.id }, owner);
      // the message travels through Redis pub/sub; allow it a moment
      let code: string | undefined;
      for (let i = 0; i < 50 && code !== 'UNAUTHENTICATED'; i++) {
        code = (await b.gql(probe, {}, { basic: token })).code;
        if (code !== 'UNAUTHENTICATED') await new Promise((r) => setTimeout(r, 20));
      }
      expect(code).toBe('UNAUTHENTICATED');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
