/**
 * Reads an OpenAI-style server-sent event stream as it arrives: notes the first
 * content token, the usage chunk, an error frame and the closing [DONE]. Only
 * frames that can carry those are parsed as JSON.
 */
export class OpenAiSseReader {
  private buffer = "";
  sawContent = false;
  sawDone = false;
  sawError = false;
  usage: { prompt: number; completion: number } | undefined;

  /** Feeds text; returns true when this text carried the first content token. */
  push(text: string): boolean {
    this.buffer += text;
    let firstContent = false;
    for (let end = this.buffer.indexOf("\n\n"); end !== -1; end = this.buffer.indexOf("\n\n")) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (this.frame(frame)) firstContent = true;
    }
    return firstContent;
  }

  private frame(frame: string): boolean {
    if (!frame.startsWith("data: ")) return false;
    const data = frame.slice(6);
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
    if (!this.sawContent && data.includes('"content":"')) {
      this.sawContent = true;
      return true;
    }
    return false;
  }
}
