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
      preparedStatements: true,
      replicaUrls: [],
      replicaStickyMs: 2000,
      replicaMaxLagMs: 5000,
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
    [{ DATABASE_PREPARED_STATEMENTS: 'no' }, 'DATABASE_PREPARED_STATEMENTS'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'shop.example.com' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://shop.example.com/app' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://ok.example.com, ftp://files.example.com' }, 'CORS_ORIGINS'],
    [{ GRAPHQL_EXPLORER: 'off' }, 'GRAPHQL_EXPLORER'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'has a space in it somewhere' }, 'METRICS_TOKEN'],
    [{ SHUTDOWN_TIMEOUT_MS: '100' }, 'SHUTDOWN_TIMEOUT_MS'],
    [{ HEAP_GROWING_PERCENT: '401' }, 'HEAP_GROWING_PERCENT'],
    [{ HEAP_GROWING_PERCENT: '-5' }, 'HEAP_GROWING_PERCENT'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('reads a postgres URL and its schema parameter', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db?schema=s1' });
    expect(c.database).toMatchObject({ engine: 'postgres', url: 'postgres://u@h:5432/db', schema: 's1' });
  });

  it('reads the migration URL and the replicas, which share the schema of DATABASE_URL', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@bouncer:6432/db?schema=s1',
      DATABASE_MIGRATION_URL: 'postgres://u@primary:5432/db',
      DATABASE_REPLICA_URLS: ' postgres://u@r1:5432/db , postgresql://u@r2:5432/db?schema=s1,',
      REPLICA_STICKY_MS: '500',
      REPLICA_MAX_LAG_MS: '100',
    });
    expect(c.database).toMatchObject({
      url: 'postgres://u@bouncer:6432/db',
      schema: 's1',
      migrationUrl: 'postgres://u@primary:5432/db',
      replicaUrls: ['postgres://u@r1:5432/db', 'postgresql://u@r2:5432/db'],
      replicaStickyMs: 500,
      replicaMaxLagMs: 100,
    });
  });

  it.each([
    [{ DATABASE_MIGRATION_URL: 'postgres://u@h/db' }, 'DATABASE_MIGRATION_URL', /needs a postgres/],
    [{ DATABASE_REPLICA_URLS: 'postgres://u@h/db' }, 'DATABASE_REPLICA_URLS', /needs a postgres/],
    [
      { DATABASE_URL: 'postgres://u@h/db?schema=a', DATABASE_REPLICA_URLS: 'postgres://u@r/db?schema=b' },
      'DATABASE_REPLICA_URLS',
      /same \?schema=/,
    ],
    [{ DATABASE_URL: 'postgres://u@h/db', DATABASE_REPLICA_URLS: 'mysql://r/db' }, 'DATABASE_REPLICA_URLS', /postgres/],
    [{ DATABASE_URL: 'postgres://u@h/db', DATABASE_MIGRATION_URL: 'x' }, 'DATABASE_MIGRATION_URL', /postgres/],
    [{ REPLICA_STICKY_MS: '-1' }, 'REPLICA_STICKY_MS', /whole number/],
  ])('refuses %j', (env, variable, reason) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
    expect(() => loadConfig(env)).toThrow(reason);
  });

  it('reads the pool settings', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@h:5432/db',
      DATABASE_POOL_SIZE: '4',
      DATABASE_POOL_TIMEOUT_MS: '750',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10000',
    });
    expect(c.database).toMatchObject({ poolSize: 4, poolTimeoutMs: 750, idleInTransactionTimeoutMs: 10_000 });
    expect(c.database.preparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).database.preparedStatements).toBe(false);
  });

  it('reads the operations settings', () => {
    expect(loadConfig({})).toMatchObject({
      corsOrigins: [],
      graphqlExplorer: true,
      metricsToken: undefined,
      shutdownTimeoutMs: 10_000,
      heapGrowingPercent: 20,
    });
    const c = loadConfig({
      CORS_ORIGINS: ' https://Shop.Example.com/ ,http://localhost:5173,https://shop.example.com:443',
      GRAPHQL_EXPLORER: 'false',
      METRICS_TOKEN: 'a-long-enough-metrics-token',
      SHUTDOWN_TIMEOUT_MS: '25000',
      HEAP_GROWING_PERCENT: '0',
    });
    // origins as browsers send them: lower-case host, no default port, no trailing slash; duplicates dropped
    expect(c.corsOrigins).toEqual(['https://shop.example.com', 'http://localhost:5173']);
    expect(c).toMatchObject({
      graphqlExplorer: false,
      metricsToken: 'a-long-enough-metrics-token',
      shutdownTimeoutMs: 25_000,
      heapGrowingPercent: 0,
    });
  });
});

