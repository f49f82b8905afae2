// A small assistant that talks to several models: sample input for `hedgectl rewrite`.
"use strict";

const CHAT_MODEL = "deepseek-chat"; // module constant

// Object values: the key names the role.
const ROUTES = {
  summariser: "moonshot-v1-8k",
  embedder: "text-embedding-3-small",
};

class FakeClient {
  constructor() {
    this.calls = [];
  }
  complete({ model, prompt }) {
    this.calls.push(model);
    return `(${model}) ${prompt}`;
  }
}

class Planner {
  model = "deepseek-reasoner"; // class field

  plan(client, goal) {
    return client.complete({ model: this.model, prompt: goal });
  }
}

function ask(client, prompt, model = "MiniMax-M2") { // default parameter
  return client.complete({ model, prompt });
}

function review(client, code) {
  // Property in an options object, the JavaScript keyword argument.
  return client.complete({ model: "Qwen/Qwen2.5-Coder-32B-Instruct", prompt: code });
}

function versioned(client, version) {
  // Built at run time: rewrite must leave it alone and list it.
  return client.complete({ model: `deepseek-${version}`, prompt: "hi" });
}

function calls() {
  const client = new FakeClient();
  client.complete({ model: CHAT_MODEL, prompt: "hello" });
  client.complete({ model: ROUTES.summariser, prompt: "a long text" });
  client.complete({ model: ROUTES.embedder, prompt: "embed me" });
  new Planner().plan(client, "ship it");
  ask(client, "what now?");
  review(client, "console.log('hi')");
  versioned(client, "chat");
  return client.calls;
}

module.exports = { calls };
