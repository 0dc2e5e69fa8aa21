import { AppConfig, loadConfig } from '../config/app-config';
import { RedisService } from '../common/redis.module';
import { ANONYMOUS } from './actor';
import { CredentialCacheService } from './credential-cache.service';

describe('CredentialCacheService', () => {
  const config: AppConfig = loadConfig({});
  const cache = () => new CredentialCacheService(config, new RedisService(config));
  const actor = { ...ANONYMOUS, kind: 'api-token' as const, apiTokenId: 't1' };

  it('caches a lookup and forgets it when the token is invalidated', async () => {
    const c = cache();
    c.set('h1', actor);
    expect(c.get('h1')).toBe(actor);
    await c.invalidateToken('h1');
    expect(c.get('h1')).toBeUndefined();
  });

  it('does not cache a lookup that raced with an invalidation (a revoke committed while it read)', async () => {
    const c = cache();
    const epoch = c.epoch; // the lookup starts reading
    await c.invalidateToken('h2'); // the revoke lands meanwhile
    c.set('h2', actor, undefined, epoch); // the lookup finishes with what it read before the revoke
    expect(c.get('h2')).toBeUndefined();
  });

  it('forgets every credential of a user, and everything on invalidateAll', async () => {
    const c = cache();
    c.set('a', { ...actor, kind: 'session', userId: 'u1' });
    c.set('b', { ...actor, kind: 'session', userId: 'u2' });
    await c.invalidateUser('u1');
    expect([c.get('a'), c.get('b')?.userId]).toEqual([undefined, 'u2']);
    await c.invalidateAll();
    expect(c.get('b')).toBeUndefined();
  });
});
