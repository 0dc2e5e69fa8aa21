import { AppError } from '../../common/app-error';
import { CatalogueEntry, catalogueEntries, valueType } from '../identity-codec';
import { CONTACT_ATTRIBUTES, DEFAULT_ATTRIBUTES } from './partner-attributes';
import { JsonObject } from './partner-input';
import {
  contactColumns,
  DEFAULT_ATTRIBUTE_COLUMNS,
  displayName,
  eventColumns,
  parseMetadataTable,
} from './partner-metadata';

const attribute = (name: string, type: string): CatalogueEntry => ({ kind: 'attribute', event: '', name, type });
const event = (name: string): CatalogueEntry => ({ kind: 'event', event: '', name, type: 'event' });
const param = (eventName: string, name: string, type: string): CatalogueEntry => ({
  kind: 'param',
  event: eventName,
  name,
  type,
});

describe('partner-metadata', () => {
  it('takes {"table": "contacts" | "events"} and nothing else', () => {
    expect(parseMetadataTable({ table: 'contacts' })).toBe('contacts');
    expect(parseMetadataTable({ table: 'events' })).toBe('events');
    for (const body of [{}, { table: 'users' }, { table: 7 }] as JsonObject[]) {
      let message = '';
      try {
        parseMetadataTable(body);
      } catch (e) {
        message = (e as AppError).message;
      }
      expect(message).toBe('table must be "contacts" or "events"');
    }
  });

  it('lists every default attribute and contact attribute, typed, before the custom ones by name', () => {
    const keys = DEFAULT_ATTRIBUTE_COLUMNS.map((c) => c.key);
    expect([...keys].sort()).toEqual([...Object.keys(DEFAULT_ATTRIBUTES), ...CONTACT_ATTRIBUTES].sort());
    const columns = contactColumns([attribute('c_tags', 'array'), attribute('c_loyalty', 'string'), event('purchase')]);
    expect(columns.slice(0, 3)).toEqual([
      { key: 'name', display_name: 'Name', type: 'string' },
      { key: 'surname', display_name: 'Surname', type: 'string' },
      { key: 'email', display_name: 'Email', type: 'string' },
    ]);
    expect(columns.find((c) => c.key === 'lo')).toEqual({ key: 'lo', display_name: 'Locale', type: 'string' });
    expect(columns.find((c) => c.key === 'age')).toEqual({ key: 'age', display_name: 'Age', type: 'number' });
    expect(columns.find((c) => c.key === 'birthday')?.type).toBe('date');
    expect(columns.find((c) => c.key === 'gdpr_optin')?.type).toBe('boolean');
    expect(columns.find((c) => c.key === 'list_id')?.type).toBe('array');
    expect(columns.slice(-2)).toEqual([
      { key: 'c_loyalty', display_name: 'loyalty', type: 'string' },
      { key: 'c_tags', display_name: 'tags', type: 'array' },
    ]);
  });

  it('lists the events by name with their parameters, Insider-style ones before custom ones', () => {
    expect(
      eventColumns([
        event('purchase'),
        param('purchase', 'c_gift', 'boolean'),
        param('purchase', 'unit_price', 'number'),
        param('purchase', 'product_id', 'string'),
        event('cart_page_view'),
        attribute('c_x', 'string'),
      ]),
    ).toEqual([
      { key: 'cart_page_view', display_name: 'Cart Page View', params: [] },
      {
        key: 'purchase',
        display_name: 'Purchase',
        params: [
          { key: 'product_id', display_name: 'Product ID', type: 'string' },
          { key: 'unit_price', display_name: 'Unit Price', type: 'number' },
          { key: 'c_gift', display_name: 'gift', type: 'boolean' },
        ],
      },
    ]);
    expect(displayName('page_url')).toBe('Page URL');
    expect(displayName('c_Shoe size')).toBe('Shoe size');
  });

  it('derives catalogue entries from written rows: custom attributes, events and their parameters, once each', () => {
    expect(
      catalogueEntries(
        [
          { key: 'name', value: 'Jane' },
          { key: 'c_tags', value: ['a'] },
          { key: 'c_tags', value: 'b' },
        ],
        [
          { name: 'purchase', params: { unit_price: 9.5, custom: { gift: true, note: null } } },
          { name: 'purchase', params: { unit_price: 1, coupon: 'X' } },
          { name: 'view', params: { [`p${'x'.repeat(300)}`]: 1 } },
        ],
      ),
    ).toEqual([
      attribute('c_tags', 'array'),
      event('purchase'),
      param('purchase', 'unit_price', 'number'),
      param('purchase', 'c_gift', 'boolean'),
      param('purchase', 'c_note', 'string'),
      param('purchase', 'coupon', 'string'),
      event('view'),
    ]);
    expect([1, 'a', true, [1], { a: 1 }, null].map(valueType)).toEqual([
      'number',
      'string',
      'boolean',
      'array',
      'object',
      'string',
    ]);
  });
});
