import { Scope } from '../../src/auth/permissions';
import { MetricsService } from '../../src/common/metrics.service';
import { TransactionService } from '../../src/database/transaction.service';
import { emailVerificationMail } from '../../src/mail/mail-templates';
import { MailService } from '../../src/mail/mail.service';
import { OutboxEntity } from '../../src/outbox/outbox.entity';
import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { seedApiToken } from '../helpers/factories';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The samples of a Prometheus text answer: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('GET /metrics', () => {
  let t: TestApp;
  const scrape = async () => {
    const res = await t.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    return samples(res.text);
  };

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        METRICS_TOKEN,
        PARTNER_NAME: 'mybrand',
        RATE_LIMIT_PARTNER_PROFILE: '1',
        RATE_LIMIT_REGISTER_PER_ADDRESS: '1',
      },
    });
  });
  afterAll(() => t.close());

  it('needs Authorization: Bearer <METRICS_TOKEN> when one is set', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${METRICS_TOKEN}`]) {
      const req = t.http().get('/metrics');
      const res = await (authorization ? req.set('authorization', authorization) : req);
      expect([res.status, res.body]).toEqual([
        401,
        { code: 'UNAUTHENTICATED', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' },
      ]);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    }
    const ok = await t.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('counts requests by route pattern, method and status, with their duration; unknown URLs are one route', async () => {
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    const headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token };
    const body = { old_identifier: { uuid: 'nobody' }, new_identifier: { uuid: 'nobody-2' } };
    for (let i = 0; i < 3; i++)
      expect((await t.rest('patch', '/api/user/v1/identity', { headers, body })).status).toBe(404);
    for (const path of ['/nope/1', '/nope/2?x=1', '/secret/%2e%2e/x']) await t.rest('get', path);
    const m = await scrape();
    expect(
      m.get(
        'identity_hub_http_request_duration_seconds_count{method="PATCH",route="/api/user/v1/identity",status="404"}',
      ),
    ).toBe(3);
    expect(m.get('identity_hub_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(
      3,
    );
    expect(
      m.get(
        'identity_hub_http_request_duration_seconds_bucket{le="+Inf",method="PATCH",route="/api/user/v1/identity",status="404"}',
      ),
    ).toBe(3);
    expect([...m.keys()].filter((k) => k.includes('nope') || k.includes('secret'))).toEqual([]);
  });

  it('counts GraphQL operations by name, type and outcome', async () => {
    await t.gql('query Countries { countries { iso2 } }');
    await t.gql('query Countries { countries { iso2 } }');
    await t.gql('{ __typename }');
    await t.gql('query Broken { nope }');
    await t.gql('mutation Me { updateActiveUser(data: { name: "x" }) { id } }');
    const m = await scrape();
    expect(m.get('identity_hub_graphql_operations_total{operation="Countries",type="query",outcome="ok"}')).toBe(2);
    expect(m.get('identity_hub_graphql_operations_total{operation="(anonymous)",type="query",outcome="ok"}')).toBe(1);
    expect(
      m.get('identity_hub_graphql_operations_total{operation="(invalid)",type="unknown",outcome="BAD_USER_INPUT"}'),
    ).toBe(1);
    expect(
      m.get('identity_hub_graphql_operations_total{operation="Me",type="mutation",outcome="UNAUTHENTICATED"}'),
    ).toBe(1);
  });

  it('counts rate-limit rejections by limit (every limit goes through the one counting storage)', async () => {
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    const headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token };
    const profile = { identifiers: { uuid: 'nobody' } };
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await t.rest('post', '/api/user/v1/profile', { headers, body: profile })).status);
    expect(statuses).toEqual([404, 429, 429]);
    const register =
      'mutation { registerUser(data: { email: "m@example.com", password: "a long passphrase" }) { id } }';
    expect((await t.gql(register)).errors).toBeUndefined();
    expect((await t.gql(register)).code).toBe('TOO_MANY_REQUESTS');
    const m = await scrape();
    expect(m.get('identity_hub_rate_limit_rejections_total{limit="partnerProfile"}')).toBe(2);
    expect(m.get('identity_hub_rate_limit_rejections_total{limit="registerPerAddress"}')).toBe(1);
  });

  it('has the process metrics, the database pool on PostgreSQL, and Redis when configured', async () => {
    const m = await scrape();
    expect(m.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(m.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    if (isPostgres()) {
      expect(m.get('identity_hub_db_pool_connections{state="open"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('identity_hub_db_pool_connections{state="max"}')).toBe(20);
      expect(m.get('identity_hub_db_pool_waiting')).toBe(0);
    } else {
      expect([...m.keys()].some((k) => k.startsWith('identity_hub_db_pool'))).toBe(false);
    }
    expect(m.get('identity_hub_redis_up')).toBe(process.env.REDIS_URL ? 1 : undefined);
  });

  it('has the outbox backlog by kind: rows waiting, the age of the oldest, rows given up', async () => {
    const backlog = (m: Map<string, number>, kind = 'mail') => [
      m.get(`identity_hub_outbox_pending_rows{kind="${kind}"}`),
      m.get(`identity_hub_outbox_oldest_pending_age_seconds{kind="${kind}"}`),
      m.get(`identity_hub_outbox_failed_rows{kind="${kind}"}`),
    ];
    const outbox = t.dataSource.getRepository(OutboxEntity);
    // earlier tests may have queued mails (a registration): start from no row waiting
    await outbox.clear();
    expect(backlog(await scrape())).toEqual([0, 0, 0]);
    expect(backlog(await scrape(), 'webhook')).toEqual([0, 0, 0]);

    // two mails queued (no worker polls in this app: OUTBOX_POLL_MS=0), the first of them an hour ago
    const mail = t.app.get(MailService);
    for (const to of ['backlog-1@example.com', 'backlog-2@example.com']) {
      const link = mail.link('/account/verify-email', { token: `token-${to}` });
      await t.app
        .get(TransactionService)
        .run((m) => mail.enqueue(m, to, emailVerificationMail({ link, expiresInHours: 48 })));
    }
    const first = await outbox.findOneByOrFail({ status: 'pending' });
    await outbox.update({ id: first.id }, { createdAt: new Date(Date.now() - 3_600_000) });
    const [waiting, age, failed] = backlog(await scrape());
    expect([waiting, failed]).toEqual([2, 0]);
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(7200);

    // delivered without SMTP_URL, both are given up at once: nothing waits, two failed
    await t.app.get(OutboxWorker).runOnce();
    expect(backlog(await scrape())).toEqual([0, 0, 2]);
  });

  it('takes gauges from other modules, read at scrape time (as the outbox backlog is)', async () => {
    const metrics = t.app.get(MetricsService);
    let backlog = 3;
    metrics.gauge({
      name: 'identity_hub_test_backlog',
      help: 'rows waiting, by kind',
      labelNames: ['kind'],
      collect: () => [{ labels: { kind: 'mail' }, value: backlog }],
    });
    metrics.gauge({
      name: 'identity_hub_test_failing',
      help: 'a read that fails',
      collect: () => Promise.reject(new Error('the database is gone')),
    });
    expect((await scrape()).get('identity_hub_test_backlog{kind="mail"}')).toBe(3);
    backlog = 0;
    const m = await scrape();
    expect(m.get('identity_hub_test_backlog{kind="mail"}')).toBe(0);
    expect(m.get('identity_hub_test_failing')).toBeNaN(); // unknown, not 0; the scrape still answers
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is open', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toContain('# TYPE identity_hub_http_request_duration_seconds histogram');
    } finally {
      await t.close();
    }
  });
});
