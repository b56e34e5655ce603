"""The domain behind the flows: who a client is, where their file stands, what they changed."""
