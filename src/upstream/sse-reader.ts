/**
 * Reads an OpenAI-style server-sent event stream as it arrives: notes the first
 * content token, the usage chunk, an error event and the closing [DONE]. Only
 * events that can carry those are parsed as JSON. Accepts what the SSE spec
 * allows: CRLF or LF line ends, "data:" with or without a space, comment lines.
 */
export class OpenAiSseReader {
  private buffer = "";
  sawContent = false;
  sawDone = false;
  sawError = false;
  usage: { prompt: number; completion: number } | undefined;
  /** Frames that carried content: the tokens received, when no usage chunk says. */
  contentFrames = 0;

  /** Feeds text; returns true when this text carried the first content token. */
  push(text: string): boolean {
    this.buffer += text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
    let firstContent = false;
    for (let end = this.buffer.indexOf("\n\n"); end !== -1; end = this.buffer.indexOf("\n\n")) {
      const event = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (this.event(event)) firstContent = true;
    }
    return firstContent;
  }

  /** One event: its data lines joined; other fields and comments are skipped. */
  private event(event: string): boolean {
    let data: string | undefined;
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    return data === undefined ? false : this.data(data);
  }

  private data(data: string): boolean {
    if (data === "[DONE]") {
      this.sawDone = true;
      return false;
    }
    if (data.includes('"error"')) {
      this.sawError = true;
      return false;
    }
    if (data.includes('"usage":{')) {
      const usage = (
        JSON.parse(data) as { usage: { prompt_tokens: number; completion_tokens: number } }
      ).usage;
      this.usage = { prompt: usage.prompt_tokens, completion: usage.completion_tokens };
    }
    // The first delta may carry an empty content string beside the role: not a token yet.
    if (!/"content":"[^"]/.test(data)) return false;
    this.contentFrames++;
    if (this.sawContent) return false;
    this.sawContent = true;
    return true;
  }
}
