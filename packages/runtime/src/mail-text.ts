/**
 * Text that users chose (an organization's name, a person's name) as it may appear in an email or its
 * subject: control and format characters (line breaks, tabs, bidirectional overrides, zero-width
 * characters) become a space, so a name cannot start a line of its own or hide what follows it; runs of
 * spaces fold; it is cut to `max` characters; and it is put in double quotes with inner quotes escaped,
 * so a reader sees exactly where someone else's words begin and end (docs/architecture.md §11.1).
 */
export function quoteUserText(text: string, max = 100): string {
  const clean = text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return JSON.stringify(Array.from(clean).slice(0, max).join(''));
}
