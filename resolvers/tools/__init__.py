"""External tools: the registry (manifests, versions, connections) and runs with approval."""
