/**
 * The one place that reads process.env. Every variable is parsed and validated once, at start,
 * into a typed, frozen AppConfig. A bad value throws a ConfigError naming the variable.
 */
export type DatabaseEngine = 'sqlite' | 'postgres';

export interface RateLimit {
  /** requests allowed per window */
  limit: number;
  /** window length in milliseconds */
  ttlMs: number;
}

export interface AppConfig {
  port: number;
  host: string;
  database: {
    engine: DatabaseEngine;
    url: string;
    sqlitePath?: string;
    schema?: string;
    /** PostgreSQL connections in the pool */
    poolSize: number;
    /** how long a query waits for a pooled connection (PostgreSQL) or the write lock (SQLite) before a 503 */
    poolTimeoutMs: number;
    /** PostgreSQL ends a session left idle inside a transaction for this long */
    idleInTransactionTimeoutMs: number;
    /**
     * DATABASE_PREPARED_STATEMENTS: the hot paths' statements are named prepared statements on PostgreSQL
     * (parsed and planned once per connection). Off behind a pooler in transaction mode that cannot keep
     * them (pgbouncer before 1.21, or without max_prepared_statements).
     */
    preparedStatements: boolean;
    /**
     * DATABASE_MIGRATION_URL: a direct connection (not through a pooler) that runs the migrations at
     * start; its `?schema=` defaults to DATABASE_URL's. Unset: migrations run over DATABASE_URL.
     */
    migrationUrl?: string;
    /** DATABASE_REPLICA_URLS: streaming replicas that serve read-only requests (empty: none) */
    replicaUrls: string[];
    /** REPLICA_STICKY_MS: after an actor writes, that actor's reads stay on the primary this long */
    replicaStickyMs: number;
    /** REPLICA_MAX_LAG_MS: a replica further behind than this is skipped */
    replicaMaxLagMs: number;
  };
  redisUrl?: string;
  /** prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis */
  redisKeyPrefix: string;
  partnerName: string;
  bootstrapAdmin?: { email: string; password: string };
  sessionTtlHours: number;
  logLevel: string;
  trustedProxies: string[];
  nodeEnv: string;
  rateLimits: {
    signInPerEmail: RateLimit;
    signInPerAddress: RateLimit;
    registerPerAddress: RateLimit;
    passwordChangePerUser: RateLimit;
    emailChangePerUser: RateLimit;
    passwordResetPerEmail: RateLimit;
    passwordResetPerAddress: RateLimit;
    emailVerificationPerUser: RateLimit;
    partnerIdentity: RateLimit;
    partnerIdentityDelete: RateLimit;
    partnerUpsert: RateLimit;
    partnerProfile: RateLimit;
    partnerDelete: RateLimit;
    partnerAnonymize: RateLimit;
    partnerMetadata: RateLimit;
  };
  /** how long a token → actor lookup is cached in process (ms) */
  credentialCacheMs: number;
  /** base of the links in mails (http or https, no trailing slash) */
  publicUrl: string;
  /** lifetime of a password reset token (PASSWORD_RESET_TTL_MINUTES) */
  passwordResetTtlMinutes: number;
  /** lifetime of an email verification token (EMAIL_VERIFICATION_TTL_HOURS) */
  emailVerificationTtlHours: number;
  /** SMTP delivery: `smtpUrl` holds credentials, so it is never logged (see REDACT_PATHS) */
  mail: { smtpUrl?: string; from: string };
  /** the transactional outbox worker: poll interval (0: this instance does not deliver), batch, lease */
  outbox: { pollMs: number; batchSize: number; leaseMs: number };
  /**
   * the audit trail (SPEC §9): how long entries are kept (AUDIT_RETENTION_DAYS), how often buffered
   * entries are written (AUDIT_FLUSH_MS, at most 1000; 0: no timer, only at 500 entries and at shutdown,
   * for tests that count statements) and how often the purge runs (AUDIT_PURGE_MS, 0: never)
   */
  audit: { retentionDays: number; flushMs: number; purgeMs: number };
  /**
   * how often the segment count changes are folded into the counts (SEGMENT_COUNT_FOLD_MS, PostgreSQL;
   * 0: never by a timer, for tests that count statements). Counts are exact either way; the changes not
   * yet folded are what a count reads besides its one row.
   */
  segmentCountFoldMs: number;
  /**
   * how long a merge of identity profiles can be undone (UNMERGE_DAYS, SPEC §10: 90); after it the
   * retention purge (every AUDIT_PURGE_MS) empties the merge's snapshot, the merged profiles' data
   */
  unmergeDays: number;
  /**
   * webhooks (SPEC §9): WEBHOOK_ALLOW_PRIVATE allows http and private/loopback endpoint addresses;
   * WEBHOOK_SECRET_OVERLAP_HOURS: after a rotation, deliveries carry a signature with the previous secret
   * too for this long (0: the old secret stops at once)
   */
  webhooks: { allowPrivate: boolean; timeoutMs: number; secretOverlapHours: number };
  /** what one GraphQL document may ask for, checked before anything runs (SPEC §6) */
  graphqlLimits: GraphqlLimits;
  /** send Strict-Transport-Security (only behind HTTPS) */
  hsts: boolean;
  /** browser origins (`scheme://host[:port]`) allowed to call the APIs (CORS); empty: none */
  corsOrigins: string[];
  /** GET /graphql from a browser serves the GraphQL explorer (GraphiQL, built with web/) */
  graphqlExplorer: boolean;
  /** when set, GET /metrics needs `Authorization: Bearer <metricsToken>` */
  metricsToken?: string;
  /** how long a SIGTERM/SIGINT shutdown may take before the process gives up and exits 1 (ms) */
  shutdownTimeoutMs: number;
  /**
   * V8's old space may grow to (1 + this/100) × what survived the last full collection before the next
   * one (HEAP_GROWING_PERCENT; 0: V8's own heuristics, pretenuring included). See src/heap-tuning.ts.
   */
  heapGrowingPercent: number;
}

