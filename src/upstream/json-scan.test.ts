import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentBegun, holdsErrorOrUsage, nonEmptyAt, quotedAt } from "./json-scan.js";

/** Text made of the pieces that make the searches hard: quotes, near misses, escapes. */
const jsonish = fc
  .array(
    fc.constantFrom(
      '"',
      "content",
      'content":"',
      'content":',
      "usage",
      'usage":{',
      "error",
      'error"',
      '\\"',
      "x",
      ":",
      "{",
    ),
    { maxLength: 30 },
  )
  .map((pieces) => pieces.join(""));
const rests = fc.constantFrom('content":"', 'usage":{', 'error"', 'text":"', "x");

describe("quick looks into JSON text", () => {
  it("quotedAt finds what indexOf finds with the quote in front, from any start", () => {
    fc.assert(
      fc.property(jsonish, rests, fc.nat(40), (text, rest, from) => {
        expect(quotedAt(text, rest, from)).toBe(text.indexOf(`"${rest}`, from));
      }),
      { numRuns: 3000 },
    );
  });

  it("nonEmptyAt says whether some occurrence is followed by anything but a quote", () => {
    const reference = (text: string, rest: string) => {
      const pattern = `"${rest}`;
      for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) {
        if (text.charAt(at + pattern.length) !== '"') return true;
      }
      return false;
    };
    fc.assert(
      fc.property(jsonish, rests, (text, rest) => {
        expect(nonEmptyAt(text, rest)).toBe(reference(text, rest));
      }),
      { numRuns: 3000 },
    );
  });

  it("tells a piece of text from an empty one, in an OpenAI delta", () => {
    expect(nonEmptyAt('{"delta":{"role":"assistant","content":""}}', 'content":"')).toBe(false);
    expect(nonEmptyAt('{"delta":{"content":"","content":"Hi"}}', 'content":"')).toBe(true);
    expect(nonEmptyAt('{"delta":{"content":"\\"quoted\\""}}', 'content":"')).toBe(true);
    expect(nonEmptyAt('{"delta":{"xcontent":"Hi"}}', 'content":"')).toBe(false);
  });

  it("holdsErrorOrUsage and contentBegun say what the searches they stand for say", () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(holdsErrorOrUsage(text)).toBe(
          quotedAt(text, 'error"') !== -1 || quotedAt(text, 'usage":{') !== -1,
        );
        expect(contentBegun(text)).toBe(nonEmptyAt(text, 'content":"'));
      }),
      { numRuns: 3000 },
    );
  });
});
