import { isEmail, normaliseEmail, normalisePhone } from './normalise';

describe('normalisers', () => {
  it.each([
    ['+1234567890', '+1234567890'], // the seed's own example: syntactically E.164, accepted
    ['+358 (40) 123-4567', '+358401234567'],
    ['+44 (0)20 7946 0958', '+442079460958'],
    ['+65.9876.5432', '+6598765432'],
    ['12345', null],
    ['+0123456789', null],
    ['+1234567890123456', null],
    ['phone', null],
  ])('normalisePhone(%j) = %j', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  it('trims and lower-cases emails, and checks their shape', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(isEmail('jane@example.com')).toBe(true);
    expect(isEmail('jane@example')).toBe(false);
    expect(isEmail('ja ne@example.com')).toBe(false);
  });
});
