import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { AppError } from './app-error';
import { ExactlyOneOf } from './exactly-one-of';
import { InputValidationPipe } from './validation';

@ExactlyOneOf(['id', 'email'])
class UserRef {
  @IsOptional() @IsString() id?: string | null;
  @IsOptional() @IsString() @MaxLength(20) email?: string | null;
}

/** the same keys with a fixed path: replaces the parent's rule, not added to it */
@ExactlyOneOf(['id', 'email'], { path: 'ownedBy' })
class OwnerRef extends UserRef {}

@ExactlyOneOf(['a', 'b', 'c'], { message: 'pick one letter' })
class Letters {
  @IsOptional() a?: number;
  @IsOptional() b?: number;
  @IsOptional() c?: number;
}

class Group {
  @IsString() name!: string;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => UserRef)
  members?: UserRef[];

  @IsOptional()
  @ValidateNested()
  @Type(() => OwnerRef)
  owner?: OwnerRef;
}

const pipe = new InputValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const arg = (metatype: ArgumentMetadata['metatype'], data: string): ArgumentMetadata => ({
  type: 'body',
  metatype,
  data,
});

/** The error the pipe throws for `value` as the argument `data`, or null when it passes. */
async function refusal(value: unknown, metatype: ArgumentMetadata['metatype'], data: string) {
  try {
    await pipe.transform(value, arg(metatype, data));
    return null;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return { code: e.code, message: e.message, field: e.details?.field };
  }
}

describe('@ExactlyOneOf', () => {
  it.each([
    ['one id', { id: 'u1' }],
    ['one email', { email: 'a@example.com' }],
    ['an empty string (given, for the lookup to find nothing)', { id: '' }],
    ['the other key null', { id: 'u1', email: null }],
  ])('passes %s', async (_label, value) => {
    expect(await refusal(value, UserRef, 'where')).toBeNull();
  });

  it.each([
    ['neither', {}],
    ['both null', { id: null, email: null }],
    ['both', { id: 'u1', email: 'a@example.com' }],
  ])('refuses %s, named by the argument', async (_label, value) => {
    expect(await refusal(value, UserRef, 'where')).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'where: give exactly one of id or email',
      field: 'where',
    });
  });

  it('lists the keys in the order given, with "or" between them; a message replaces the default', async () => {
    expect((await refusal({ a: 1, c: 3 }, Letters, 'letters'))?.message).toBe('letters: pick one letter');
    expect(await refusal({ b: 2 }, Letters, 'letters')).toBeNull();
  });

  it('names a nested list item by its path and index, every bad one', async () => {
    const value = { name: 'g', members: [{ id: 'u1' }, {}, { id: 'u2', email: 'b@example.com' }] };
    expect(await refusal(value, Group, 'data')).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'members.1: give exactly one of id or email; members.2: give exactly one of id or email',
      field: 'members.1',
    });
  });

  it("reports with the object's other problems, field messages keeping their own paths", async () => {
    const value = { name: 'g', members: [{ email: 'much-too-long@example.com', id: 'u1' }] };
    expect((await refusal(value, Group, 'data'))?.message).toBe(
      'members.0.email must be shorter than or equal to 20 characters; members.0: give exactly one of id or email',
    );
  });

  it('a fixed path is used wherever the object stands; a subclass replaces its parent rule', async () => {
    expect(await refusal({ name: 'g', owner: {} }, Group, 'data')).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'ownedBy: give exactly one of id or email',
      field: 'ownedBy',
    });
    expect(await refusal({ name: 'g', owner: { id: 'u1' } }, Group, 'data')).toBeNull();
  });

  it('leaves the whitelist as it was: unknown properties are still refused', async () => {
    expect((await refusal({ id: 'u1', other: 1 }, UserRef, 'where'))?.message).toBe(
      'other: property other should not exist',
    );
  });

  it('returns the transformed instance when valid', async () => {
    const value = await pipe.transform({ id: 'u1' }, arg(UserRef, 'where'));
    expect(value).toBeInstanceOf(UserRef);
    expect(value).toEqual({ id: 'u1' });
  });
});
