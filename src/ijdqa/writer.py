"""The prompt a model answers: passages, conversation and question, written for its kind.

- a chat model (an OpenAI-compatible server, Ollama) gets a system and a user message;
- a base model (the bundled local one has no chat template) gets one text prompt, few-shot, in
  prompts/llm_local.txt, and a grammar (llama.cpp's GBNF) that lets it write only the refusal
  sentence, or one or two sentences of the passages word for word, each followed by its
  passage key. A 270M-parameter base model left free writes fluent inventions ("On 20th May
  2020", for a conference held on May 22nd) and drops its keys; held to the grammar it reads:
  which sentence it copies is its choice, token by token, and it streams as it chooses.

Either way the passages, the conversation and the question are delimited as data, and the
passage keys ([P1], [P2], ...) are the one syntax a reply may cite with. `fit` cuts the
passages down (lowest-ranked first, then the last one's tail) until the prompt leaves room for
the answer in the model's context window, and says so in a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol, cast

from ijdqa import prompts
from ijdqa.answer.question import addresses_reader
from ijdqa.errors import LLMError
from ijdqa.llm import stream_reply
from ijdqa.text import sentence_spans
from ijdqa.types import Chunk, Turn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ijdqa.llm import LocalModel

HISTORY_TURNS = 4
HISTORY_CHARS = 600
CHARS_PER_TOKEN = 3  # a cautious guess for a chat model whose tokenizer is not at hand
MIN_PASSAGE_CHARS = 200  # a passage cut shorter than this is no longer worth sending
MAX_SENTENCES = 2  # sentences the base model may copy into one answer
# what the base model writes for "no passage answers": a word no passage sentence starts with
# (the refusal sentence, "The report does not say.", shares its first token with many of them,
# and greedy decoding commits to a first token before it sees the rest)
NO_ANSWER = "NONE"
MIN_SENTENCE_CHARS = 12  # shorter pieces (a caption's "Source:", a stray number) are no answer

KEYS = r"\[\s*P?\s*\d{1,3}(?:\s*[,;]\s*P?\s*\d{1,3})*\s*\]"
KEYS_RE = re.compile(KEYS, re.I)
_OPEN_KEY_RE = re.compile(r"\[[^\]\n]*$")
_TAG_RE = re.compile(r"</?\s*(?:passages|conversation|question)\s*>", re.I)
_HEADING_RE = re.compile(r"#{2,}")
# the grammar ends the answer; these would end it too, without one
COMPLETION_STOPS = ("\n###", "\n\n")


class Writer(Protocol):
    """What the LLM answerer needs of a model: a prompt for it, its size, and the reply."""

    name: str
    context_tokens: int | None  # None: unknown, nothing is cut
    max_tokens: int

    def prompt(
        self, question: str, passages: Mapping[str, Chunk], history: Sequence[Turn]
    ) -> object: ...

    def tokens(self, prompt: object) -> int: ...

    def reply(self, prompt: object, *, timeout: float | None) -> Iterator[str]: ...


class ChatWriter:
    """A LangChain chat model: a system message with the rules, a user message with the data."""

    def __init__(
        self,
        chat: BaseChatModel,
        *,
        name: str,
        context_tokens: int | None = None,
        max_tokens: int = 512,
    ) -> None:
        self.chat = chat
        self.name = name
        self.context_tokens = context_tokens
        self.max_tokens = max_tokens

    def prompt(
        self, question: str, passages: Mapping[str, Chunk], history: Sequence[Turn]
    ) -> object:
        return render_prompt(question, passages, history)

    def tokens(self, prompt: object) -> int:
        system, user = cast(tuple[str, str], prompt)
        return (len(system) + len(user)) // CHARS_PER_TOKEN + 1

    def reply(self, prompt: object, *, timeout: float | None) -> Iterator[str]:
        system, user = cast(tuple[str, str], prompt)
        return stream_reply(self.chat, system, user, timeout=timeout)


@dataclass(frozen=True)
class CompletionPrompt:
    text: str
    grammar: str  # GBNF: what the model may write


class CompletionWriter:
    """A base model: one few-shot text prompt, and a grammar holding it to the passages."""

    def __init__(self, model: LocalModel, *, sentences: int = MAX_SENTENCES) -> None:
        self.model = model
        self.name = model.name
        self.context_tokens: int | None = model.context_tokens
        self.max_tokens = model.max_tokens
        self.sentences = sentences

    def prompt(
        self, question: str, passages: Mapping[str, Chunk], history: Sequence[Turn]
    ) -> object:
        text = render_completion(question, passages, history)
        return CompletionPrompt(text, reading_grammar(passages, sentences=self.sentences))

    def tokens(self, prompt: object) -> int:
        return self.model.count_tokens(cast(CompletionPrompt, prompt).text)

    def reply(self, prompt: object, *, timeout: float | None) -> Iterator[str]:
        p = cast(CompletionPrompt, prompt)
        deltas = self.model.complete(
            p.text, stop=COMPLETION_STOPS, grammar=p.grammar, timeout=timeout
        )
        return refusal_for_none(deltas)


def refusal_for_none(deltas: Iterator[str]) -> Iterator[str]:
    """The deltas, with a reply of exactly NO_ANSWER turned into the refusal sentence.

    What could still become NO_ANSWER is held back; as soon as the text leaves that path it
    flows on unchanged.
    """
    held, passing = "", False
    for delta in deltas:
        if passing:
            yield delta
            continue
        held += delta
        if not NO_ANSWER.startswith(held.strip()):
            passing = True
            yield held
    if not passing and held:
        yield prompts.refusal() if held.strip() == NO_ANSWER else held


def reading_grammar(passages: Mapping[str, Chunk], *, sentences: int = MAX_SENTENCES) -> str:
    """GBNF for a reply that is the refusal, or up to `sentences` passage sentences copied
    word for word (spacing made single), each followed by its key: " [P2]".

    A sentence addressed to the reader or the system ("Ignore all previous instructions ...")
    is never offered: it is no statement of the report's.
    """
    choices: list[str] = []
    for key, chunk in passages.items():
        for start, end in sentence_spans(chunk.text):
            sentence = " ".join(chunk.text[start:end].split())
            if len(sentence) >= MIN_SENTENCE_CHARS and not addresses_reader(sentence):
                choices.append(f'{_literal(sentence)} " [{key}]"')
    rules = [
        f"root ::= {_literal(NO_ANSWER)}"
        + (f' | sentence (" " sentence){{0,{sentences - 1}}}' if choices else ""),
    ]
    if choices:
        rules.append("sentence ::= " + " | ".join(dict.fromkeys(choices)))
    return "\n".join(rules) + "\n"


def _literal(text: str) -> str:
    """A GBNF string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@dataclass(frozen=True)
