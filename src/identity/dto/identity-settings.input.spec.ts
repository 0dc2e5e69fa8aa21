import { AppError } from '../../common/app-error';
import { InputValidationPipe } from '../../common/validation';
import { IdentitySettingsInput } from './identity-settings.input';

const pipe = new InputValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

async function refusal(data: Partial<IdentitySettingsInput>): Promise<string | null> {
  try {
    await pipe.transform(data, { type: 'body', metatype: IdentitySettingsInput, data: 'data' });
    return null;
  } catch (e) {
    if (e instanceof AppError) return e.message;
    throw e;
  }
}

describe('IdentitySettingsInput', () => {
  it.each([
    [{ enabledIdentifiers: ['uuid', 'email', 'phone_number'] }],
    [{ enabledIdentifiers: [] }],
    [{ customIdentifiers: ['crm_id', 'user_loyalty_id', `a${'b'.repeat(63)}`] }],
    [{ blockedValues: ['x'.repeat(255), 'null'] }],
    [{}],
  ])('accepts %j', async (data) => {
    expect(await refusal(data)).toBeNull();
  });

  it.each([
    [
      { enabledIdentifiers: ['uuid', 'fax'] },
      'enabledIdentifiers: unknown identifier type "fax" (use uuid, email, phone_number)',
    ],
    [{ enabledIdentifiers: ['email', 'email'] }, 'enabledIdentifiers lists a value twice'],
    [{ customIdentifiers: ['Bad-Name'] }, 'customIdentifiers: "Bad-Name" must match ^[a-z][a-z0-9_]{0,63}$'],
    [
      { customIdentifiers: [`a${'b'.repeat(64)}`] },
      `customIdentifiers: "a${'b'.repeat(64)}" must match ^[a-z][a-z0-9_]{0,63}$`,
    ],
    [{ customIdentifiers: ['crm_id', 'crm_id'] }, 'customIdentifiers lists a value twice'],
    [{ blockedValues: ['x'.repeat(256)] }, 'blockedValues: each value must be at most 255 characters'],
    [{ blockedValues: ['a', 'b', 'a'] }, 'blockedValues lists a value twice'],
  ])('refuses %j', async (data, message) => {
    expect(await refusal(data)).toBe(message);
  });

  it('names the first bad item of a list (before a repeat), and every bad list', async () => {
    expect(await refusal({ customIdentifiers: ['ok', 'ok', 'Bad', 'Worse'] })).toBe(
      'customIdentifiers: "Bad" must match ^[a-z][a-z0-9_]{0,63}$',
    );
    expect(await refusal({ enabledIdentifiers: ['fax'], blockedValues: ['v', 'v'] })).toBe(
      'enabledIdentifiers: unknown identifier type "fax" (use uuid, email, phone_number); blockedValues lists a value twice',
    );
  });
});
