import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dictionary } from '@zxcvbn-ts/language-common';
import { assertPasswordAllowed, isCommonPassword, PASSWORD_MESSAGES } from './password-policy';

describe('password policy', () => {
  it.each(['password123', '1234567890', 'qwertyuiop', 'PassWord123', 'basketball'])(
    'refuses %s, from the zxcvbn-ts common passwords',
    (password) => {
      expect(isCommonPassword(password)).toBe(true);
      expect(() => assertPasswordAllowed(password)).toThrow(PASSWORD_MESSAGES.common);
    },
  );

  it('refuses the common passwords the dictionary lacks (the asset list)', () => {
    const extra = JSON.parse(readFileSync(join(__dirname, 'common-passwords-extra.json'), 'utf8')) as string[];
    const inDictionary = new Set(dictionary['passwords-common']);
    for (const password of ['password2024', 'welcome2025', 'Summer2024', 'adminadmin']) {
      expect(isCommonPassword(password)).toBe(true);
    }
    for (const word of extra) {
      expect(word.length).toBeGreaterThanOrEqual(10);
      expect(word).toBe(word.toLowerCase());
      expect(inDictionary.has(word)).toBe(false); // no word the package already has
    }
  });

  it.each(['aaaaaaaaaa', '0123456789', 'BCDEFGHIJKLM', '4567890123'])('refuses the repeat or run %s', (password) => {
    expect(isCommonPassword(password)).toBe(true);
  });

  it('accepts an uncommon passphrase, and checks the length first', () => {
    expect(isCommonPassword('a much better passphrase')).toBe(false);
    expect(() => assertPasswordAllowed('a much better passphrase')).not.toThrow();
    expect(() => assertPasswordAllowed('short')).toThrow(PASSWORD_MESSAGES.tooShort);
    expect(() => assertPasswordAllowed('x'.repeat(1001))).toThrow(PASSWORD_MESSAGES.tooLong);
  });
});
