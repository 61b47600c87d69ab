"""The local server's query engines: evaluators that run beside the store."""
