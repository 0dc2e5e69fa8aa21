import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from './app-error';

/** True when a value holds a NUL character in any string (object keys included). */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  for (const [key, item] of Object.entries(value))
    if (key.includes('\u0000') || containsNul(item, depth + 1)) return true;
  return false;
}

/**
 * PostgreSQL cannot store a NUL character in text, so any argument or body holding one is bad input,
 * refused before a service sees it (on SQLite too, so both engines answer alike). Runs on every
 * GraphQL argument (after graphql-js decoded `\u0000` escapes) and every REST body.
 */
@Injectable()
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (containsNul(value)) throw AppError.badInput('Text must not contain NUL (\\u0000) characters');
    return value;
  }
}
