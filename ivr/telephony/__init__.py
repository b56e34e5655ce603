"""The border with Twilio (LAYOUT.md's `ivr/telephony/`): what Twilio sends, read once; what we send,
checked against Twilio's documented rules. The webhook views and the TwiML writer move in here later.
"""