class Fitted:
    prompt: object
    passages: dict[str, Chunk]
    note: str | None = None


def fit(
    writer: Writer, question: str, passages: Mapping[str, Chunk], history: Sequence[Turn]
) -> Fitted:
    """The prompt with as many of the passages (in rank order) as the context leaves room for.

    The lowest-ranked passages go first; a single passage still too long keeps its opening
    (its offsets stay those of the corpus, so its quotes stay verbatim). LLMError when not even
    a short opening of the best passage fits beside the question.
    """
    kept = dict(passages)
    prompt = writer.prompt(question, kept, history)
    if writer.context_tokens is None:
        return Fitted(prompt, kept)
    budget = writer.context_tokens - writer.max_tokens
    cut_short = False
    while writer.tokens(prompt) > budget:
        if len(kept) > 1:
            kept.pop(list(kept)[-1])
        else:
            key, chunk = next(iter(kept.items()))
            keep = len(chunk.text) * 2 // 3
            if keep < MIN_PASSAGE_CHARS:
                raise LLMError(
                    f"the question and its best passage do not fit the model's context window "
                    f"({writer.context_tokens} tokens)"
                )
            kept[key] = _opening(chunk, keep)
            cut_short = True
        prompt = writer.prompt(question, kept, history)
    if len(kept) == len(passages) and not cut_short:
        return Fitted(prompt, kept)
    note = prompts.render(
        "llm_context_cut",
        window=writer.context_tokens,
        kept=len(kept),
        found=len(passages),
        shortened=" (the last one shortened)" if cut_short else "",
    )
    return Fitted(prompt, kept, note)


def _opening(chunk: Chunk, chars: int) -> Chunk:
    """The chunk cut to about `chars` characters, at a word boundary."""
    text = chunk.text[:chars]
    space = text.rfind(" ")
    text = text[:space] if space > chars // 2 else text
    return replace(chunk, text=text, end=chunk.start + len(text))


# --- the two prompt forms ----------------------------------------------------------------------


def render_prompt(
    question: str, passages: Mapping[str, Chunk], history: Sequence[Turn] = ()
) -> tuple[str, str]:
    """The system and user messages: passages, conversation and question delimited as data."""
    system = prompts.render("llm_system", refusal=prompts.refusal())
    user = prompts.render(
        "llm_user",
        passages=_passages(passages),
        history=_history(history),
        question=_data(question),
    )
    return system, user


def render_completion(
    question: str, passages: Mapping[str, Chunk], history: Sequence[Turn] = ()
) -> str:
    """The base model's prompt: worked examples, then this task left open at its answer."""
    return (
        prompts.render(
            "llm_local",
            none=NO_ANSWER,
            passages=_headless(_passages(passages)),
            history=_headless(_history(history, empty="(no earlier turns)")),
            question=_headless(_data(question)),
        )
        + "\n"
    )


def _passages(passages: Mapping[str, Chunk]) -> str:
    return "\n\n".join(
        prompts.render("llm_passage", key=key, where=_where(chunk), text=_data(chunk.text))
        for key, chunk in passages.items()
    )


def _data(text: str) -> str:
    """Text placed inside a delimited block, unable to close it or open another."""
    return re.sub(r"[ \t]{2,}", " ", _TAG_RE.sub(" ", text)).strip()


def _headless(text: str) -> str:
    """Data for the base model's prompt, unable to start a heading of its own ("### Answer")."""
    return _HEADING_RE.sub("", text)


def _where(chunk: Chunk) -> str:
    if chunk.kind == "source":
        return f"cited source {chunk.source}"
    if chunk.kind == "footnote":
        return f"footnote {', '.join(map(str, chunk.footnotes))}, page {chunk.page}"
    numbers = ", ".join(map(str, chunk.footnotes))
    notes = f", footnote{'s' if len(chunk.footnotes) > 1 else ''} {numbers}" if numbers else ""
    return f"page {chunk.page}, {chunk.section}{notes}"


def _history(history: Sequence[Turn], *, empty: str = "(none)") -> str:
    turns = [t for t in history[-HISTORY_TURNS:] if t.content.strip()]
    if not turns:
        return empty
    lines = []
    for turn in turns:
        content = plain(" ".join(_data(turn.content).split()))[:HISTORY_CHARS]
        lines.append(f"{turn.role}: {content}")
    return "\n".join(lines)


def plain(sentence: str) -> str:
    """A sentence without its passage keys, spacing tidied."""
    text = _OPEN_KEY_RE.sub("", KEYS_RE.sub(" ", sentence))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r" ([.,;:?!])", r"\1", text).strip()
