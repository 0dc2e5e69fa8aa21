import { Json, Problems } from './partner-input';
import { EVENTS_PER_USER, parseEvents } from './partner-events';

function parse(raw: Json | undefined) {
  const problems = new Problems();
  const events = parseEvents(raw, 'users.0.events', problems);
  return { events, problems: problems.byPath };
}

const PURCHASE = {
  event_name: 'purchase',
  timestamp: '2021-01-10T21:35:20Z',
  event_params: {
    product_id: 'ABC21000',
    unit_price: 990.9,
    unit_sale_price: 890.9,
    event_group_id: 'ORDER123',
    taxonomy: ['Electronic', 'Phone'],
    currency: 'USD',
    quantity: 1,
    custom: { gift: true },
  },
};

describe('partner-events', () => {
  it('takes Insider documented purchase event as written', () => {
    const { events, problems } = parse([PURCHASE, { event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' }]);
    expect(problems).toEqual({});
    expect(events).toEqual([
      { name: 'purchase', timestamp: new Date('2021-01-10T21:35:20Z'), params: PURCHASE.event_params },
      { name: 'session_start', timestamp: new Date('2024-05-17T10:00:00Z'), params: {} },
    ]);
  });

  it('requires the commerce parameters of purchase and cart_page_view', () => {
    const { events, problems } = parse([
      { event_name: 'purchase', timestamp: '2024-01-01T00:00:00Z' },
      { event_name: 'cart_page_view', timestamp: '2024-01-01T00:00:00Z', event_params: { currency: 'EUR' } },
    ]);
    expect(events).toEqual([]);
    expect(problems).toEqual({
      'users.0.events.0.event_params': [
        'event_group_id parameter is required on purchase event',
        'currency parameter is required on purchase event',
        'unit_sale_price parameter is required on purchase event',
        'quantity parameter is required on purchase event',
      ],
      'users.0.events.1.event_params': [
        'event_group_id parameter is required on cart_page_view event',
        'unit_sale_price parameter is required on cart_page_view event',
      ],
    });
  });

  it('checks names, timestamps and the types of the parameters Insider defines, by path', () => {
    const { events, problems } = parse([
      { event_name: 'Bad Name', timestamp: 'yesterday' },
      {
        event_name: 'view',
        timestamp: '2024-01-01T00:00:00Z',
        event_params: { currency: 'usd', quantity: 0, unit_price: -1, taxonomy: 'x', product_id: '', custom: 5 },
      },
      'x',
    ]);
    expect(events).toEqual([]);
    expect(problems).toEqual({
      'users.0.events.0.event_name': ['event_name must be 1 to 128 lowercase letters, digits or "_"'],
      'users.0.events.0.timestamp': ['timestamp must be an RFC 3339 date-time (e.g. 2024-05-17T10:00:00Z)'],
      'users.0.events.1.event_params.custom': ['custom event parameters must be an object'],
      'users.0.events.1.event_params.product_id': ['product_id must be a non-empty string of at most 255 characters'],
      'users.0.events.1.event_params.currency': ['currency must be an ISO 4217 currency code (e.g. USD)'],
      'users.0.events.1.event_params.unit_price': ['unit_price must be a number ≥ 0'],
      'users.0.events.1.event_params.quantity': ['quantity must be a whole number ≥ 1'],
      'users.0.events.1.event_params.taxonomy': ['taxonomy must be an array of at most 50 strings'],
      'users.0.events.2': ['an event must be an object'],
    });
  });

  it("keeps the event's own custom object as its custom parameters (n8n's Custom Event Parameters)", () => {
    const { events, problems } = parse([
      {
        event_name: 'account_created',
        timestamp: '2024-01-17T14:41:21Z',
        event_params: { url: 'https://shop.example.com/join', custom: { source: 'ad' } },
        custom: { customer_type: 'trial', source: 'ad' },
      },
      { event_name: 'trial_started', timestamp: '2024-01-17T14:41:21Z', custom: { plan: 'pro' } },
    ]);
    expect(problems).toEqual({});
    expect(events.map((e) => e.params)).toEqual([
      { url: 'https://shop.example.com/join', custom: { source: 'ad', customer_type: 'trial' } },
      { custom: { plan: 'pro' } },
    ]);
  });

  it('refuses a custom name given twice with two values, a custom that is no object, and unknown event fields', () => {
    const { events, problems } = parse([
      {
        event_name: 'a',
        timestamp: '2024-01-17T14:41:21Z',
        event_params: { custom: { source: 'ad' } },
        custom: { source: 'mail' },
      },
      { event_name: 'b', timestamp: '2024-01-17T14:41:21Z', custom: 'x', params: { y: 1 } },
    ]);
    expect(events).toEqual([]);
    expect(problems).toEqual({
      'users.0.events.0.custom.source': ['source is also in event_params.custom, with another value'],
      'users.0.events.1.params': [
        'unknown event field "params": an event has event_name, timestamp, event_params and custom',
      ],
      'users.0.events.1.custom': ['custom event parameters must be an object'],
    });
  });

  it('takes prices and quantities sent as numeric strings (n8n sends text), and stores them as numbers', () => {
    const { events, problems } = parse([
      {
        event_name: 'purchase',
        timestamp: '2024-05-17T10:00:00Z',
        event_params: {
          event_group_id: 'ORDER-1',
          currency: 'EUR',
          unit_price: '129.9',
          unit_sale_price: ' 99 ',
          quantity: '2',
          size: '42',
        },
      },
    ]);
    expect(problems).toEqual({});
    expect(events[0].params).toEqual({
      event_group_id: 'ORDER-1',
      currency: 'EUR',
      unit_price: 129.9,
      unit_sale_price: 99,
      quantity: 2,
      size: '42',
    });
    expect(
      parse([
        { event_name: 'x', timestamp: '2024-05-17T10:00:00Z', event_params: { unit_price: '12 EUR', quantity: '1.5' } },
      ]).problems,
    ).toEqual({
      'users.0.events.0.event_params.unit_price': ['unit_price must be a number ≥ 0'],
      'users.0.events.0.event_params.quantity': ['quantity must be a whole number ≥ 1'],
    });
  });

  it('refuses events that are not an array, too many of them, and parameters over 16 KB', () => {
    expect(parse({}).problems).toEqual({ 'users.0.events': ['events must be an array'] });
    const many = Array.from({ length: EVENTS_PER_USER + 1 }, () => ({ event_name: 'x', timestamp: '2024-01-01' }));
    expect(parse(many).problems).toEqual({ 'users.0.events': ['at most 100 events per user'] });
    const big = [{ event_name: 'x', timestamp: '2024-01-01T00:00:00Z', event_params: { blob: 'x'.repeat(16_400) } }];
    expect(parse(big).problems).toEqual({
      'users.0.events.0.event_params': ['event_params must be at most 16 KB as JSON'],
    });
    expect(parse([{ event_name: 'x', timestamp: '2024-01-01T00:00:00Z', event_params: [] }]).problems).toEqual({
      'users.0.events.0.event_params': ['event_params must be an object'],
    });
    expect(parse(null)).toEqual({ events: [], problems: {} });
  });
});
