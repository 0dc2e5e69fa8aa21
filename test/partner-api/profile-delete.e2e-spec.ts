import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe('POST /delete', () => {
  let t: TestApp;
  let app: PartnerApp;
  const { send, upsert, profile } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
  });
  afterAll(() => t.close());

  it('deletes a whole profile; /profile then answers 404', async () => {
    await upsert([{ identifiers: { email: 'gone@example.com' }, attributes: { name: 'Gone' } }]);
    const res = await send('post', '/delete', { identifiers: { email: 'gone@example.com' } });
    expect([res.status, res.body]).toEqual([200, {}]);
    const p = await profile({ identifiers: { email: 'gone@example.com' } });
    expect([p.status, p.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
  });

  it('refuses a body that names no profile', async () => {
    const profileNone = await send('post', '/delete', { insider_id: 7 });
    expect(profileNone.body).toEqual({
      error: 'insider_id must be a string (the iid /profile answers): bad request',
    });
    const bare = await send('post', '/delete', {});
    expect(bare.body).toEqual({ error: 'either insider_id or identifiers must be specified: bad request' });
  });
});
