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
