import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe('one model behind both APIs', () => {
  let t: TestApp;
  let token: string;
  let app: PartnerApp;
  const { upsert, profile } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t, token } = app);
  });
  afterAll(() => t.close());

  it('reads through /profile what upsertIdentity wrote, and through GraphQL what /upsert wrote', async () => {
    await t.gql(
      `mutation { upsertIdentity(identity: { email: "both@example.com", attributes: [{ name: "loyalty-tier", value: "Gold" }] }) { id } }`,
      {},
      { basic: token },
    );
    const p = await profile({ identifiers: { email: 'both@example.com' }, attributes: ['c_loyalty-tier'] });
    expect(p.body.attributes).toEqual({ 'c_loyalty-tier': 'Gold', iid: p.body.iid });
    await upsert([
      {
        identifiers: { email: 'both@example.com' },
        attributes: { name: 'Both', custom: { shoe_size: 42, vip: true } },
      },
    ]);
    const g = await t.gql(
      `{ identity(email: "both@example.com") { id attributes { name value } } }`,
      {},
      { basic: token },
    );
    expect(g.data.identity).toEqual({
      id: p.body.iid,
      attributes: [
        { name: 'loyalty-tier', value: 'Gold' },
        { name: 'shoe_size', value: '42' },
        { name: 'vip', value: 'true' },
      ],
    });
  });

  it('takes concurrent Nosto and Insider writes of one profile without a failure', async () => {
    await upsert([{ identifiers: { email: 'both-busy@example.com' }, attributes: { custom: { a: '0', b: '0' } } }]);
    const writes = Array.from({ length: 24 }, (_, i) =>
      i % 2
        ? t.gql(
            `mutation ($v: String!) { upsertIdentity(identity: { email: "both-busy@example.com", attributes: [{ name: "b", value: $v }, { name: "a", value: $v }] }) { id } }`,
            { v: `g${i}` },
            { basic: token },
          )
        : upsert([
            {
              identifiers: { email: 'both-busy@example.com' },
              attributes: { list_id: [i], custom: { a: `r${i}`, b: `r${i}` } },
            },
          ]),
    );
    const results = await Promise.all(writes);
    results.forEach((res, i) => {
      if (i % 2) expect(res.body.errors).toBeUndefined();
      else expect(res.body.data).toEqual({ successful: { count: 1 }, fail: {} });
    });
    const p = await profile({ identifiers: { email: 'both-busy@example.com' }, attributes: ['list_id'] });
    expect(p.body.attributes.list_id).toHaveLength(12);
  });
});
