"""AI triage and routing: the decision (LLM or offline model), routing rules, round-robin,
the stored result, and the requests for it."""
