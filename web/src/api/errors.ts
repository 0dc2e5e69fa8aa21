import { ApiError, type ApiErrorItem } from './client';

/** A failed request's errors, sorted for a form: next to the field they name, or for the whole form. */
export interface FormErrors<F extends string> {
  fields: Partial<Record<F, string>>;
  form: string[];
}

export const NO_ERRORS: FormErrors<never> = { fields: {}, form: [] };

/**
 * Which of the form's fields an error is about: the field the service named (`extensions.field`, e.g.
 * `users.0` → `users`), or the name the message starts with (`email must be an email`,
 * `customIdentifiers: "X" must match …`, `metadata must be a JSON object of at most 16 KB`).
 */
export function fieldOf<F extends string>(item: ApiErrorItem, fields: readonly F[]): F | undefined {
  for (const text of [item.field, item.message]) {
    if (!text) continue;
    const head = text.split(/[\s.:,]/, 1)[0];
    const match = fields.find((f) => f === head);
    if (match) return match;
  }
  return undefined;
}

/** Sorts what went wrong: each error next to its field when it names one of `fields`, else for the form. */
export function formErrors<F extends string>(error: unknown, fields: readonly F[]): FormErrors<F> {
  const items: ApiErrorItem[] =
    error instanceof ApiError ? error.errors : [{ message: error instanceof Error ? error.message : String(error) }];
  const out: FormErrors<F> = { fields: {}, form: [] };
  for (const item of items) {
    const field = fieldOf(item, fields);
    if (field) out.fields[field] = out.fields[field] ? `${out.fields[field]}; ${item.message}` : item.message;
    else out.form.push(item.message);
  }
  return out;
}

/** Every error's message, for a place that has no fields (a list, an action button). */
export function messagesOf(error: unknown): string[] {
  if (error instanceof ApiError) return error.errors.map((e) => e.message);
  return [error instanceof Error ? error.message : String(error)];
}
