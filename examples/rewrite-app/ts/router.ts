// TypeScript: rewritten the same way (the resolver gets a .d.mts declaration).
export interface Route {
  model: string;
  maxTokens: number;
}

export const FALLBACK_MODEL: string = "kimi-k2-0905-preview";

export function route(kind: "chat" | "code"): Route {
  return kind === "code"
    ? { model: "deepseek-coder", maxTokens: 4096 }
    : { model: FALLBACK_MODEL, maxTokens: 1024 };
}
