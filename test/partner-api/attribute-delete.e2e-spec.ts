import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe('POST /attribute/delete', () => {
  let t: TestApp;
  let app: PartnerApp;
  const { send, upsert, profile } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
  });
  afterAll(() => t.close());

  it('deletes attributes whole and partially, default and custom, but never identifiers', async () => {
    await upsert([
      {
        identifiers: { email: 'del@example.com' },
        attributes: {
          name: 'Del',
          surname: 'Ete',
          email: 'del@example.com',
          city: 'Espoo',
          list_id: [1, 2, 3],
          custom: { tags: ['a', 'b'], shoe_size: 40, keep: 'me' },
        },
      },
    ]);
    const res = await send('post', '/attribute/delete', {
      users: [
        {
          identifiers: { email: 'del@example.com' },
          whole: ['name'],
          partial: { list_id: [2] },
          custom: { whole: ['shoe_size'], partial: { tags: ['a'] } },
        },
        { identifiers: { email: 'del@example.com' }, whole: ['email', 'city'] },
        { identifiers: { email: 'del@example.com' }, partial: { surname: ['Ete'] }, custom: { all: true } },
        { identifiers: { email: 'nobody-here@example.com' }, whole: ['name'] },
        { identifiers: { email: 'del@example.com' } },
      ],
    });
    expect(res.body.data).toEqual({
      successful: { count: 2 },
      fail: {
        count: 3,
        errors: {
          'users.2.partial.surname': ['surname is not an array attribute: delete it with "whole"'],
          'users.2.custom.all': ['custom takes "whole" (names) and "partial" (name → items)'],
          'users.3.identifiers': ['no such user for these identifiers'],
          'users.4': ['nothing to delete: give whole, partial or custom'],
        },
      },
    });
    const p = await profile({ identifiers: { email: 'del@example.com' } });
    expect(p.body.attributes).toEqual({
      surname: 'Ete',
      list_id: [1, 3],
      c_tags: ['b'],
      c_keep: 'me',
      iid: p.body.iid,
    });
    // `whole: ["email"]` removed the contact attribute; the email identifier stays
    expect(p.body.identifiers).toEqual({ email: 'del@example.com' });
  });
});
