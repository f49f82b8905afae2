// Browser-side chat widget: calls the gateway with a pinned model.
import { ChatDeepSeek } from "@langchain/deepseek";

const MODEL = "MiniMax-M2";
const FALLBACK_MODEL = "claude-sonnet-4-5";

export async function ask(prompt: string, model = "glm-4.6"): Promise<string> {
  const res = await fetch("https://openrouter.ai/api/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({ model: `openrouter/${MODEL}`, messages: [{ role: "user", content: prompt }] }),
  });
  return (await res.json()).choices[0].message.content;
}

export const chat = new ChatDeepSeek({ model: "deepseek-chat" });
export { FALLBACK_MODEL };
