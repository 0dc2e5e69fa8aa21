import { ValidationError } from 'class-validator';
import { AppError } from './app-error';

/** Flattens class-validator errors into one readable message naming each field. */
export function formatValidationErrors(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      for (const message of Object.values(error.constraints)) {
        out.push(
          message.startsWith(error.property) ? `${path}${message.slice(error.property.length)}` : `${path}: ${message}`,
        );
      }
    }
    if (error.children?.length) out.push(...formatValidationErrors(error.children, path));
  }
  return out;
}

export function validationException(errors: ValidationError[]): AppError {
  const messages = formatValidationErrors(errors);
  return AppError.badInput(messages.join('; ') || 'Invalid input', { fields: messages });
}
