/**
 * The rules every input obeys, whatever the API (GraphQL arguments and variables, JSON scalars, REST
 * bodies): one walk, one message per rule. They run before anything recursive sees the input
 * (class-transformer, class-validator, graphql-js variable coercion, the services), so a hostile shape
 * is a 4xx and never a stack overflow.
 */

/** Objects and arrays nested deeper than this are bad input. No API of the service needs more than 8. */
export const MAX_INPUT_DEPTH = 32;

export const INPUT_MESSAGES = {
  tooDeep: `Input is nested too deeply (more than ${MAX_INPUT_DEPTH} levels)`,
  /** PostgreSQL cannot store NUL in text */
  nul: 'Text must not contain NUL (\\u0000) characters',
  /** not a character: PostgreSQL would store U+FFFD instead, SQLite the broken unit */
  loneSurrogate: 'Text must be valid Unicode: it holds an unpaired UTF-16 surrogate',
} as const;

// In a `u` regex a surrogate pair is one code point, so only an unpaired surrogate is category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** What is wrong with one string, or null. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return INPUT_MESSAGES.nul;
  if (LONE_SURROGATE.test(text)) return INPUT_MESSAGES.loneSurrogate;
  return null;
}

/**
 * What is wrong with a decoded input value, or null: nesting deeper than `maxDepth` objects/arrays
 * (the value itself, when an object or array, is level 1), or a string (value or key) with NUL or an
 * unpaired surrogate. Iterative, so the walk itself cannot overflow the stack; it stops at the first
 * problem and never descends below `maxDepth + 1`.
 */
export function inputProblem(value: unknown, maxDepth = MAX_INPUT_DEPTH): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: item, depth } = pending.pop()!;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) return problem;
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > maxDepth) return INPUT_MESSAGES.tooDeep;
    if (Array.isArray(item)) {
      for (const element of item) pending.push({ value: element, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(item)) {
      const problem = textProblem(key);
      if (problem) return problem;
      pending.push({ value: (item as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return null;
}
