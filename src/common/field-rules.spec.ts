import { ArgumentMetadata } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { AppError } from './app-error';
import {
  checkEmailInput,
  checkPhoneInput,
  FieldRule,
  isAbsoluteHttpsUrl,
  IsHttpsUrl,
  NormalisedEmail,
  NormalisedPhone,
  PHONE_REASON,
  ValidateIfGiven,
} from './field-rules';
import { InputValidationPipe } from './validation';

class Register {
  @NormalisedEmail() email!: string;
}

class Profile {
  @ValidateIfGiven() @NormalisedEmail() email?: string;

  @IsOptional() @NormalisedPhone({ maxLength: 20 }) phone?: string | null;

  @IsOptional()
  @NormalisedPhone({ maxLength: 20, reason: 'must be an international number' })
  fax?: string | null;

  @IsOptional() @IsString() @MaxLength(40) @IsHttpsUrl() hook?: string | null;

  @ValidateIfGiven()
  @FieldRule('isColour', (value, property) =>
    value === null
      ? `${property} cannot be null`
      : ['red', 'blue'].includes(value as string)
        ? null
        : `${property} is no colour`,
  )
  colour?: string;
}

const pipe = new InputValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const data = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype, data: 'data' });

/** The value as the service receives it, or the client's error. */
async function run(value: object, metatype: ArgumentMetadata['metatype'] = Profile) {
  try {
    return { value: (await pipe.transform(value, data(metatype))) as Record<string, unknown> };
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return { code: e.code, message: e.message, field: e.details?.field };
  }
}

describe('@NormalisedEmail', () => {
  it.each([
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ', 'ada@example.com'],
    ['e\u0301lodie@example.com', '\u00e9lodie@example.com'],
  ])('hands the service %j normalised', async (input, stored) => {
    expect(await run({ email: input }, Register)).toEqual({ value: { email: stored } });
    expect(await run({ email: input })).toEqual({ value: { email: stored } });
  });

  it.each([
    ['null', null, 'email cannot be empty'],
    ['blank', '   ', 'email cannot be empty'],
    ['not a string', 42, 'email must be a string'],
    ['over 254 characters', `${'e'.repeat(250)}@example.com`, 'email must be shorter than or equal to 254 characters'],
    ['invalid (quoted as trimmed)', ' nope ', 'email is not a valid email address: nope'],
    ['a trailing dot', 'ada@example.com.', 'email must not end with a dot'],
    [
      'a byte-order mark (not white space to trim)',
      '\ufeffada@example.com',
      'email must not contain invisible or formatting characters (such as a zero-width space)',
    ],
    [
      'only a byte-order mark',
      '\ufeff',
      'email must not contain invisible or formatting characters (such as a zero-width space)',
    ],
  ])('refuses %s with one message naming the field', async (_label, email, message) => {
    expect(await run({ email })).toEqual({ code: 'BAD_USER_INPUT', message, field: 'email' });
  });

  it('is not checked when absent from an optional field, and is when absent from a required one', async () => {
    expect(await run({})).toEqual({ value: {} });
    expect((await run({}, Register)).message).toBe('email cannot be empty');
  });

  it('checkEmailInput: the normalised email, or the reason after the field name', () => {
    expect(checkEmailInput(' A@B.co ')).toEqual({ email: 'a@b.co' });
    expect(checkEmailInput('a@b')).toEqual({ reason: 'is not a valid email address: a@b' });
    expect(checkEmailInput(undefined)).toEqual({ reason: 'cannot be empty' });
  });
});

describe('@NormalisedPhone', () => {
  it.each([
    ['+358 (40) 123-4567', '+358401234567'],
    [' +44 (0)20 7946 0958 ', '+442079460958'],
    ['   ', null],
    [null, null],
  ])('hands the service %j as %j', async (input, stored) => {
    expect(await run({ phone: input })).toEqual({ value: { phone: stored } });
  });

  it.each([
    ['12345', `phone ${PHONE_REASON}`],
    ['+0123456789', `phone ${PHONE_REASON}`],
    ['+358  40  123  4567  89', 'phone must be shorter than or equal to 20 characters'],
    [7, 'phone must be a string'],
  ])('refuses %j', async (phone, message) => {
    expect(await run({ phone })).toEqual({ code: 'BAD_USER_INPUT', message, field: 'phone' });
  });

  it('says its own reason when given one', async () => {
    expect((await run({ fax: 'call me' })).message).toBe('fax must be an international number');
  });

  it('checkPhoneInput measures the input as typed (trimmed), not its E.164 form', () => {
    expect(checkPhoneInput(' +358 40 123 4567 ', { maxLength: 17 })).toEqual({ phone: '+358401234567' });
    expect(checkPhoneInput('+358 40 123 4567', { maxLength: 15 })).toEqual({
      reason: 'must be shorter than or equal to 15 characters',
    });
  });
});

describe('@IsHttpsUrl', () => {
  it.each([
    ['https://shop.example.com/hooks/orders', true],
    ['https://hooks.internal:8443/x', true],
    ['https://127.0.0.1/x', true],
    ['http://shop.example.com/hook', false],
    ['/relative/hook', false],
    ['https://', false],
    ['shop.example.com', false],
    ['file:///etc/passwd', false],
  ])('%s: %s', async (url, ok) => {
    expect(isAbsoluteHttpsUrl(url)).toBe(ok);
    expect(await run({ hook: url })).toEqual(
      ok
        ? { value: { hook: url } }
        : { code: 'BAD_USER_INPUT', message: 'hook must be an absolute https URL', field: 'hook' },
    );
  });

  it('leaves null to IsOptional and other types to IsString', async () => {
    expect(await run({ hook: null })).toEqual({ value: { hook: null } });
    const notText = (await run({ hook: 5 })).message;
    expect(notText).toContain('hook must be a string');
    expect(notText).not.toContain('https');
  });
});

describe('FieldRule and ValidateIfGiven', () => {
  it('one message per field, the first problem; null is judged by the rule, absence is not', async () => {
    expect(await run({ colour: 'red' })).toEqual({ value: { colour: 'red' } });
    expect((await run({ colour: null })).message).toBe('colour cannot be null');
    expect((await run({ colour: 'green' })).message).toBe('colour is no colour');
    expect(await run({})).toEqual({ value: {} });
  });

  it('every field with a problem is named, in one error', async () => {
    expect(await run({ colour: 'green', phone: '123', hook: 'http://x.example' })).toEqual({
      code: 'BAD_USER_INPUT',
      message: `phone ${PHONE_REASON}; hook must be an absolute https URL; colour is no colour`,
      field: 'phone',
    });
  });
});
