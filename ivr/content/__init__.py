"""The flows this process serves (LAYOUT.md's `ivr/content/`): the files content staff edit, loaded.

flowstore: each version of flows/ and prompts/ loaded once, hot reload when a file changes, and the
versions archived in the database (ivr.store.archive) so a call finishes on the version it began.
graphviz: a flow's picture drawn with Graphviz's `dot` (the picture itself is ivr.engine.graph).
waiting_prompts: the prompt keys the program says by itself (hold, after hours), for the linter.
"""
