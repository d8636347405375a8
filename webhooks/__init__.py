"""Standard Webhooks in both directions: verifying what CMSs send, signing and delivering
what we send back. Knows nothing of checks or reviews."""
