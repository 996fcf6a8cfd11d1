/**
 * P12 model equivalence: one chat request mapped between the request shapes of
 * OpenAI (and Azure), Anthropic, Gemini and Bedrock Converse, so that a request
 * can move to an equivalent model on another vendor. Pure data in, data out.
 *
 * The common shape is OpenAI's. What each vendor needs that the others do not:
 * - Anthropic: the system prompt apart; roles alternate, starting with the user
 *   (consecutive turns of one role are joined); max_tokens is required.
 * - Gemini: the model is in the path; the assistant's role is "model"; the system
 *   prompt is systemInstruction; limits in generationConfig.
 * - Bedrock Converse: content is a list of text blocks; the system prompt apart;
 *   limits in inferenceConfig.
 * Temperatures are clamped to the target's range (OpenAI and Gemini 0-2,
 * Anthropic and Bedrock 0-1), never rescaled.
 */
export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** The common request: what a gateway receives and what it may move elsewhere. */
export interface ChatRequestShape {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  stream?: boolean;
}

export type RequestFormat = "openai" | "anthropic" | "gemini" | "bedrock";

/** Anthropic requires max_tokens; this is what a request without one asks for. */
export const DEFAULT_MAX_TOKENS = 1024;

const TEMPERATURE_MAX: Record<RequestFormat, number> = {
  openai: 2,
  anthropic: 1,
  gemini: 2,
  bedrock: 1,
};

function clampTemperature(t: number | undefined, format: RequestFormat): number | undefined {
  return t === undefined ? undefined : Math.min(Math.max(t, 0), TEMPERATURE_MAX[format]);
}

/** The system prompt (all system messages joined) and the turns without it. */
function splitSystem(messages: readonly ChatMessage[]): {
  system: string | undefined;
  turns: ChatMessage[];
} {
  const system = messages.filter((m) => m.role === "system").map((m) => m.content);
  return {
    system: system.length ? system.join("\n\n") : undefined,
    turns: messages.filter((m) => m.role !== "system"),
  };
}

/** Turns that alternate, starting with the user, as Anthropic and Bedrock require. */
function alternating(turns: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const turn of turns) {
    const last = out[out.length - 1];
    if (last && last.role === turn.role) last.content = `${last.content}\n\n${turn.content}`;
    else out.push({ ...turn });
  }
  if (out[0]?.role === "assistant") out.unshift({ role: "user", content: "(continue)" });
  return out;
}

/** The body (and, for Gemini and Bedrock, the path) that asks `format` the same thing. */
export function toVendorRequest(
  req: ChatRequestShape,
  format: RequestFormat,
): { path: string; body: unknown } {
  const temperature = clampTemperature(req.temperature, format);
  const { system, turns } = splitSystem(req.messages);
  switch (format) {
    case "openai":
      return {
        path: "/v1/chat/completions",
        body: {
          model: req.model,
          messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
          ...(temperature !== undefined ? { temperature } : {}),
          ...(req.maxTokens !== undefined ? { max_completion_tokens: req.maxTokens } : {}),
          ...(req.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        },
      };
    case "anthropic":
      return {
        path: "/v1/messages",
        body: {
          model: req.model,
          max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
          ...(system !== undefined ? { system } : {}),
          messages: alternating(turns),
          ...(temperature !== undefined ? { temperature } : {}),
          ...(req.stream ? { stream: true } : {}),
        },
      };
    case "gemini": {
      const config = {
        ...(temperature !== undefined ? { temperature } : {}),
        ...(req.maxTokens !== undefined ? { maxOutputTokens: req.maxTokens } : {}),
      };
      return {
        path: `/v1beta/models/${encodeURIComponent(req.model)}:${req.stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
        body: {
          contents: turns.map((m) => ({
            role: m.role === "assistant" ? "model" : "user",
            parts: [{ text: m.content }],
          })),
          ...(system !== undefined ? { systemInstruction: { parts: [{ text: system }] } } : {}),
          ...(Object.keys(config).length ? { generationConfig: config } : {}),
        },
      };
    }
    case "bedrock": {
      const config = {
        ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
      };
      return {
        path: `/model/${encodeURIComponent(req.model)}/${req.stream ? "converse-stream" : "converse"}`,
        body: {
          messages: alternating(turns).map((m) => ({
            role: m.role,
            content: [{ text: m.content }],
          })),
          ...(system !== undefined ? { system: [{ text: system }] } : {}),
          ...(Object.keys(config).length ? { inferenceConfig: config } : {}),
        },
      };
    }
  }
}

type Loose = Record<string, unknown>;
const asArray = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : []);
const textOf = (content: unknown): string => {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((p) => (typeof p.text === "string" ? p.text : ""))
    .join("");
};

/**
 * Reads a vendor's request back into the common shape (a gateway receiving an
 * Anthropic or Gemini request, say). `model` comes from the path for Gemini and
 * Bedrock, so it is passed in.
 */
export function fromVendorRequest(
  body: unknown,
  format: RequestFormat,
  model?: string,
): ChatRequestShape {
  const b = (body ?? {}) as Loose;
  const messages: ChatMessage[] = [];
  const push = (role: ChatRole, content: string) => messages.push({ role, content });
  let temperature: unknown;
  let maxTokens: unknown;
  let stream = false;
  let name = model ?? (typeof b.model === "string" ? b.model : "");
  switch (format) {
    case "openai":
      for (const m of asArray(b.messages)) push(roleOf(m.role), textOf(m.content));
      temperature = b.temperature;
      maxTokens = b.max_completion_tokens ?? b.max_tokens;
      stream = b.stream === true;
      break;
    case "anthropic":
      if (b.system !== undefined) push("system", textOf(b.system));
      for (const m of asArray(b.messages)) push(roleOf(m.role), textOf(m.content));
      temperature = b.temperature;
      maxTokens = b.max_tokens;
      stream = b.stream === true;
      break;
    case "gemini": {
      const instruction = (b.systemInstruction ?? b.system_instruction) as Loose | undefined;
      if (instruction) push("system", textOf(instruction.parts));
      for (const c of asArray(b.contents))
        push(c.role === "model" ? "assistant" : "user", textOf(c.parts));
      const config = (b.generationConfig ?? {}) as Loose;
      temperature = config.temperature;
      maxTokens = config.maxOutputTokens;
      name = model ?? name;
      break;
    }
    case "bedrock": {
      if (b.system !== undefined) push("system", textOf(b.system));
      for (const m of asArray(b.messages)) push(roleOf(m.role), textOf(m.content));
      const config = (b.inferenceConfig ?? {}) as Loose;
      temperature = config.temperature;
      maxTokens = config.maxTokens;
      break;
    }
  }
  return {
    model: name,
    messages,
    ...(typeof temperature === "number" ? { temperature } : {}),
    ...(typeof maxTokens === "number" ? { maxTokens } : {}),
    ...(stream ? { stream } : {}),
  };
}

function roleOf(role: unknown): ChatRole {
  return role === "system" || role === "developer"
    ? "system"
    : role === "assistant"
      ? "assistant"
      : "user";
}
