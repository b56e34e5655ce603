"""The journey keeps no words a caller said: words stored before this revision are masked.

Until now a sentence not understood at a question that collects nothing personal (the main menu) was
kept as said, for two years, and shown to agents: "mon numéro de client est 100 200 300". The engine
now keeps a masked form (ivr.engine.runner.mask_said); this revision masks the rows already stored the
same way: every word holding a digit and every digit said in words hidden whole, of other words the
first letter.
The rule is written out here, frozen as it was at this revision, so later changes to the engine's
vocabulary cannot change what this migration did. Nothing can be unmasked: downgrade leaves the rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:10:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MASK = "\u2022"
HIDDEN_WORDS = frozenset((  # digits said in words, as prompts/fr|en/keys.yaml named them at this revision
    "zero", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
    "one", "two", "three", "four", "five", "seven", "eight", "nine", "oh",
))
BATCH = 500


def _hidden(said: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", said.lower()) if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    return " ".join(MASK * len(w) if w in HIDDEN_WORDS or not w.isalpha() else w[0] + MASK * (len(w) - 1)
                    for w in words)


def upgrade() -> None:
    bind = op.get_bind()
    events = sa.table('journey_events', sa.column('id', sa.Integer), sa.column('event', sa.String),
                      sa.column('detail', sa.JSON))
    last = 0
    while True:
        rows = bind.execute(sa.select(events.c.id, events.c.detail).where(
            events.c.event.in_(('nomatch', 'chose')), events.c.id > last).order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row_id, detail in rows:
            said = (detail or {}).get('said')
            if isinstance(said, str) and said != "…" and MASK not in said:  # "…": a sensitive answer
                bind.execute(events.update().where(events.c.id == row_id).values(detail={**detail,
                                                                                       'said': _hidden(said)}))
        last = rows[-1][0]


def downgrade() -> None:
    pass  # words once masked cannot be brought back, and must not be