export interface GraphqlLimits {
  /** field nesting (GRAPHQL_MAX_DEPTH) */
  maxDepth: number;
  /** aliased fields (GRAPHQL_MAX_ALIASES) */
  maxAliases: number;
  /** directives (GRAPHQL_MAX_DIRECTIVES) */
  maxDirectives: number;
  /** lexical tokens, counted while parsing (GRAPHQL_MAX_TOKENS) */
  maxTokens: number;
  /** objects the document can return: lists count as their `take` or cap (GRAPHQL_MAX_NODES; 0 turns it off) */
  maxNodes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** A postgres:// URL: its `?schema=` is taken out (it becomes the search_path) and checked. */
function parsePostgresUrl(variable: string, url: string): { url: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(variable, 'is not a valid postgres:// URL');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(variable, 'has an invalid schema parameter');
  }
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}

const isPostgresUrl = (url: string) => url.startsWith('postgres://') || url.startsWith('postgresql://');

function parseDatabase(env: Env): AppConfig['database'] {
  const url = str(env, 'DATABASE_URL', 'sqlite:./data/identity-hub.sqlite')!;
  const limits = {
    poolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 1000),
    poolTimeoutMs: int(env, 'DATABASE_POOL_TIMEOUT_MS', 5000, 100, 600_000),
    idleInTransactionTimeoutMs: int(env, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 30_000, 1000, 3_600_000),
    preparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
    replicaStickyMs: int(env, 'REPLICA_STICKY_MS', 2000, 0, 3_600_000),
    replicaMaxLagMs: int(env, 'REPLICA_MAX_LAG_MS', 5000, 0, 3_600_000),
  };
  const migration = str(env, 'DATABASE_MIGRATION_URL');
  const replicas = (str(env, 'DATABASE_REPLICA_URLS', '') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError('DATABASE_URL', 'must name a file after "sqlite:"');
    if (migration !== undefined) throw new ConfigError('DATABASE_MIGRATION_URL', 'needs a postgres:// DATABASE_URL');
    if (replicas.length) throw new ConfigError('DATABASE_REPLICA_URLS', 'needs a postgres:// DATABASE_URL');
    return { engine: 'sqlite', url, sqlitePath: path, replicaUrls: [], ...limits };
  }
  if (isPostgresUrl(url)) {
    const primary = parsePostgresUrl('DATABASE_URL', url);
    let migrationUrl: string | undefined;
    if (migration !== undefined) {
      if (!isPostgresUrl(migration)) throw new ConfigError('DATABASE_MIGRATION_URL', 'must start with "postgres://"');
      const parsed = parsePostgresUrl('DATABASE_MIGRATION_URL', migration);
      if ((parsed.schema ?? primary.schema) !== primary.schema)
        throw new ConfigError('DATABASE_MIGRATION_URL', 'must name the same ?schema= as DATABASE_URL');
      migrationUrl = parsed.url;
    }
    const replicaUrls = replicas.map((replica) => {
      if (!isPostgresUrl(replica))
        throw new ConfigError('DATABASE_REPLICA_URLS', 'must be comma-separated postgres:// URLs');
      const parsed = parsePostgresUrl('DATABASE_REPLICA_URLS', replica);
      if ((parsed.schema ?? primary.schema) !== primary.schema)
        throw new ConfigError('DATABASE_REPLICA_URLS', 'must name the same ?schema= as DATABASE_URL');
      return parsed.url;
    });
    return { engine: 'postgres', ...primary, migrationUrl, replicaUrls, ...limits };
  }
  throw new ConfigError('DATABASE_URL', 'must start with "sqlite:" or "postgres://"');
}

