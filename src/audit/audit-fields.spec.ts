import { change, classify, diff, mask, REDACTED } from './audit-fields';

describe('audit field classification', () => {
  it('classifies secrets by name, plain fields by list, everything else as personal', () => {
    expect(classify('password')).toBe('secret');
    expect(classify('passwordHash')).toBe('secret');
    expect(classify('customerToken')).toBe('secret');
    expect(classify('secret')).toBe('secret');
    expect(classify('onboardingStatus')).toBe('plain');
    expect(classify('email')).toBe('personal');
    expect(classify('someNewField')).toBe('personal');
  });

  it('masks emails and other personal text', () => {
    expect(mask('john@example.com')).toBe('j***@example.com');
    expect(mask('Jane Doe')).toBe('J***');
    expect(mask('+358401234567')).toBe('+***');
    expect(mask(42)).toBe('***');
    expect(mask(null)).toBeNull();
  });

  it('never keeps a secret, only whether it was set', () => {
    expect(change('passwordHash', '$argon2id$v=19$abc', '$argon2id$v=19$def')).toEqual({
      field: 'passwordHash',
      old: REDACTED,
      new: REDACTED,
    });
    expect(change('password', null, 'correct horse battery')).toEqual({ field: 'password', old: null, new: REDACTED });
  });

  it('keeps only the origin of a URL', () => {
    expect(change('url', null, 'https://hooks.example.com/services/T0/B0/s3cr3t?token=x')).toEqual({
      field: 'url',
      old: null,
      new: 'https://hooks.example.com/…',
    });
  });

  it('diffs only the named fields that changed', () => {
    const before = { email: 'a@x.io', name: 'Ann', onboardingStatus: 'not_started', passwordHash: 'h1' };
    const after = { email: 'b@x.io', name: 'Ann', onboardingStatus: 'completed', passwordHash: 'h2' };
    expect(diff(before, after, ['email', 'name', 'onboardingStatus', 'passwordHash'])).toEqual([
      { field: 'email', old: 'a***@x.io', new: 'b***@x.io' },
      { field: 'onboardingStatus', old: 'not_started', new: 'completed' },
      { field: 'passwordHash', old: REDACTED, new: REDACTED },
    ]);
    expect(diff(null, { name: 'Ann' }, ['name'])).toEqual([{ field: 'name', old: null, new: 'A***' }]);
  });
});
