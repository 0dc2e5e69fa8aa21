import { AuditService } from '../../src/audit/audit.service';
import { Permission, Scope } from '../../src/auth/permissions';
import { DIFFERENT_USERS } from '../../src/identity/partner-api/upsert-plan';
import { seedApiToken, seedUser } from '../helpers/factories';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const PARTNER = { 'X-PARTNER-NAME': 'mergebrand', 'Content-Type': 'application/json' };
const MERGE = `mutation($into: IdentityWhereUniqueInput!, $from: [IdentityWhereUniqueInput!]!, $reason: String) {
  mergeIdentities(into: $into, from: $from, reason: $reason) {
    id survivor { id email } mergedIds conflicts actor reason createdAt unmergedAt } }`;
const UNMERGE = `mutation($id: ID!) { unmergeIdentity(mergeId: $id) { id email } }`;
const MERGES = `query($where: IdentityMergeWhereInput) { identityMerges(where: $where) { id mergedIds survivor { id } unmergedAt } }`;
const IDENTITY = `query($email: String!) { identity(email: $email) { id email identifiers { type value } attributes { name value } } }`;

/** Every row of the identity tables of some profiles, as stored (timestamps as text). */
async function rowsOf(t: TestApp, ids: string[]) {
  const list = ids.map((_, i) => `$${i + 1}`).join(', ');
  const q = (sql: string) =>
    t.dataSource.query(isPostgres() ? sql : sql.replace(/\$\d+/g, '?'), ids) as Promise<Record<string, unknown>[]>;
  return {
    profiles: await q(
      `SELECT id, user_id, CAST(created_at AS text) AS created_at FROM identity_profiles WHERE id IN (${list}) ORDER BY id`,
    ),
    identifiers: await q(
      `SELECT id, profile_id, type, value, CAST(created_at AS text) AS created_at FROM identity_identifiers WHERE profile_id IN (${list}) ORDER BY id`,
    ),
    attributes: await q(
      `SELECT profile_id, key, value, value_key, CAST(updated_at AS text) AS updated_at FROM identity_attributes WHERE profile_id IN (${list}) ORDER BY profile_id, key`,
    ),
    events: await q(
      `SELECT id, profile_id, event_name, CAST(timestamp AS text) AS timestamp, params, CAST(created_at AS text) AS created_at FROM identity_events WHERE profile_id IN (${list}) ORDER BY id`,
    ),
  };
}

