"""Print the model IDs the assistant would call, one per line."""

from assistant.llm import calls

for model_id in calls():
    print(model_id)
