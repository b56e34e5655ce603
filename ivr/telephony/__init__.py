"""The border with Twilio (LAYOUT.md's `ivr/telephony/`): what Twilio sends, read once; what we send,
checked against Twilio's documented rules; the /voice webhook views, TwiML, the REST gateway, recording
control, the recorded prompts served to <Play>, and the simulated phone used by `ivr call` and the tests.
"""
