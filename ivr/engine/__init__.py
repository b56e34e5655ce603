"""The flow engine: YAML flows in, turns out. No Flask, no Twilio, no database in here.

The package imports nothing itself: a caller imports the module it needs (`ivr.engine.state`,
`ivr.engine.runner`, `ivr.engine.loader`, ...), so a command that needs one small part, such as
`ivr report` reading flows/costs.yaml, does not load the whole engine (0.1 s).
"""