/** SPEC §10: merging profiles, every old identifier finding the survivor, and undoing it exactly. */
describe('mergeIdentities and unmergeIdentity', () => {
  let t: TestApp;
  let token: string;
  let reader: string;
  const partner = () => ({ ...PARTNER, 'X-REQUEST-TOKEN': token });
  const upsert = (users: unknown[]) => t.rest('post', '/api/user/v1/upsert', { headers: partner(), body: { users } });
  const profile = (body: unknown) => t.rest('post', '/api/user/v1/profile', { headers: partner(), body });
  const identity = async (email: string) => (await t.gql(IDENTITY, { email }, { basic: token })).data.identity;
  const merge = (into: unknown, from: unknown[], reason?: string) =>
    t.gql(MERGE, { into, from, reason }, { basic: token });

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: 'mergebrand' } });
    token = (await seedApiToken(t, [Scope.IdentitiesWrite, Scope.IdentitiesRead])).token;
    reader = (await seedApiToken(t, [Scope.IdentitiesRead])).token;
  });
  afterAll(() => t.close());

  it('merges, every old identifier and id finds the survivor, and unmerge restores both profiles byte for byte', async () => {
    const seeded = await upsert([
      {
        identifiers: { email: 'keep@example.com', uuid: 'keep-uuid' },
        attributes: { name: 'Keep', custom: { tags: ['x', 'y'], tier: 'gold' } },
        events: [{ event_name: 'view', timestamp: '2024-01-01T00:00:00Z', event_params: { product_id: 'p1' } }],
      },
      {
        identifiers: { email: 'gone@example.com', uuid: 'gone-uuid', phone_number: '+358401234567' },
        attributes: { surname: 'Gone', custom: { tags: ['y', 'z'], tier: 'silver', only: 'gone' } },
        events: [
          { event_name: 'buy', timestamp: '2024-02-01T00:00:00Z' },
          { event_name: 'view', timestamp: '2024-02-02T00:00:00Z' },
        ],
      },
    ]);
    expect(seeded.body).toEqual({ data: { successful: { count: 2 }, fail: {} } });
    const keep = (await identity('keep@example.com')).id as string;
    const gone = (await identity('gone@example.com')).id as string;
    const before = await rowsOf(t, [keep, gone]);

    const merged = await merge(
      { email: 'keep@example.com' },
      [{ identifier: { type: 'uuid', value: 'gone-uuid' } }],
      'same person',
    );
    expect(merged.errors).toBeUndefined();
    const m = merged.data.mergeIdentities;
    expect(m).toMatchObject({
      survivor: { id: keep, email: 'keep@example.com' },
      mergedIds: [gone],
      reason: 'same person',
      unmergedAt: null,
    });
    expect(m.actor).toMatch(/^token:/);
    expect(m.conflicts).toEqual([
      {
        profileId: gone,
        kind: 'identifier',
        name: 'email',
        value: 'gone@example.com',
        kept: 'keep@example.com',
        alias: true,
      },
      { profileId: gone, kind: 'identifier', name: 'uuid', value: 'gone-uuid', kept: 'keep-uuid', alias: true },
      { profileId: gone, kind: 'attribute', name: 'c_tier', value: 'silver', kept: 'gold' },
    ]);

    // every lookup by an old identifier or the old id finds the survivor
    expect((await identity('gone@example.com')).id).toBe(keep);
    const byEmail = await profile({ identifiers: { email: 'gone@example.com' }, attributes: ['*'] });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.iid).toBe(keep);
    expect((await profile({ identifiers: { uuid: 'gone-uuid' } })).body.iid).toBe(keep);
    expect((await profile({ identifiers: { phone_number: '+358401234567' } })).body.iid).toBe(keep);
    expect((await profile({ insider_id: gone })).body.iid).toBe(keep);
    // what the survivor holds: its identifiers plus those of free types, arrays unioned, its values winning
    const survivor = await identity('keep@example.com');
    expect(survivor.identifiers).toEqual([
      { type: 'uuid', value: 'keep-uuid' },
      { type: 'email', value: 'keep@example.com' },
      { type: 'phone_number', value: '+358401234567' },
    ]);
    expect(survivor.attributes).toEqual([
      { name: 'only', value: 'gone' },
      { name: 'tags', value: '["x","y","z"]' },
      { name: 'tier', value: 'gold' },
    ]);
    const events = await profile({
      insider_id: keep,
      attributes: ['name', 'surname'],
      events: { start_date: 0, end_date: 2_000_000_000 },
    });
    expect(events.body.attributes).toEqual({ iid: keep, name: 'Keep', surname: 'Gone' });
    expect(Object.values(events.body.events as Record<string, unknown[]>).flat()).toHaveLength(3);
    // an /upsert naming the merged profile writes to the survivor
    const later = await upsert([{ insider_id: gone, attributes: { custom: { note: 'after' } } }]);
    expect(later.body.data.successful.count).toBe(1);
    expect((await identity('keep@example.com')).attributes).toContainEqual({ name: 'note', value: 'after' });

    const listed = await t.gql(MERGES, { where: { profileId: gone } }, { basic: token });
    expect(listed.data.identityMerges).toEqual([
      { id: m.id, mergedIds: [gone], survivor: { id: keep }, unmergedAt: null },
    ]);

    const undone = await t.gql(UNMERGE, { id: m.id }, { basic: token });
    expect(undone.errors).toBeUndefined();
    expect(undone.data.unmergeIdentity).toEqual([
      { id: keep, email: 'keep@example.com' },
      { id: gone, email: 'gone@example.com' },
    ]);
    // the note written after the merge stays with the survivor; everything else is as it was
    const after = await rowsOf(t, [keep, gone]);
    expect(after.attributes.filter((a) => a.key !== 'c_note')).toEqual(before.attributes);
    expect(after.identifiers).toEqual(before.identifiers);
    expect(after.events).toEqual(before.events);
    expect(after.profiles).toEqual(before.profiles);
    expect((await profile({ insider_id: gone })).body.iid).toBe(gone);
    expect((await identity('gone@example.com')).id).toBe(gone);

    const again = await t.gql(UNMERGE, { id: m.id }, { basic: token });
    expect(again.code).toBe('CONFLICT');
    expect(again.errors![0].message).toBe('This merge has been undone already');
    expect(
      (await t.gql(MERGES, { where: { profileId: gone } }, { basic: token })).data.identityMerges[0].unmergedAt,
    ).not.toBeNull();
  });

  it('refuses an unmerge after 90 days; the retention job then empties that snapshot only, and the answer stays', async () => {
    const sql = (text: string, params: unknown[]) =>
      t.dataSource.query(isPostgres() ? text : text.replace(/\$\d+/g, '?'), params) as Promise<Record<string, any>[]>;
    await upsert([
      { identifiers: { email: 'old-a@example.com' } },
      { identifiers: { email: 'old-b@example.com' }, attributes: { custom: { tier: 'silver' } } },
      { identifiers: { email: 'new-a@example.com' } },
      { identifiers: { email: 'new-b@example.com' } },
    ]);
    const old = (await merge({ email: 'old-a@example.com' }, [{ email: 'old-b@example.com' }])).data.mergeIdentities;
    const recent = (await merge({ email: 'new-a@example.com' }, [{ email: 'new-b@example.com' }])).data.mergeIdentities;
    // the old merge was made 91 days ago (UTC text: both engines store it as given)
    const madeAt = new Date(Date.now() - 91 * 86_400_000);
    await sql('UPDATE identity_merges SET created_at = $1 WHERE id = $2', [
      madeAt.toISOString().replace('T', ' ').replace('Z', ''),
      old.id,
    ]);
    const expired = {
      code: 'CONFLICT',
      message: `A merge can be undone for 90 days; this one was made on ${madeAt.toISOString()}`,
    };
    const unmerge = async (id: string) => {
      const res = await t.gql(UNMERGE, { id }, { basic: token });
      return { code: res.code, message: res.errors?.[0].message };
    };
    expect(await unmerge(old.id)).toEqual(expired);

    const snapshots = async () =>
      Object.fromEntries(
        (await sql('SELECT id, snapshot FROM identity_merges WHERE id IN ($1, $2)', [old.id, recent.id])).map((r) => [
          r.id,
          JSON.parse(r.snapshot as string),
        ]),
      );
    expect((await snapshots())[old.id].profiles[0].identifiers).toEqual([
      expect.objectContaining({ type: 'email', value: 'old-b@example.com' }),
    ]);

    // the retention job (AUDIT_PURGE_MS) purges the merged profile's data from the expired merge only
    const audit = t.app.get(AuditService);
    expect(await audit.retention()).toEqual({ 'audit entries': 0, 'identity merge snapshots': 1 });
    const after = await snapshots();
    expect(after[old.id]).toEqual({});
    expect(JSON.stringify(after[old.id])).not.toContain('old-b@example.com');
    expect(after[recent.id].profiles[0].identifiers).toEqual([
      expect.objectContaining({ type: 'email', value: 'new-b@example.com' }),
    ]);
    expect(await audit.retention()).toEqual({ 'audit entries': 0, 'identity merge snapshots': 0 });

    // the purged merge is still listed, and answers as it did before the purge
    const listed = await t.gql(MERGES, { where: { profileId: old.survivor.id } }, { basic: token });
    expect(listed.data.identityMerges).toEqual([
      { id: old.id, mergedIds: old.mergedIds, survivor: { id: old.survivor.id }, unmergedAt: null },
    ]);
    expect(await unmerge(old.id)).toEqual(expired);
    // the recent merge kept what it needs: it is undone
    const undone = await t.gql(UNMERGE, { id: recent.id }, { basic: token });
    expect(undone.errors).toBeUndefined();
    expect(undone.data.unmergeIdentity.map((p: { email: string }) => p.email)).toEqual([
      'new-a@example.com',
      'new-b@example.com',
    ]);
  });

  it('refuses an unmerge when an identifier of the merged profile has been claimed since, naming it', async () => {
    await upsert([
      { identifiers: { email: 'claim-a@example.com' } },
      { identifiers: { email: 'claim-b@example.com', phone_number: '+358409999999' } },
    ]);
    const m = (await merge({ email: 'claim-a@example.com' }, [{ email: 'claim-b@example.com' }])).data.mergeIdentities;
    // the phone moved to the survivor; it is removed there and another profile takes it
    const removed = await t.rest('delete', '/api/user/v1/identity', {
      headers: partner(),
      body: { identifiers: { phone_number: '+358409999999' } },
    });
    expect(removed.status).toBe(200);
    await upsert([{ identifiers: { email: 'claim-c@example.com', phone_number: '+358409999999' } }]);
    const other = (await identity('claim-c@example.com')).id;
    const undone = await t.gql(UNMERGE, { id: m.id }, { basic: token });
    expect(undone.code).toBe('CONFLICT');
    expect(undone.errors![0].message).toBe(
      `The phone_number identifier +358409999999 of profile ${m.mergedIds[0]} has been claimed by profile ${other} since`,
    );
    expect((await identity('claim-b@example.com')).id).toBe(m.survivor.id); // nothing changed
  });

  it('refuses profiles linked to different accounts, unknown profiles, and a profile merged into itself', async () => {
    await upsert([{ identifiers: { email: 'acct-a@example.com' } }, { identifiers: { email: 'acct-b@example.com' } }]);
    const a = (await identity('acct-a@example.com')).id;
    const b = (await identity('acct-b@example.com')).id;
    const [ua, ub] = [await seedUser(t), await seedUser(t)];
    await t.dataSource.query(
      isPostgres()
        ? 'UPDATE identity_profiles SET user_id = $1 WHERE id = $2'
        : 'UPDATE identity_profiles SET user_id = ? WHERE id = ?',
      [ua.user.id, a],
    );
    await t.dataSource.query(
      isPostgres()
        ? 'UPDATE identity_profiles SET user_id = $1 WHERE id = $2'
        : 'UPDATE identity_profiles SET user_id = ? WHERE id = ?',
      [ub.user.id, b],
    );
    const refused = await merge({ id: a }, [{ id: b }]);
    expect(refused.code).toBe('CONFLICT');
    expect(refused.errors![0].message).toBe('Profiles linked to different accounts cannot be merged');
    expect((await identity('acct-b@example.com')).id).toBe(b);

    const unknown = await merge({ id: a }, [{ email: 'nobody@example.com' }]);
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.errors![0].message).toBe('No identity matches from[0]');
    const self = await merge({ id: a }, [{ email: 'acct-a@example.com' }]);
    expect(self.code).toBe('CONFLICT');
    expect(self.errors![0].message).toBe('The profiles named are one profile already: nothing to merge');
  });

  it('validates its input and its callers', async () => {
    const tooMany = await merge(
      { email: 'x@example.com' },
      Array.from({ length: 50 }, (_, i) => ({ email: `many-${i}@example.com` })),
    );
    expect(tooMany.code).toBe('BAD_USER_INPUT');
    expect(tooMany.errors![0].message).toContain('at most 50 profiles in one merge');
    const two = await merge({ email: 'x@example.com', id: 'y' }, [{ email: 'z@example.com' }]);
    expect(two.code).toBe('BAD_USER_INPUT');
    const readOnly = await t.gql(
      MERGE,
      { into: { email: 'a@example.com' }, from: [{ email: 'b@example.com' }] },
      { basic: reader },
    );
    expect(readOnly.code).toBe('FORBIDDEN');
    const manager = await seedUser(t, { permissions: [Permission.CanManageIdentities] });
    const listed = await t.gql(MERGES, {}, manager.token);
    expect(listed.errors).toBeUndefined();
    const customer = await seedUser(t);
    expect((await t.gql(MERGES, {}, customer.token)).code).toBe('FORBIDDEN');
    const missing = await t.gql(UNMERGE, { id: 'no-such-merge' }, { basic: token });
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.errors![0].message).toBe('No merge with this id');
  });

  it('mergeOnUpsert: off by default (the user fails); on, the profiles merge into the oldest and the user is written', async () => {
    await upsert([{ identifiers: { email: 'old@example.com' }, attributes: { name: 'Old' } }]);
    await upsert([{ identifiers: { phone_number: '+358405550000' }, attributes: { custom: { tier: 'new' } } }]);
    const oldest = (await identity('old@example.com')).id;
    const user = {
      identifiers: { email: 'old@example.com', phone_number: '+358405550000' },
      attributes: { surname: 'Both' },
    };
    const refused = await upsert([user]);
    expect(refused.body.data.successful.count).toBe(0);
    expect(refused.body.data.fail).toEqual({ count: 1, errors: { 'users.0.identifiers': [DIFFERENT_USERS] } });

    const admin = await seedUser(t, { permissions: [Permission.CanManageIdentities] });
    const SETTINGS = `mutation($d: IdentitySettingsInput!) { updateIdentitySettings(data: $d) { mergeOnUpsert blockedValues } }`;
    const on = await t.gql(SETTINGS, { d: { mergeOnUpsert: true } }, admin.token);
    expect(on.data.updateIdentitySettings).toEqual({
      mergeOnUpsert: true,
      blockedValues: ['undefined', 'anonymous', '0', '1', 'null'],
    });
    try {
      const merged = await upsert([user]);
      expect(merged.body).toEqual({ data: { successful: { count: 1 }, fail: {} } });
      const p = await profile({
        identifiers: { phone_number: '+358405550000' },
        attributes: ['name', 'surname', 'c_tier'],
      });
      expect(p.body).toMatchObject({
        iid: oldest,
        attributes: { iid: oldest, name: 'Old', surname: 'Both', c_tier: 'new' },
      });
      const listed = await t.gql(
        `query($w: IdentityMergeWhereInput) { identityMerges(where: $w) { survivor { id } actor reason } }`,
        { w: { profileId: oldest } },
        { basic: token },
      );
      expect(listed.data.identityMerges).toEqual([
        { survivor: { id: oldest }, actor: 'system:upsert', reason: 'mergeOnUpsert' },
      ]);
    } finally {
      await t.gql(SETTINGS, { d: { mergeOnUpsert: false } }, admin.token);
    }
  });

  (isPostgres() ? it : it.skip)(
    '20 concurrent merges of overlapping profiles end consistent, none failing with a deadlock',
    async () => {
      const emails = Array.from({ length: 10 }, (_, i) => `ring-${i}@example.com`);
      await upsert(
        emails.map((email, i) => ({ identifiers: { email, uuid: `ring-${i}` }, attributes: { custom: { n: [i] } } })),
      );
      // each merges a profile with its two neighbours on a ring, twice over: every pair overlaps another
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, k) => {
          const i = k % 10;
          return merge({ email: emails[i] }, [{ email: emails[(i + 1) % 10] }, { email: emails[(i + 2) % 10] }]);
        }),
      );
      for (const a of answers) {
        if (a.errors) {
          expect(a.code).toBe('CONFLICT');
          expect(a.errors[0].message).toBe('The profiles named are one profile already: nothing to merge');
        }
      }
      // one profile is left, holding every value: each old email finds it
      const ids = new Set(await Promise.all(emails.map(async (e) => (await identity(e)).id)));
      expect(ids.size).toBe(1);
      const [survivor] = [...ids];
      const rows = await rowsOf(t, [survivor]);
      expect(rows.profiles).toHaveLength(1);
      const n = rows.attributes.find((a) => a.key === 'c_n')!;
      expect((JSON.parse(n.value as string) as number[]).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    },
  );
});
