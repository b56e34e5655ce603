"""advance(): one event in, one turn out. The whole behaviour of a call lives here.

Pure and deterministic: no clock, no database, no Twilio. Backend actions are asked for
with an ACTION turn and their result comes back as an ActionDone or ActionFailed event.
"""

from __future__ import annotations

from typing import Any

from ivr.engine import understand
from ivr.engine.flows import FlowSet
from ivr.engine.phones import Refusal, check_number
from ivr.engine.prompts import PromptError, Utterance
from ivr.engine.state import (
    ActionDone,
    ActionFailed,
    CallState,
    Digits,
    Event,
    JourneyEntry,
    Listen,
    NoInput,
    Speech,
    Start,
    TransferReason,
    Turn,
    TurnKind,
)
from ivr.engine.steps import (AGENT, Action, Ask, Branch, Expect, Hangup, InputMode, Menu, Question, Return, Say, Step, Transfer,
                    Use, case_label)

MAX_HOPS = 200
"""Steps run without caller input before the engine calls it a loop and sends to an agent."""

EMPTY_CASE = "empty"


class _FlowFault(Exception):
    """The flow cannot go on (missing value, loop, bad jump); the caller goes to an agent."""


def advance(flowset: FlowSet, state: CallState, event: Event) -> tuple[Turn, CallState]:
    """Apply one event to a call and say what the caller hears next."""
    run = _Run(flowset, state.copy())
    try:
        turn = run.handle(event)
    except (_FlowFault, PromptError, KeyError, ValueError, TypeError) as error:
        turn = run.fault(error)
    run.state.seq += 1
    return turn, run.state


MASK = "\u2022"  # •: a hidden character. Not "*", which agents read as the star key ("pressed *").


def mask(value: Any) -> str:
    """Keep the last three characters of a personal value, hide the rest with MASK."""
    text = str(value)
    if len(text) <= 3:
        return MASK * len(text)
    return MASK * (len(text) - 3) + text[-3:]


def mask_said(text: str, words: understand.Vocabulary = understand.NO_WORDS) -> str:
    """Words said at a question that collects nothing personal, as the journey keeps them: `m•• n•••••
    d• c••••• e•• ••• ••• •••` for "mon numéro de client est 100 200 300".

    A caller says anything anywhere (a client number or a street at the main menu), so the words themselves
    are never kept: every word holding a digit ("300", "h2x") and every digit said in words (`words.key_names`:
    "zéro", "one") is hidden whole, of other words only the first letter stays, like ivr.privacy.mask_text.
    Words are compared as understand.normalize writes them (lower case, no accents). "" for "".
    """
    digit_names = {token for phrase, key in words.key_names.items() if key.isdigit() for token in phrase}
    shown = []
    for token in understand.normalize(text).split():
        if token in digit_names or not token.isalpha():  # a numeral, or a code ("h2x"), or a digit in words
            shown.append(MASK * len(token))
        else:
            shown.append(token[0] + MASK * (len(token) - 1))
    return " ".join(shown)


SAID_KEPT = 80
"""Characters of an utterance masked into the journey: more than a menu answer, less than a speech."""


