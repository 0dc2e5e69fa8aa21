import { AppError } from '../../common/app-error';
import { DEFAULT_SETTINGS } from '../identity-settings.service';
import { JsonObject } from './partner-input';
import { eventRange, parseProfileQuery, profileTarget, shapeEvents, shapeProfile } from './profile-query';

const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as AppError).message;
  }
  throw new Error('nothing was thrown');
};

describe('profile-query', () => {
  describe('parseProfileQuery', () => {
    it("takes Insider's documented body: attributes, events by name with epoch dates, quota", () => {
      const q = parseProfileQuery({
        attributes: ['email', 'name'],
        events: {
          start_date: 1606311893,
          end_date: '2021-01-25T13:44:53Z',
          wanted: [{ event_name: 'purchase', params: ['product_id', 'c_gift'] }, 'session_start'],
        },
        quota: true,
      });
      expect(q).toEqual({
        attributes: ['email', 'name'],
        events: {
          start: new Date(1606311893_000),
          end: new Date('2021-01-25T13:44:53Z'),
          wanted: new Map([
            ['purchase', ['product_id', 'c_gift']],
            ['session_start', null],
          ]),
        },
        quota: true,
      });
      expect(eventRange(q.events!)).toEqual({
        start: q.events!.start,
        end: q.events!.end,
        names: ['purchase', 'session_start'],
        limit: 1000,
      });
      expect(parseProfileQuery({})).toEqual({ attributes: undefined, events: undefined, quota: false });
    });

    it.each([
      [{ attributes: 'email' }, 'attributes must be an array of at most 500 attribute names'],
      [{ events: 5 }, 'events must be an object with start_date, end_date and wanted'],
      [
        { events: { start_date: -1, end_date: 1 } },
        'events.start_date must be an epoch timestamp in seconds (e.g. 1606311893) or an RFC 3339 date-time',
      ],
      [{ events: { start_date: 5, end_date: 1 } }, 'events.end_date is before events.start_date'],
      [
        { events: { start_date: 1, end_date: 5, wanted: [{ event_name: 'X' }] } },
        'events.wanted.0.event_name must be 1 to 128 lowercase letters, digits or "_"',
      ],
      [
        { events: { start_date: 1, end_date: 5, wanted: [{ event_name: 'x', params: 'y' }] } },
        'events.wanted.0.params must be an array of at most 100 parameter names',
      ],
      [{ quota: 1 }, 'quota must be true or false'],
    ])('refuses %j', (body, message) => {
      expect(messageOf(() => parseProfileQuery(body as JsonObject))).toBe(message);
    });
  });

  it('profileTarget: by insider_id first, else by identifiers', () => {
    expect(profileTarget({ insider_id: 'iid', identifiers: { uuid: 'x' } }, DEFAULT_SETTINGS)).toEqual({
      insiderId: 'iid',
    });
    expect(profileTarget({ identifiers: { uuid: 'x' } }, DEFAULT_SETTINGS)).toEqual({
      identifiers: [{ type: 'uuid', name: 'uuid', custom: false, value: 'x' }],
    });
    expect(messageOf(() => profileTarget({}, DEFAULT_SETTINGS))).toBe(
      'either insider_id or identifiers must be specified',
    );
    expect(messageOf(() => profileTarget({ insider_id: 7 }, DEFAULT_SETTINGS))).toBe(
      'insider_id must be a string (the iid /profile answers)',
    );
  });

  describe('shapeProfile', () => {
    const identifiers = [
      { profileId: 'p', type: 'custom:loyalty_id', value: 'L' },
      { profileId: 'p', type: 'email', value: 'a@x.com' },
    ];
    const attributes = [
      { profileId: 'p', key: 'c_tags', value: ['a'] },
      { profileId: 'p', key: 'name', value: 'Jane' },
    ];

    it('answers every stored attribute with iid, then iid and identifiers at the top level, in that key order', () => {
      const body = shapeProfile('p', { quota: false }, identifiers, attributes, undefined, undefined);
      expect(JSON.stringify(body)).toBe(
        '{"attributes":{"c_tags":["a"],"name":"Jane","iid":"p"},"iid":"p","identifiers":{"email":"a@x.com","custom":{"loyalty_id":"L"}}}',
      );
    });

    it('answers the attributes asked for, default identifiers among them, with events and quota', () => {
      const q = parseProfileQuery({
        attributes: ['email', 'name', 'phone_number', 'unknown'],
        events: { start_date: 0, end_date: 1, wanted: ['purchase', 'none'] },
        quota: true,
      });
      const events = [{ name: 'purchase', timestamp: new Date('2021-01-06T23:34:09Z'), params: { product_id: 'x' } }];
      const body = shapeProfile('p', q, identifiers, attributes, events, { cost: 1, used: 2, total: 1000 });
      expect(JSON.stringify(body)).toBe(
        '{"attributes":{"email":"a@x.com","name":"Jane","iid":"p"},"events":{"purchase":[{"product_id":"x","created_date":"2021-01-06T23:34:09Z"}],"none":[]},"quota":{"cost":1,"used":2,"total":1000},"iid":"p","identifiers":{"email":"a@x.com","custom":{"loyalty_id":"L"}}}',
      );
    });
  });

  describe('shapeProfile with "*", locale, and contact attributes', () => {
    const identifiers = [
      { profileId: 'p', type: 'email', value: 'login@x.com' },
      { profileId: 'p', type: 'uuid', value: 'u-1' },
    ];
    const attributes = [
      { profileId: 'p', key: 'email', value: 'contact@x.com' },
      { profileId: 'p', key: 'lo', value: 'en_US' },
      { profileId: 'p', key: 'name', value: 'Jane' },
    ];

    it('"*" (n8n\'s Get All Attributes) answers every stored attribute and the default identifiers', () => {
      const q = parseProfileQuery({ attributes: ['*'] });
      expect(q.attributes).toBe('*');
      const body = shapeProfile('p', q, identifiers, attributes, undefined, undefined);
      // the stored contact email wins over the email identifier; uuid has no contact attribute
      expect(body.attributes).toEqual({ email: 'contact@x.com', lo: 'en_US', name: 'Jane', uuid: 'u-1', iid: 'p' });
      expect(body.identifiers).toEqual({ email: 'login@x.com', uuid: 'u-1' });
    });

    it('answers lo to "locale" under the name asked', () => {
      const q = parseProfileQuery({ attributes: ['locale', 'uuid', 'phone_number'] });
      expect(shapeProfile('p', q, identifiers, attributes, undefined, undefined).attributes).toEqual({
        locale: 'en_US',
        uuid: 'u-1',
        iid: 'p',
      });
    });
  });

  it('shapeEvents groups by name, picks the wanted parameters (c_ for custom ones), keeps milliseconds only when there are some', () => {
    const rows = [
      {
        name: 'purchase',
        timestamp: new Date('2024-01-02T00:00:00.123Z'),
        params: { product_id: 'p', quantity: 2, custom: { gift: true } },
      },
      { name: 'view', timestamp: new Date('2024-01-01T00:00:00Z'), params: { url: 'u' } },
    ];
    expect(shapeEvents(rows, null)).toEqual({
      purchase: [{ product_id: 'p', quantity: 2, custom: { gift: true }, created_date: '2024-01-02T00:00:00.123Z' }],
      view: [{ url: 'u', created_date: '2024-01-01T00:00:00Z' }],
    });
    const wanted = new Map([['purchase', ['c_gift', 'quantity', 'timestamp', 'nothing']]]);
    expect(shapeEvents(rows.slice(0, 1), wanted)).toEqual({
      purchase: [{ c_gift: true, quantity: 2, created_date: '2024-01-02T00:00:00.123Z' }],
    });
  });
});
