"""External tools: manifests, the sandbox that runs them, and the egress-checked HTTP client."""