class _Run:
    def __init__(self, flowset: FlowSet, state: CallState):
        self.flowset = flowset
        self.settings = flowset.settings
        self.state = state
        self.prompts: list[Utterance] = []
        self.journey: list[JourneyEntry] = []

    # -- entry point ------------------------------------------------------------------------

    def handle(self, event: Event) -> Turn:
        state = self.state
        if state.finished:
            return self._finished_turn()
        if isinstance(event, Start):
            state.position = self._start_position(event)
            if event.language:
                if event.language not in self.flowset.languages:
                    raise _FlowFault(f"cannot start a call in language '{event.language}'")
                state.language = event.language
            state.vars.update(event.values)
            if event.at or event.language:
                self.note("call", "started", at=state.position, language=state.language)
            else:
                self.note("call", "started")
            return self.go(state.position)
        if state.awaiting == "action":
            if isinstance(event, (ActionDone, ActionFailed)):
                return self.on_action(event)
            raise _FlowFault("input arrived while a backend action was pending")
        if state.awaiting != "input":
            return self.go(state.position)
        step = self.current()
        if isinstance(event, NoInput):
            return self.on_noinput(step)
        if isinstance(event, (Digits, Speech)):
            return self.on_input(step, event)
        raise _FlowFault(f"unexpected event {type(event).__name__}")

    def _start_position(self, event: Start) -> str:
        if not event.at:
            return self.flowset.start()
        flow_name, _, step_id = event.at.partition("/")
        flow = self.flowset.flows.get(flow_name)
        if flow is None or (step_id and step_id not in flow.steps):
            raise _FlowFault(f"cannot start a call at '{event.at}': no such flow or step")
        return f"{flow.name}/{step_id or flow.start}"

    # -- moving through steps ----------------------------------------------------------------

    def current(self) -> Step:
        return self.flowset.step(self.state.position)

    def go(self, position: str, hops: int = 0) -> Turn:
        """Run steps from `position` until one needs the caller, an action, or ends the call."""
        while True:
            hops += 1
            if hops > MAX_HOPS:
                raise _FlowFault("the flow went round in a loop without asking the caller anything")
            self.state.position = position
            self.state.noinput = self.state.nomatch = self.state.stray = 0
            step = self.current()
            if isinstance(step, Question):
                self.state.awaiting = "input"
                for key in step.prompt:
                    self.say(key)
                self.note(step.kind, "asked", heard=list(step.prompt))
                return self.gather(step)
            if isinstance(step, Say):
                for key in step.prompt:
                    self.say(key)
                self.note("say", "heard", heard=list(step.prompt), text=self._text_of(step.prompt))
                position = self.target(step, step.next, "next")
            elif isinstance(step, Action):
                for key in step.say:
                    self.say(key)
                self.state.awaiting = "action"
                return Turn(TurnKind.ACTION, tuple(self.prompts), action=step.name, journey=tuple(self.journey))
            elif isinstance(step, Branch):
                value = self.state.vars.get(step.variable)
                label = EMPTY_CASE if value in (None, "") else case_label(value)
                case = next((c for c, _, _ in step.cases if c == label), "otherwise")
                target = next((t for c, t, _ in step.cases if c == label), step.otherwise)
                self.note("branch", "chose", value=label if not _is_personal(step.variable) else "…", case=case)
                position = self.target(step, target, label)
            elif isinstance(step, Transfer):
                return self.transfer(step.reason, step.say or (self.settings.transfer_prompt,))
            elif isinstance(step, Hangup):
                for key in step.say:
                    self.say(key)
                self.state.finished = "hangup"
                self.state.awaiting = "done"
                self.note("hangup", "self_service_done", heard=list(step.say))
                return Turn(TurnKind.HANGUP, tuple(self.prompts), journey=tuple(self.journey))
            elif isinstance(step, Use):
                self.note("use", "entered", flow=step.subflow)
                self.state.stack.append(self.state.position)
                sub = self.flowset.flows[step.subflow]
                position = f"{sub.name}/{sub.start}"
            elif isinstance(step, Return):
                if not self.state.stack:
                    raise _FlowFault(f"step {step.qualified} returns but no flow used it")
                self.note("return", "returned", outcome=step.outcome)
                caller = self.flowset.step(self.state.stack.pop())
                assert isinstance(caller, Use)
                self.state.position = caller.qualified
                self.note("use", "returned", outcome=step.outcome)
                target = caller.next_for(step.outcome) or caller.next_for("*")
                position = self.target(caller, target, step.outcome)
            else:  # pragma: no cover - every kind is handled above
                raise _FlowFault(f"unknown step kind {step.kind}")
            if position == AGENT:
                return self.transfer(self._flow_reason(), (self.settings.transfer_prompt,))

    def target(self, step: Step, target: str | None, label: str) -> str:
        if target is None:
            raise _FlowFault(f"step {step.qualified} has nowhere to go for '{label}'")
        resolved = self.flowset.resolve(target, step.flow)
        if resolved == AGENT:
            self._agent_label = f"{step.qualified}:{label}"
        return resolved

    def jump(self, step: Step, target: str | None, label: str, reason: str | None = None) -> Turn:
        position = self.target(step, target, label)
        if position == AGENT:
            return self.transfer(reason or self._flow_reason(), (self.settings.transfer_prompt,))
        return self.go(position)

    _agent_label = ""

    def _flow_reason(self) -> str:
        return self._agent_label or self.state.position

    # -- the caller's answers -----------------------------------------------------------------

    def on_input(self, step: Step, event: Digits | Speech) -> Turn:
        assert isinstance(step, Question)
        settings = self.settings
        digits = event.value.strip() if isinstance(event, Digits) else None
        if digits is not None and isinstance(step, Ask) and self._listen_for(step).finish_on_key == "":
            digits = digits[:-1] if digits.endswith(settings.end_key) and digits != settings.end_key else digits
        speech = event.text if isinstance(event, Speech) else None
        # The key pressed, or the keys said and nothing else ("zéro", "faites le 1", "star").
        key = digits if speech is None else self.vocabulary().keys_said(speech)

        if digits is not None and self._stray_end_key(step, digits):
            return self.reprompt(step, ())
        if key == settings.agent_key or (speech is not None and self._asks_for_agent(step, speech)):
            if speech is not None and self.state.language is None:
                self._choose_language_by(speech, settings.agent_words)
            self.note(step.kind, "asked_for_agent", input="0" if digits else "speech")
            return self.transfer(TransferReason.ASKED, (settings.transfer_prompt,))
        if key == settings.repeat_key or (isinstance(step, Ask) and step.expect is Expect.TEXT and speech is not None
                                          and self._asks_to_repeat(step, speech)):
            return self.repeat(step)  # in a street or a city, only a short request counts (_command_heard)
        if isinstance(step, Menu):
            return self.on_menu(step, digits, speech, key)
        return self.on_ask(step, digits, speech)

    def repeat(self, step: Question) -> Turn:
        self.note(step.kind, "repeat")
        return self.reprompt(step, ())

    def _stray_end_key(self, step: Question, digits: str) -> bool:
        """A lone end key (#), or an empty entry, as the first thing a question gets: the end of the
        entry before, made by a caller used to ending entries with #, which that entry did not need
        (Twilio's <Gather> ends a fixed-length entry at its numDigits-th digit, so the # is the first
        key of the next <Gather>; "finishOnKey only works when a digit sequence precedes it", so it
        arrives as Digits "#" or ""). The question is asked again, once, with no retry used."""
        if digits not in ("", self.settings.end_key) or (isinstance(step, Ask) and step.optional):
            return False
        if self.settings.retries_for(step).noinput == ():  # an optional question: # skips it, as silence does
            return False
        state = self.state
        if state.noinput or state.nomatch or state.stray:
            return False
        state.stray += 1
        self.note(step.kind, "stray_end_key")
        return True

    def on_menu(self, step: Menu, digits: str | None, speech: str | None, key: str | None) -> Turn:
        chosen = None
        if key is not None:
            chosen = step.option(key)
        elif speech is not None:
            matches = [o for o in step.options if o.words and self._says(speech, o.words)]
            chosen = matches[0] if len(matches) == 1 else None
        if chosen is None:
            if speech is not None and self._asks_to_repeat(step, speech):  # "pardon, oui" is still yes
                return self.repeat(step)
            return self.on_nomatch(step, digits, speech)
        if speech is not None:
            self.note("menu", "chose", key=chosen.key, by="speech", said=self._said(step, speech))
        else:
            self.note("menu", "chose", key=chosen.key, by="keypad")
        if chosen.language:
            self.state.language = chosen.language
        for key in chosen.say:
            self.say(key)
        return self.jump(step, chosen.next, chosen.key)

    def on_ask(self, step: Ask, digits: str | None, speech: str | None) -> Turn:
        value = self._understand(step, digits, speech)
        if value is None and step.optional and speech is not None and self._says(speech, self.settings.none_words):
            value = ""  # "aucun", "no apartment": the spoken end key of an optional question
        if value is None:
            if speech is not None and self._asks_to_repeat(step, speech):  # "pardon, c'est 100 200 300" is a value
                return self.repeat(step)
            if step.expect is Expect.PHONE and self._wrong_length(digits, speech):
                return self.on_nomatch(step, digits, speech, instead=self.settings.phone_length_prompt)
            return self.on_nomatch(step, digits, speech)
        self.state.vars[step.into] = value
        shown = mask(value) if step.sensitive and value else value
        self.note("ask", "entered", name=step.into, value=shown, by="speech" if speech is not None else "keypad")
        return self.jump(step, step.next, "next")

    def _wrong_length(self, digits: str | None, speech: str | None) -> bool:
        """The number typed, or the one number said, has too few or too many digits (phones.Refusal.LENGTH)."""
        if speech is not None:
            runs = self.vocabulary().digit_runs(speech)
            digits = runs[0] if len(runs) == 1 else None
        return bool(digits) and check_number(digits, self.settings.phone_regions).refusal is Refusal.LENGTH

    def _understand(self, step: Ask, digits: str | None, speech: str | None) -> str | None:
        words = self.vocabulary()
        if speech is not None:
            if step.expect is Expect.TEXT:
                return understand.free_text(speech, words)
            if step.expect is Expect.POSTAL_CODE:
                return understand.postal_code(speech, words)
            # "Mon numéro de client est le 100 200 300": the one value said, never a guess among two.
            values = [self._typed_value(step, run) for run in words.digit_runs(speech)]
            if step.expect is Expect.DATE:  # "le 17 mai 1948", "May seventeenth, nineteen forty-eight"
                values.append(understand.spoken_date(speech, words))
            return understand.one_value(values)
        if digits is None or not step.typed:
            return None
        return self._typed_value(step, digits)

    def _typed_value(self, step: Ask, digits: str) -> str | None:
        if digits in ("", self.settings.end_key):
            return "" if step.optional else None
        if not digits.isdigit():
            return None
        if step.length and len(digits) != step.length:
            return None
        if step.min_length and len(digits) < step.min_length:
            return None
        if step.max_length and len(digits) > step.max_length:
            return None
        if step.expect is Expect.DATE:
            return understand.birth_date(digits)
        if step.expect is Expect.PHONE:
            return understand.phone_number(digits, self.settings.phone_regions)
        return digits

    def on_noinput(self, step: Step) -> Turn:
        retries = self.settings.retries_for(step)
        self.state.noinput += 1
        count = self.state.noinput
        self.note(step.kind, "noinput", count=count)
        if count > len(retries.noinput or ()):
            return self.jump(step, retries.then, "noinput", TransferReason.NOINPUT)
        return self.reprompt(step, (retries.noinput[count - 1],), patient=True)

    def on_nomatch(self, step: Step, digits: str | None, speech: str | None, instead: str | None = None) -> Turn:
        """A retry used: the step's next nomatch prompt (or `instead`, a prompt saying why), or its way out."""
        retries = self.settings.retries_for(step)
        self.state.nomatch += 1
        count = self.state.nomatch
        heard: dict[str, Any] = {"count": count}
        if speech is not None:
            heard["said"] = self._said(step, speech)
        elif digits is not None:
            heard["pressed"] = self._pressed(step, digits)
        self.note(step.kind, "nomatch", **heard)
        if count > len(retries.nomatch or ()):
            return self.jump(step, retries.then, "nomatch", TransferReason.NOMATCH)
        return self.reprompt(step, (instead or retries.nomatch[count - 1],))

    def _pressed(self, step: Step, digits: str) -> str:
        """What the journey keeps of keys that were not understood. At a menu an answer is one key, kept
        as pressed ("9"); a longer entry there is a number typed out of step (a client or phone number at
        the main menu), hidden whole as digits said are (mask_said). An answer to a question that
        collects personal data (sensitive) keeps its last three characters (mask)."""
        if getattr(step, "sensitive", False):
            return mask(digits)
        kept = digits[:20]
        return MASK * len(kept) if isinstance(step, Menu) and len(kept) > 1 else kept

    def _said(self, step: Step, speech: str) -> str:
        """What the journey keeps of words said: never the words (see mask_said); nothing of an answer
        to a question that collects personal data (sensitive)."""
        return "…" if getattr(step, "sensitive", False) else mask_said(speech[:SAID_KEPT], self.vocabulary())

    def reprompt(self, step: Step, before: tuple[str, ...], patient: bool = False) -> Turn:
        assert isinstance(step, Question)
        self.state.awaiting = "input"
        for key in before:
            self.say(key)
        escalated = self.state.noinput + self.state.nomatch >= 2
        for key in (step.help,) if (escalated and step.help) else step.prompt:
            self.say(key)
        return self.gather(step, patient=patient and isinstance(step, Ask))

    def on_action(self, event: ActionDone | ActionFailed) -> Turn:
        step = self.current()
        assert isinstance(step, Action)
        self.state.awaiting = "moving"
        if isinstance(event, ActionFailed):
            self.note("action", "failed", action=step.name)
            target = step.next_for("error")
            if target is None:
                return self.transfer(TransferReason.FAULT, (self.settings.fault_prompt,))
            position = self.target(step, target, "error")
            if position == AGENT:  # the caller hears why, not just "transferring"
                return self.transfer(self._flow_reason(), (self.settings.fault_prompt,))
            return self.go(position)
        for name, value in event.values.items():
            if value is None:
                self.state.vars.pop(name, None)
            else:
                self.state.vars[name] = value
        self.note("action", "outcome", action=step.name, outcome=event.outcome)
        target = step.next_for(event.outcome) or step.next_for("*")
        if target is None:
            raise _FlowFault(f"action {step.name} gave '{event.outcome}', which step {step.qualified} does not handle")
        return self.jump(step, target, event.outcome)

    # -- endings -----------------------------------------------------------------------------

    def transfer(self, reason: str, say: tuple[str, ...]) -> Turn:
        for key in say:
            self.say(key)
        state = self.state
        state.finished = "transfer"
        state.awaiting = "done"
        state.transfer_reason = str(reason)
        queue = self.flowset.languages.queue(state.language)
        self.note("transfer", "queued", reason=str(reason), queue=queue)
        return Turn(TurnKind.TRANSFER, tuple(self.prompts), queue=queue, reason=str(reason),
                    journey=tuple(self.journey))

    def fault(self, error: Exception) -> Turn:
        """Whatever went wrong, the caller hears an apology and reaches a person."""
        self.prompts.clear()
        self.note("fault", "fault", error=type(error).__name__)
        try:
            return self.transfer(TransferReason.FAULT, (self.settings.fault_prompt,))
        except PromptError:
            self.prompts.clear()
            return Turn(TurnKind.TRANSFER, (), queue=self.flowset.languages.queue(self.state.language),
                        reason=TransferReason.FAULT, journey=tuple(self.journey))

    def _finished_turn(self) -> Turn:
        if self.state.finished == "transfer":
            return Turn(TurnKind.TRANSFER, queue=self.flowset.languages.queue(self.state.language),
                        reason=self.state.transfer_reason)
        return Turn(TurnKind.HANGUP)

    # -- saying and listening ---------------------------------------------------------------

    def languages(self) -> tuple[str, ...]:
        return self.flowset.languages.speaking(self.state.language)

    def say(self, key: str) -> None:
        for language in self.languages():
            self.prompts.append(self.flowset.prompts.render(key, language, self._values()))

    def _values(self) -> dict[str, Any]:
        """What a sentence may say: the call's values, and the line's own (the regions it calls)."""
        return {"regions_called": self.settings.phone_regions, **self.state.vars}

    def _text_of(self, keys: tuple[str, ...]) -> str:
        # A sentence that reads back personal values (an address, a phone) stays out of the journey.
        for key in keys:
            entry = self.flowset.prompts.get(key, self.state.language or self.flowset.languages.default.code)
            if entry is not None and any(_is_personal(name) for name in entry.placeholders):
                return "…"
        said = [u.text for u in self.prompts if u.key in keys]
        return " ".join(said)[:500]

    def gather(self, step: Menu | Ask, patient: bool = False) -> Turn:
        listen = self._listen_for(step, patient)
        return Turn(TurnKind.GATHER, tuple(self.prompts), listen=listen, journey=tuple(self.journey))

    def _listen_for(self, step: Menu | Ask, patient: bool = False) -> Listen:
        timeouts = self.settings.timeouts
        language = self.state.language or self.flowset.languages.default.code
        hints = list(self._words(self.settings.agent_words))
        if isinstance(step, Menu):
            for option in step.options:
                if option.words:
                    hints.extend(self._words(option.words))
            keys_long = max((len(o.key) for o in step.options), default=1)
            return Listen(language, timeouts.patient if patient else timeouts.menu, max_digits=keys_long,
                          hints=tuple(dict.fromkeys(hints)))
        if step.input is InputMode.SPEECH:
            return Listen(language, timeouts.patient if patient else timeouts.speech, hints=tuple(hints))
        return Listen(
            language,
            timeouts.patient if patient else timeouts.keypad,
            max_digits=step.num_digits,
            finish_on_key="" if step.optional else self.settings.end_key,
            hints=tuple(hints),
            numbers=True,
        )

    def _words(self, key: str) -> tuple[str, ...]:
        words: dict[str, None] = {}
        for language in self.languages():
            words.update(dict.fromkeys(self.flowset.prompts.words(key, language)))
        return tuple(words)

    def _says(self, speech: str, key: str) -> bool:
        return understand.says_any(speech, self._words(key))

    def vocabulary(self) -> understand.Vocabulary:
        return self.flowset.vocabulary(self.languages())

    def _asks_for_agent(self, step: Step, speech: str) -> bool:
        return self._says(speech, self.settings.agent_words) and self._command_heard(step, speech)

    def _asks_to_repeat(self, step: Step, speech: str) -> bool:
        return self._says(speech, self.settings.repeat_words) and self._command_heard(step, speech)

    def _command_heard(self, step: Step, speech: str) -> bool:
        """A command word is a command at every question, except inside a street or a city, where
        only a short request counts ("rue de l'Agent-Smith" is an answer, "un agent" is not)."""
        if isinstance(step, Ask) and step.expect is Expect.TEXT:
            return len(understand.normalize(speech).split()) <= 4
        return True

    def _choose_language_by(self, speech: str, key: str) -> None:
        """Before a language is chosen, words of only one language choose it ("representative": en)."""
        spoken_in = [language for language in self.flowset.languages.codes
                     if understand.says_any(speech, self.flowset.prompts.words(key, language))]
        if len(spoken_in) == 1:
            self.state.language = spoken_in[0]
            self.note("call", "language_by_words", language=spoken_in[0])

    def note(self, kind: str, event: str, **detail: Any) -> None:
        self.journey.append(JourneyEntry(self.state.position, kind, event, detail))


def _is_personal(name: str) -> bool:
    return any(word in name for word in ("number", "birth", "postal", "phone", "address", "street", "city",
                                         "apartment"))
