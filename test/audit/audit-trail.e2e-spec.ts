import { AuditEntry, AuditService } from '../../src/audit/audit.service';
import { TransactionService } from '../../src/database/transaction.service';
import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const EVENTS = `query($where: AuditEventWhereInput, $take: Int) {
  auditEvents(where: $where, take: $take) {
    id occurredAt action actor { kind id ipAddress requestId } resource { type id } changes { field old new }
  }
}`;

describe('audit trail (SPEC §9)', () => {
  let t: TestApp;
  let admin: SeededUser;
  let auditor: SeededUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    admin = await seedUser(t, { permissions: 'all' });
    auditor = await seedUser(t, { permissions: [Permission.CanReadAudit, Permission.CanReadUsers] });
  });
  afterAll(() => t.close());

  it("records an admin's change with the actor, the request, and masked or redacted values", async () => {
    const customer = await seedUser(t, { email: 'jane.doe@example.com', name: 'Jane Doe' });
    const res = await t
      .http()
      .post('/graphql')
      .set({
        authorization: `Bearer ${admin.token}`,
        'x-request-id': 'req-audit-1',
        'content-type': 'application/json',
      })
      .send({
        query: `mutation($id: ID!) { updateUser(where: { id: $id }, data: { email: "john.roe@example.org", onboardingStatus: "completed", password: "a much longer secret 42" }) { id } }`,
        variables: { id: customer.user.id },
      });
    expect(res.body.errors).toBeUndefined();

    const { data, errors } = await t.gql(
      EVENTS,
      { where: { resourceId: customer.user.id, action: 'user.updated' } },
      auditor.token,
    );
    expect(errors).toBeUndefined();
    expect(data.auditEvents).toHaveLength(1);
    const [entry] = data.auditEvents;
    expect(entry.actor).toEqual({
      kind: 'session',
      id: admin.user.id,
      ipAddress: expect.any(String),
      requestId: 'req-audit-1',
    });
    expect(entry.resource).toEqual({ type: 'user', id: customer.user.id });
    expect(entry.changes).toEqual([
      { field: 'email', old: 'j***@example.com', new: 'j***@example.org' },
      { field: 'onboardingStatus', old: 'not_started', new: 'completed' },
      { field: 'passwordHash', old: null, new: '[redacted]' },
    ]);
    const password = await t.gql(
      EVENTS,
      { where: { resourceId: customer.user.id, action: 'user.password_changed' } },
      auditor.token,
    );
    expect(password.data.auditEvents).toHaveLength(1);
  });

  it('User.history lists the entries about one user, newest first; it needs canReadAudit', async () => {
    const customer = await seedUser(t);
    await t.gql(
      `mutation($id: ID!) { updateUser(where: { id: $id }, data: { name: "Renamed Person", addresses: { create: [{ city: "Helsinki", country: { connect: { iso2: "FI" } } }] } }) { id } }`,
      { id: customer.user.id },
      admin.token,
    );
    const query = `query($id: ID!) { user(where: { id: $id }) { history { action resource { type } changes { field old new } } } }`;
    const { data, errors } = await t.gql(query, { id: customer.user.id }, auditor.token);
    expect(errors).toBeUndefined();
    expect(data.user.history.map((e: { action: string }) => e.action).sort()).toEqual([
      'address.created',
      'user.updated',
    ]);
    const address = data.user.history.find((e: { action: string }) => e.action === 'address.created');
    expect(address.changes).toEqual(
      expect.arrayContaining([
        { field: 'city', old: null, new: 'H***' },
        { field: 'countryId', old: null, new: expect.any(String) },
      ]),
    );

    const own = await t.gql(query, { id: customer.user.id }, customer.token);
    expect(own.code).toBe('FORBIDDEN');
    expect(own.errors?.[0].message).toMatch(/canReadAudit/);
  });

  it('auditEvents needs canReadAudit; take is at most 500', async () => {
    const customer = await seedUser(t);
    const refused = await t.gql(EVENTS, {}, customer.token);
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.data.auditEvents ?? null).toBeNull();
    const tooMany = await t.gql(EVENTS, { take: 501 }, auditor.token);
    expect(tooMany.code).toBe('BAD_USER_INPUT');
  });

  it('records a refused operation as authorization.denied', async () => {
    const customer = await seedUser(t);
    await t.gql(`mutation { createRole(data: { name: "sneaky" }) { id } }`, {}, customer.token);
    await t.app.get(AuditService).flush();
    const { data } = await t.gql(
      EVENTS,
      { where: { action: 'authorization.denied', actorId: customer.user.id } },
      auditor.token,
    );
    expect(data.auditEvents).toHaveLength(1);
    expect(data.auditEvents[0].resource).toEqual({ type: 'operation', id: 'Mutation.createRole' });
    expect(data.auditEvents[0].changes).toEqual([{ field: 'required', old: null, new: ['canManageRoles'] }]);
  });

  it("buffers the partner API's entries and writes them on flush, with the API token as the actor", async () => {
    const before = new Date(Date.now() - 1000);
    const { token, row } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    const headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
    const res = await t.rest('post', '/api/user/v1/upsert', {
      headers,
      body: { users: [{ identifiers: { email: 'partner.person@example.com' }, attributes: { name: 'Pat' } }] },
    });
    expect(res.status).toBe(200);
    const patch = await t.rest('patch', '/api/user/v1/identity', {
      headers,
      body: { old_identifier: { email: 'partner.person@example.com' }, new_identifier: { email: 'pat@example.net' } },
    });
    expect(patch.status).toBe(200);
    await t.app.get(AuditService).flush();
    const { data } = await t.gql(EVENTS, { where: { actorId: row.id } }, auditor.token);
    expect(data.auditEvents.map((e: { action: string }) => e.action)).toEqual([
      'identity.identifier_changed',
      'identity.created',
    ]);
    expect(data.auditEvents[0].actor.kind).toBe('api-token');
    expect(data.auditEvents[0].changes).toEqual([{ field: 'email', old: 'p***@example.com', new: 'p***@example.net' }]);
    expect(data.auditEvents[1].changes).toEqual([
      { field: 'email', old: null, new: 'p***@example.com' },
      { field: 'name', old: null, new: 'P***' },
    ]);
    // the buffered entries keep the time of their change (not of the flush), in UTC, and the time filters find them
    const after = new Date(Date.now() + 1000);
    for (const e of data.auditEvents as { occurredAt: string }[]) {
      const at = new Date(e.occurredAt).getTime();
      expect([at >= before.getTime(), at <= after.getTime()]).toEqual([true, true]);
    }
    const within = await t.gql(EVENTS, { where: { actorId: row.id, from: before, to: after } }, auditor.token);
    expect(within.data.auditEvents).toHaveLength(2);
    const earlier = await t.gql(EVENTS, { where: { actorId: row.id, to: before } }, auditor.token);
    expect(earlier.data.auditEvents).toEqual([]);
  });

  it("buffers a partner write's entries only once its transaction has committed", async () => {
    const audit = t.app.get(AuditService);
    const tx = t.app.get(TransactionService);
    const entry = (id: string): AuditEntry => ({
      action: 'identity.updated',
      actor: null,
      resource: { type: 'identity', id },
      changes: [{ field: 'c_tier', old: undefined, new: 'Gold' }],
    });
    const failed = tx.run(async (manager) => {
      await audit.buffer(manager, [entry('probe-rolled-back')]);
      throw new Error('the change failed after its entry was made');
    });
    await expect(failed).rejects.toThrow('the change failed after its entry was made');
    await tx.run(async (manager) => {
      await audit.buffer(manager, [entry('probe-committed')]);
      if (t.dataSource.options.type === 'postgres') {
        // a flush while the change is open does not write its entry (SQLite's flush would queue behind it)
        await audit.flush();
        const open = await t.dataSource.query(
          "SELECT resource_id FROM audit_events WHERE resource_id = 'probe-committed'",
        );
        expect(open).toEqual([]);
      }
    });
    await audit.buffer(null, [entry('probe-no-transaction')]);
    await audit.flush();
    const rows = await t.dataSource.query<{ resource_id: string }[]>(
      "SELECT resource_id FROM audit_events WHERE resource_id LIKE 'probe-%' ORDER BY resource_id",
    );
    expect(rows.map((r) => r.resource_id)).toEqual(['probe-committed', 'probe-no-transaction']);
  });

  it('the purge deletes entries older than AUDIT_RETENTION_DAYS, and only those', async () => {
    const audit = t.app.get(AuditService);
    const before = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_events');
    const kept = Number(before[0].n);
    expect(kept).toBeGreaterThan(0);
    // Nothing is old enough now; 366 days from now everything is.
    expect(await audit.purge(new Date())).toBe(0);
    expect(await audit.purge(new Date(Date.now() + 366 * 86_400_000))).toBe(kept);
    const after = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_events');
    expect(Number(after[0].n)).toBe(0);
  });
});
