// Print the model IDs the assistant would call, one per line.
const { calls } = require("./client.js");

for (const id of calls()) console.log(id);
