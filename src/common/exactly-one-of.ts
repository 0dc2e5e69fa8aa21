import { registerDecorator, ValidationArguments } from 'class-validator';
import { ObjectRuleContext } from './validation';

export interface ExactlyOneOfOptions {
  /**
   * The path the message names, when it must not be where the object stands (by default the object's
   * path: the argument's name, `users.connect.0`, …).
   */
  path?: string;
  /** The message after the path; by default "give exactly one of id or email". */
  message?: string;
}

const given = (value: unknown) => value !== undefined && value !== null;

/**
 * A class-level rule: exactly one of `keys` is given (neither undefined nor null), as in Keystone's
 * `*WhereUniqueInput`. BAD_USER_INPUT "where: give exactly one of id or email", named by the object's
 * path (see validation.ts); a nested object is validated only under `@ValidateNested()` + `@Type()`.
 *
 * class-validator has no class-level constraints: the rule is registered on a property no input can
 * have (its name is not a GraphQL name), which class-validator validates with the whole object at hand;
 * a subclass declaring the same keys replaces its parent's rule (e.g. to fix another `path`).
 */
export function ExactlyOneOf(keys: readonly string[], options: ExactlyOneOfOptions = {}): ClassDecorator {
  const message = options.message ?? `give exactly one of ${keys.join(' or ')}`;
  const context: ObjectRuleContext = { objectRule: true, ...(options.path ? { path: options.path } : {}) };
  return (target) => {
    registerDecorator({
      name: 'exactlyOneOf',
      target,
      propertyName: `(exactly one of ${keys.join(', ')})`,
      constraints: [keys],
      options: { message, context },
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          keys.filter((key) => given((args.object as Record<string, unknown>)[key])).length === 1,
      },
    });
  };
}
