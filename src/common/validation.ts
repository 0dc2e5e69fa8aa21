import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { AppError } from './app-error';

/**
 * The context an object-level rule (a class decorator such as `@ExactlyOneOf`) gives its constraint: its
 * message is about the object itself, so it is named by the object's path (`where`, `users.connect.0`),
 * or by `path` when the rule fixes one.
 */
export interface ObjectRuleContext {
  objectRule: true;
  path?: string;
}

function objectRule(error: ValidationError, constraint: string): ObjectRuleContext | null {
  const context = error.contexts?.[constraint] as Partial<ObjectRuleContext> | undefined;
  return context?.objectRule ? (context as ObjectRuleContext) : null;
}

/** One message, and the path of the field (or object) it is about. */
interface FieldMessage {
  field: string;
  message: string;
}

function collect(errors: ValidationError[], parent: string, self: string): FieldMessage[] {
  const out: FieldMessage[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      const rule = objectRule(error, name);
      if (rule) {
        const at = rule.path ?? self;
        out.push({ field: at, message: at ? `${at}: ${message}` : message });
      } else {
        const named = message.startsWith(error.property)
          ? `${path}${message.slice(error.property.length)}`
          : `${path}: ${message}`;
        out.push({ field: path, message: named });
      }
    }
    if (error.children?.length) out.push(...collect(error.children, path, path));
  }
  return out;
}

/**
 * Flattens class-validator errors into readable messages naming each field by its path
 * (`users.connect.0.email …`). An object-level rule's message is named by the object: `self` names the
 * validated value itself (the GraphQL argument, e.g. `where`), which a field's message never repeats.
 */
export function formatValidationErrors(errors: ValidationError[], self = ''): string[] {
  return collect(errors, '', self).map((m) => m.message);
}

/**
 * One BAD_USER_INPUT for every problem found: the messages joined; `fields` lists them, `field` is the
 * path of the first (as a service's error names its field).
 */
export function validationException(errors: ValidationError[], argument = ''): AppError {
  const found = collect(errors, '', argument);
  const messages = found.map((m) => m.message);
  const details: Record<string, unknown> = { fields: messages };
  if (found[0]?.field) details.field = found[0].field;
  return AppError.badInput(messages.join('; ') || 'Invalid input', details);
}

/** What the pipe's exception factory throws, for `transform` to name by the argument. */
class InvalidArgument {
  constructor(readonly errors: ValidationError[]) {}
}

/**
 * The global validation pipe: class-transformer then class-validator on every DTO argument, every
 * problem in one BAD_USER_INPUT (validationException). It knows which argument it validates, so a rule
 * about the argument as a whole (`user(where: { id, email })`) is named by it: "where: give exactly one
 * of id or email".
 */
export class InputValidationPipe extends ValidationPipe {
  constructor(options: Omit<ValidationPipeOptions, 'exceptionFactory'> = {}) {
    super({ ...options, exceptionFactory: (errors) => new InvalidArgument(errors) });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (e) {
      if (e instanceof InvalidArgument) throw validationException(e.errors, metadata.data ?? '');
      throw e;
    }
  }
}
