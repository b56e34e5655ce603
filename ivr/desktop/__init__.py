"""The agent desktop: the screen pop, the queue, callbacks and the JSON API for a CRM.

`ivr.desktop.site.init_app` plugs it into the app; this package's own import loads nothing, so a
command that needs one of its modules (words, sessions, service) pays for that module alone.
"""