describe('mail and outbox settings', () => {
  it('have the documented defaults: no SMTP, the sender, links to this service', () => {
    const c = loadConfig({});
    expect(c.mail).toEqual({ smtpUrl: undefined, from: 'Identity Hub <no-reply@localhost>' });
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(c.outbox).toEqual({ pollMs: 1000, batchSize: 10, leaseMs: 300_000 });
  });

  it('take PUBLIC_URL with or without a trailing slash, and with a path', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.com/' }).publicUrl).toBe('https://id.example.com');
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.com' }).publicUrl).toBe('https://id.example.com');
    expect(loadConfig({ PUBLIC_URL: 'https://shop.example.com/identity//' }).publicUrl).toBe(
      'https://shop.example.com/identity',
    );
    expect(loadConfig({ PUBLIC_URL: 'HTTP://Localhost:3000' }).publicUrl).toBe('http://localhost:3000');
  });

  it('take SMTP_URL, MAIL_FROM and the outbox settings', () => {
    const c = loadConfig({
      SMTP_URL: 'smtps://user:p%40ss@mail.example.com:465',
      MAIL_FROM: 'no-reply@shop.example',
      OUTBOX_POLL_MS: '0',
      OUTBOX_BATCH_SIZE: '50',
      OUTBOX_LEASE_MS: '60000',
    });
    expect(c.mail).toEqual({ smtpUrl: 'smtps://user:p%40ss@mail.example.com:465', from: 'no-reply@shop.example' });
    expect(c.outbox).toEqual({ pollMs: 0, batchSize: 50, leaseMs: 60_000 });
  });

  it.each([
    [{ PUBLIC_URL: 'id.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://id.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://user:pw@id.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://id.example.com/?a=1' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://id.example.com/#top' }, 'PUBLIC_URL'],
    [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'Shop <a@b.c>, other@b.c' }, 'MAIL_FROM'],
    [{ OUTBOX_POLL_MS: 'soon' }, 'OUTBOX_POLL_MS'],
    [{ OUTBOX_BATCH_SIZE: '0' }, 'OUTBOX_BATCH_SIZE'],
    [{ OUTBOX_BATCH_SIZE: '101' }, 'OUTBOX_BATCH_SIZE'],
    [{ OUTBOX_LEASE_MS: '1000' }, 'OUTBOX_LEASE_MS'],
  ])('refuse %j, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('never echo SMTP_URL, which may hold a password', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://user:hunter2@[bad' })).toThrow(
      'Invalid configuration: SMTP_URL is not a valid URL (percent-encode special characters in the password)',
    );
    expect(() => loadConfig({ SMTP_URL: 'mail://user:hunter2@host' })).toThrow(/^((?!hunter2).)*$/);
  });
});

describe('account recovery settings', () => {
  it('have the documented defaults: reset links for 60 minutes, verification links for 48 hours, and their limits', () => {
    const c = loadConfig({});
    expect([c.passwordResetTtlMinutes, c.emailVerificationTtlHours]).toEqual([60, 48]);
    expect(c.rateLimits.passwordResetPerEmail).toEqual({ limit: 5, ttlMs: 60 * 60_000 });
    expect(c.rateLimits.passwordResetPerAddress).toEqual({ limit: 30, ttlMs: 60 * 60_000 });
    expect(c.rateLimits.emailVerificationPerUser).toEqual({ limit: 5, ttlMs: 60 * 60_000 });
  });

  it('read PASSWORD_RESET_TTL_MINUTES, EMAIL_VERIFICATION_TTL_HOURS and the RATE_LIMIT_* of the flows', () => {
    const c = loadConfig({
      PASSWORD_RESET_TTL_MINUTES: '15',
      EMAIL_VERIFICATION_TTL_HOURS: '72',
      RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: '3',
      RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS: '100',
      RATE_LIMIT_EMAIL_VERIFICATION_PER_USER: '2',
    });
    expect([c.passwordResetTtlMinutes, c.emailVerificationTtlHours]).toEqual([15, 72]);
    expect(
      [
        c.rateLimits.passwordResetPerEmail,
        c.rateLimits.passwordResetPerAddress,
        c.rateLimits.emailVerificationPerUser,
      ].map((r) => r.limit),
    ).toEqual([3, 100, 2]);
  });

  it.each([
    [{ PASSWORD_RESET_TTL_MINUTES: '0' }, 'PASSWORD_RESET_TTL_MINUTES'],
    [{ PASSWORD_RESET_TTL_MINUTES: 'an hour' }, 'PASSWORD_RESET_TTL_MINUTES'],
    [{ EMAIL_VERIFICATION_TTL_HOURS: '0' }, 'EMAIL_VERIFICATION_TTL_HOURS'],
    [{ EMAIL_VERIFICATION_TTL_HOURS: '721' }, 'EMAIL_VERIFICATION_TTL_HOURS'],
    [{ RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: '0' }, 'RATE_LIMIT_PASSWORD_RESET_PER_EMAIL'],
  ])('refuse %j, naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });
});
