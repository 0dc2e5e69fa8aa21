/**
 * Openfront's `User.firstName` / `User.lastName`, derived from `name` (SPEC §12): the first word, and the
 * rest, so a middle initial stays with the last name ("Ada B. Lovelace" → "Ada" / "B. Lovelace").
 *
 * Openfront's own resolver keeps only the last word (or the last two when the one before is a single
 * letter), which drops a middle name ("Mary Ann Smith" → "Smith"); its profile form saves
 * `firstName + " " + lastName` as the new name, so that rule would lose the middle name on every save.
 * "The rest" gives the same answer for one, two and "A B Surname" names and round-trips everything else.
 * Like Openfront, a user without a name answers "" (not null), so the storefront's "Hello {firstName}"
 * and its form defaults need no null checks.
 */
export function splitName(name: string | null | undefined): { firstName: string; lastName: string } {
  const words = (name ?? '').trim().split(/\s+/u).filter(Boolean);
  return { firstName: words[0] ?? '', lastName: words.slice(1).join(' ') };
}
