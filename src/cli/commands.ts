import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { ApiTokenService } from '../auth/api-token.service';
import { AuthService } from '../auth/auth.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AdminBootstrapService } from '../user/admin-bootstrap.service';

export type Flags = Record<string, string | true>;

export interface CliCommand {
  usage: string;
  description: string;
  run(app: NestFastifyApplication, flags: Flags): Promise<void>;
}

/** A required string flag, or a usage error. */
export function requireFlag(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value === '') throw new CliUsageError(`--${name} is required`);
  return value;
}

export class CliUsageError extends Error {}

/**
 * The operator commands (`npm run cli -- <command> [--flag value]`). Each feature adds its own here.
 * The application starts (and migrates) before a command runs, so every command sees a current schema.
 */
export const COMMANDS: Record<string, CliCommand> = {
  migrate: {
    usage: 'migrate',
    description: 'run pending database migrations (they also run at every start)',
    async run(app) {
      const pending = await app.get(DataSource).showMigrations();
      console.log(pending ? 'migrations pending' : 'database schema is up to date');
    },
  },
  'user:create-admin': {
    usage: 'user:create-admin --email E --password P',
    description: 'create a user with the Admin role (every permission)',
    async run(app, flags) {
      const user = await app
        .get(AdminBootstrapService)
        .createAdmin(requireFlag(flags, 'email'), requireFlag(flags, 'password'));
      console.log(`created admin ${user.email} (id ${user.id})`);
    },
  },
  'api-token:create': {
    usage: 'api-token:create --name N --scopes a,b',
    description: 'create an API token (scopes: identities:read, identities:write, gdpr); prints it once',
    async run(app, flags) {
      const scopes = requireFlag(flags, 'scopes')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const { token, apiToken } = await app.get(ApiTokenService).create(requireFlag(flags, 'name'), scopes);
      console.log(
        `id:     ${apiToken.id}\nname:   ${apiToken.name}\nscopes: ${apiToken.scopes.join(',')}\ntoken:  ${token}`,
      );
      console.log('The token is shown this once; only its hash is stored.');
    },
  },
  'api-token:revoke': {
    usage: 'api-token:revoke --id ID',
    description: 'revoke an API token at once',
    async run(app, flags) {
      const apiToken = await app.get(ApiTokenService).revoke(requireFlag(flags, 'id'));
      console.log(`revoked ${apiToken.id} (${apiToken.name}) at ${apiToken.revokedAt?.toISOString()}`);
      // Running servers hear of it through Redis; without Redis this process cannot reach their caches.
      const config = app.get<AppConfig>(APP_CONFIG);
      if (!config.redisUrl && config.credentialCacheMs > 0) {
        console.log(
          `note: without REDIS_URL, a running server that used this token in the last ${Math.ceil(config.credentialCacheMs / 1000)} s ` +
            'may accept it until its credential cache expires (CREDENTIAL_CACHE_MS); revokeApiToken over GraphQL is immediate there',
        );
      }
    },
  },
  'user:reset-link': {
    usage: 'user:reset-link --email E',
    description: 'print a one-time password reset link for a user (no mail is sent)',
    async run(app, flags) {
      const { email, link, expiresAt } = await app
        .get(AuthService)
        .createPasswordResetLink(requireFlag(flags, 'email'));
      console.log(`A one-time password reset link for ${email}, valid until ${expiresAt.toISOString()}:`);
      console.log(link);
      console.log('It replaces any earlier reset link of this user. Hand it over to its owner only.');
    },
  },
};
