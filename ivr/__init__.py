"""A bilingual (French/English) IVR for public-service contact centres.

The web application is built by `ivr.app.create_app`; the `ivr` command is `ivr.cli`.
"""
