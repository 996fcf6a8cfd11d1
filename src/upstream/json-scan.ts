/**
 * Quick looks into a frame of JSON text without parsing it: a stream reader asks
 * each of its frames whether it holds an error, a usage or a piece of text, and
 * parses only the few that say something it must read.
 */

const QUOTE = 34;

/**
 * text.indexOf(`"${rest}`, from), found faster: searched for from rest's first
 * letter, the quote before it checked after. V8 finds a pattern by its first
 * character, and a frame of JSON is full of quotes, so a pattern that starts with
 * one takes about three times as long (the three looks an OpenAI frame needs: 0.8
 * against 0.3 us).
 */
export function quotedAt(text: string, rest: string, from = 0): number {
  for (let at = text.indexOf(rest, from + 1); at !== -1; at = text.indexOf(rest, at + 1)) {
    if (text.charCodeAt(at - 1) === QUOTE) return at - 1;
  }
  return -1;
}

/**
 * Whether text holds `"${rest}` followed by anything but a quote: with rest a key
 * and the opening quote of its value (`content":"`), a string value that is not
 * empty. A value cut off at the end of text counts as begun.
 */
export function nonEmptyAt(text: string, rest: string): boolean {
  for (let at = quotedAt(text, rest); at !== -1; at = quotedAt(text, rest, at + 1)) {
    if (text.charCodeAt(at + 1 + rest.length) !== QUOTE) return true;
  }
  return false;
}

// The two looks an OpenAI stream reader takes at every frame, as regular expressions:
// V8 runs one in native code about twice as fast as the indexOf searches above over
// a frame full of the letters they start from (the frames of a 20-token OpenAI
// stream: 0.6 against 1.2 us).
const ERROR_OR_USAGE = /"(?:error"|usage":\{)/;
const CONTENT_BEGUN = /"content":"(?!")/;

/** quotedAt(text, 'error"') or quotedAt(text, 'usage":{') finds something: in one pass. */
export function holdsErrorOrUsage(text: string): boolean {
  return ERROR_OR_USAGE.test(text);
}

/** nonEmptyAt(text, 'content":"'): a content string that is not empty (or is cut off). */
export function contentBegun(text: string): boolean {
  return CONTENT_BEGUN.test(text);
}