function rate(env: Env, name: string, limit: number, ttlMs: number): RateLimit {
  return { limit: int(env, name, limit, 1, 10_000_000), ttlMs };
}

/** `PUBLIC_URL`: an absolute http(s) URL without credentials, query or fragment; a trailing slash is dropped. */
function parsePublicUrl(env: Env, port: number): string {
  const raw = str(env, 'PUBLIC_URL', `http://localhost:${port}`)!;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError('PUBLIC_URL', `must start with "http://" or "https://", got "${raw}"`);
  if (url.username || url.password) throw new ConfigError('PUBLIC_URL', 'must not contain credentials');
  if (url.search || url.hash || raw.includes('?') || raw.includes('#'))
    throw new ConfigError('PUBLIC_URL', 'must not have a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const MAILBOX = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

function parseMail(env: Env): AppConfig['mail'] {
  const smtpUrl = str(env, 'SMTP_URL');
  if (smtpUrl !== undefined) {
    // The value is never echoed: it may hold a password.
    if (!/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('SMTP_URL', 'must start with "smtp://" or "smtps://"');
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      throw new ConfigError('SMTP_URL', 'is not a valid URL (percent-encode special characters in the password)');
    }
    if (!url.hostname) throw new ConfigError('SMTP_URL', 'must name a host');
  }
  const from = str(env, 'MAIL_FROM', 'Identity Hub <no-reply@localhost>')!;
  const named = /^([^<>\r\n]*)<([^<>]+)>$/.exec(from);
  const address = named ? named[2].trim() : from;
  if (/[\r\n]/.test(from) || !MAILBOX.test(address))
    throw new ConfigError('MAIL_FROM', `must be "address@domain" or "Name <address@domain>", got "${from}"`);
  return { smtpUrl, from };
}

/** `https://shop.example.com, http://localhost:5173` → the origins, each checked and normalised. */
function parseOrigins(env: Env): string[] {
  const raw = str(env, 'CORS_ORIGINS', '')!;
  const origins: string[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let origin: string;
    try {
      const url = new URL(item);
      origin = url.origin;
      if (!/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
        throw new Error('not an origin');
      }
    } catch {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must be comma-separated origins like https://shop.example.com (scheme, host and optional port, no path), got "${item}"`,
      );
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

function parseMetricsToken(env: Env): string | undefined {
  const token = str(env, 'METRICS_TOKEN');
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters without spaces');
  }
  return token;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): AppConfig {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const redisUrl = str(env, 'REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must start with "redis://" or "rediss://"');
  }
  const partnerName = str(env, 'PARTNER_NAME', 'default')!;
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(partnerName)) {
    throw new ConfigError('PARTNER_NAME', 'must be lowercase letters, digits, "-" or "_" (at most 64)');
  }
  const adminEmail = str(env, 'BOOTSTRAP_ADMIN_EMAIL');
  const adminPassword = env.BOOTSTRAP_ADMIN_PASSWORD;
  if ((adminEmail === undefined) !== (adminPassword === undefined || adminPassword === '')) {
    throw new ConfigError(
      adminEmail === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD',
      'must be set together with its pair',
    );
  }
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError('BOOTSTRAP_ADMIN_EMAIL', 'is not an email address');
  }
  const logLevel = str(env, 'LOG_LEVEL', 'info')!;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const trustedProxies = (str(env, 'TRUSTED_PROXIES', '') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const minute = 60_000;
  return Object.freeze({
    port,
    host: str(env, 'HOST', '0.0.0.0')!,
    database: parseDatabase(env),
    redisUrl,
    redisKeyPrefix: str(env, 'REDIS_KEY_PREFIX', 'identity-hub:')!,
    partnerName,
    bootstrapAdmin: adminEmail ? { email: adminEmail, password: adminPassword! } : undefined,
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 720, 1, 24 * 365 * 10),
    logLevel,
    trustedProxies,
    nodeEnv: str(env, 'NODE_ENV', 'development')!,
    rateLimits: {
      signInPerEmail: rate(env, 'RATE_LIMIT_SIGNIN_PER_EMAIL', 10, 15 * minute),
      signInPerAddress: rate(env, 'RATE_LIMIT_SIGNIN_PER_ADDRESS', 100, minute),
      registerPerAddress: rate(env, 'RATE_LIMIT_REGISTER_PER_ADDRESS', 100, minute),
      passwordChangePerUser: rate(env, 'RATE_LIMIT_PASSWORD_CHANGE_PER_USER', 5, 15 * minute),
      emailChangePerUser: rate(env, 'RATE_LIMIT_EMAIL_CHANGE_PER_USER', 10, 60 * minute),
      passwordResetPerEmail: rate(env, 'RATE_LIMIT_PASSWORD_RESET_PER_EMAIL', 5, 60 * minute),
      passwordResetPerAddress: rate(env, 'RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS', 30, 60 * minute),
      emailVerificationPerUser: rate(env, 'RATE_LIMIT_EMAIL_VERIFICATION_PER_USER', 5, 60 * minute),
      partnerIdentity: rate(env, 'RATE_LIMIT_PARTNER_IDENTITY', 2000, minute),
      partnerIdentityDelete: rate(env, 'RATE_LIMIT_PARTNER_IDENTITY_DELETE', 1000, minute),
      partnerUpsert: rate(env, 'RATE_LIMIT_PARTNER_UPSERT', 25000, minute),
      partnerProfile: rate(env, 'RATE_LIMIT_PARTNER_PROFILE', 1000, minute),
      partnerDelete: rate(env, 'RATE_LIMIT_PARTNER_DELETE', 10000, minute),
      partnerAnonymize: rate(env, 'RATE_LIMIT_PARTNER_ANONYMIZE', 500, minute),
      partnerMetadata: rate(env, 'RATE_LIMIT_PARTNER_METADATA', 1000, minute),
    },
    credentialCacheMs: int(env, 'CREDENTIAL_CACHE_MS', 30_000, 0, 3_600_000),
    graphqlLimits: Object.freeze({
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 12, 1, 1000),
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 30, 0, 100_000),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 0, 100_000),
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 5000, 100, 1_000_000),
      maxNodes: int(env, 'GRAPHQL_MAX_NODES', 500_000, 0, Number.MAX_SAFE_INTEGER),
    }),
    hsts: bool(env, 'HSTS', false),
    publicUrl: parsePublicUrl(env, port),
    passwordResetTtlMinutes: int(env, 'PASSWORD_RESET_TTL_MINUTES', 60, 1, 7 * 24 * 60),
    emailVerificationTtlHours: int(env, 'EMAIL_VERIFICATION_TTL_HOURS', 48, 1, 30 * 24),
    mail: parseMail(env),
    outbox: {
      pollMs: int(env, 'OUTBOX_POLL_MS', 1000, 0, 3_600_000),
      batchSize: int(env, 'OUTBOX_BATCH_SIZE', 10, 1, 100),
      leaseMs: int(env, 'OUTBOX_LEASE_MS', 300_000, 10_000, 86_400_000),
    },
    audit: {
      retentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365, 1, 36_500),
      flushMs: int(env, 'AUDIT_FLUSH_MS', 1000, 0, 1000),
      purgeMs: int(env, 'AUDIT_PURGE_MS', 3_600_000, 0, 86_400_000),
    },
    segmentCountFoldMs: int(env, 'SEGMENT_COUNT_FOLD_MS', 2000, 0, 60_000),
    unmergeDays: int(env, 'UNMERGE_DAYS', 90, 1, 36_500),
    webhooks: {
      allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 100, 15_000),
      secretOverlapHours: int(env, 'WEBHOOK_SECRET_OVERLAP_HOURS', 24, 0, 720),
    },
    corsOrigins: parseOrigins(env),
    graphqlExplorer: bool(env, 'GRAPHQL_EXPLORER', true),
    metricsToken: parseMetricsToken(env),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 1000, 600_000),
    heapGrowingPercent: int(env, 'HEAP_GROWING_PERCENT', 20, 0, 400),
  });
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
