import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.database).toEqual({
      engine: 'sqlite',
      url: 'sqlite:./data/identity-hub.sqlite',
      sqlitePath: './data/identity-hub.sqlite',
      poolSize: 20,
      poolTimeoutMs: 5000,
      idleInTransactionTimeoutMs: 30_000,
    });
    expect(c.partnerName).toBe('default');
    expect(c.sessionTtlHours).toBe(720);
    expect(c.logLevel).toBe('info');
    expect(c.redisUrl).toBeUndefined();
    expect(c.rateLimits.signInPerEmail).toEqual({ limit: 10, ttlMs: 15 * 60_000 });
    expect(c.rateLimits.partnerIdentity).toEqual({ limit: 2000, ttlMs: 60_000 });
    expect(c.rateLimits.passwordChangePerUser).toEqual({ limit: 5, ttlMs: 15 * 60_000 });
    expect(c.rateLimits.emailChangePerUser).toEqual({ limit: 10, ttlMs: 60 * 60_000 });
    expect(c.graphqlLimits).toEqual({
      maxDepth: 12,
      maxAliases: 30,
      maxDirectives: 50,
      maxTokens: 5000,
      maxNodes: 500_000,
    });
    expect(c.hsts).toBe(false);
  });

  it('reads the GraphQL limits and HSTS', () => {
    const c = loadConfig({
      GRAPHQL_MAX_DEPTH: '8',
      GRAPHQL_MAX_ALIASES: '5',
      GRAPHQL_MAX_DIRECTIVES: '10',
      GRAPHQL_MAX_TOKENS: '2000',
      GRAPHQL_MAX_NODES: '1000',
      HSTS: 'true',
    });
    expect(c.graphqlLimits).toEqual({ maxDepth: 8, maxAliases: 5, maxDirectives: 10, maxTokens: 2000, maxNodes: 1000 });
    expect(c.hsts).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ PARTNER_NAME: 'MyBrand' }, 'PARTNER_NAME'],
    [{ SESSION_TTL_HOURS: '0' }, 'SESSION_TTL_HOURS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ BOOTSTRAP_ADMIN_EMAIL: 'a@b.co' }, 'BOOTSTRAP_ADMIN_PASSWORD'],
    [{ GRAPHQL_MAX_DEPTH: '12.5' }, 'GRAPHQL_MAX_DEPTH'],
    [{ GRAPHQL_MAX_DEPTH: '0' }, 'GRAPHQL_MAX_DEPTH'],
    [{ GRAPHQL_MAX_ALIASES: '-1' }, 'GRAPHQL_MAX_ALIASES'],
    [{ GRAPHQL_MAX_DIRECTIVES: 'many' }, 'GRAPHQL_MAX_DIRECTIVES'],
    [{ GRAPHQL_MAX_TOKENS: '10' }, 'GRAPHQL_MAX_TOKENS'],
    [{ GRAPHQL_MAX_NODES: '1e6' }, 'GRAPHQL_MAX_NODES'],
    [{ HSTS: 'yes' }, 'HSTS'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_POOL_TIMEOUT_MS: 'soon' }, 'DATABASE_POOL_TIMEOUT_MS'],
    [{ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10' }, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'shop.example.com' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://shop.example.com/app' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://ok.example.com, ftp://files.example.com' }, 'CORS_ORIGINS'],
    [{ GRAPHQL_EXPLORER: 'off' }, 'GRAPHQL_EXPLORER'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'has a space in it somewhere' }, 'METRICS_TOKEN'],
    [{ SHUTDOWN_TIMEOUT_MS: '100' }, 'SHUTDOWN_TIMEOUT_MS'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('reads a postgres URL and its schema parameter', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db?schema=s1' });
    expect(c.database).toMatchObject({ engine: 'postgres', url: 'postgres://u@h:5432/db', schema: 's1' });
  });

  it('reads the pool settings', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@h:5432/db',
      DATABASE_POOL_SIZE: '4',
      DATABASE_POOL_TIMEOUT_MS: '750',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10000',
    });
    expect(c.database).toMatchObject({ poolSize: 4, poolTimeoutMs: 750, idleInTransactionTimeoutMs: 10_000 });
  });

  it('reads the operations settings', () => {
    expect(loadConfig({})).toMatchObject({
      corsOrigins: [],
      graphqlExplorer: true,
      metricsToken: undefined,
      shutdownTimeoutMs: 10_000,
    });
    const c = loadConfig({
      CORS_ORIGINS: ' https://Shop.Example.com/ ,http://localhost:5173,https://shop.example.com:443',
      GRAPHQL_EXPLORER: 'false',
      METRICS_TOKEN: 'a-long-enough-metrics-token',
      SHUTDOWN_TIMEOUT_MS: '25000',
    });
    // origins as browsers send them: lower-case host, no default port, no trailing slash; duplicates dropped
    expect(c.corsOrigins).toEqual(['https://shop.example.com', 'http://localhost:5173']);
    expect(c).toMatchObject({
      graphqlExplorer: false,
      metricsToken: 'a-long-enough-metrics-token',
      shutdownTimeoutMs: 25_000,
    });
  });
});
