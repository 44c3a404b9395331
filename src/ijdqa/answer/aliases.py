"""Names a report introduces with their acronym: "Islamic Human Rights Commission (IHRC)".

A question that spells out the full name asks about what the report mostly calls by the
acronym, so the question is read with the acronym: otherwise every word of the long name
counts as a word the answer sentence ("IHRC was founded in London in 1997") lacks, and the
sentence that introduces the name wins instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_ACRONYM = re.compile(r"\(([A-Z]{2,8})\)")
_WORDS_BEFORE = re.compile(r"([\w’'-]+)\s*$")
_JOINING = frozenset({"of", "for", "the", "and", "in", "on", "de", "al"})
LONGEST_NAME = 10  # words looked back from an acronym


def find_aliases(texts: Iterable[str]) -> dict[str, str]:
    """Full name -> acronym, for every "Full Name (FN)" whose capitals spell the acronym."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _ACRONYM.finditer(text):
            acronym = match.group(1)
            words = text[max(0, match.start() - 200) : match.start()].split()[-LONGEST_NAME:]
            name = _spelled_by(words, acronym)
            if name:
                found.setdefault(name, acronym)
    return found


def _spelled_by(words: list[str], acronym: str) -> str | None:
    """The shortest run of words ending the list whose capitals spell `acronym`."""
    letters = ""
    for start in range(len(words) - 1, -1, -1):
        word = words[start].strip(",;:“”\"'")
        if not word:
            return None
        if word.lower() in _JOINING:
            continue
        if not word[0].isupper():
            return None
        letters = word[0] + letters
        if letters == acronym:
            return " ".join(w.strip(",;:“”\"'") for w in words[start:])
        if not acronym.endswith(letters):
            return None
    return None


SHORTEST_TAIL = 2  # words of a name's end that still call it ("Jerusalem Day" for IJD)


SHORTEST_OWN_WORD = 4  # letters of a name's word that may call the name on its own
FEWEST_USES = 2  # a word the report writes once tells nothing of how it uses it


def own_words(
    texts: Iterable[str], aliases: dict[str, str], *, excluded: Callable[[str], bool]
) -> dict[str, str]:
    """Words of an abbreviated name the report uses only inside that name, lowercased ->
    the acronym: where the report writes "Commission" only in "Islamic Human Rights
    Commission (IHRC)", and more than once, a question's "the commission's head" is the
    IHRC's head; so where it writes "the Trust" for the "Orlan Tidal Trust (OTT)". A word
    the report also uses otherwise ("group", "rights", "Ahlulbayt Society"), or in two
    names, calls none; `excluded` words (places: "Essex" is where a row is) call none."""
    flat = " ".join(" ".join(texts).split())
    found: dict[str, str] = {}
    for name, acronym in aliases.items():
        for word in name.split():
            if len(word) < SHORTEST_OWN_WORD or word.lower() in _JOINING or excluded(word):
                continue
            pattern = rf"\b{re.escape(word)}\b"
            holding = [n for n in aliases if re.search(pattern, n, re.I)]
            inside = sum(len(re.findall(rf"\b{re.escape(n)}\b", flat, re.I)) for n in holding)
            used = len(re.findall(pattern, flat, re.I))
            # "The Trust was founded in 1986": the report itself calls the name so
            called = len(re.findall(rf"\b[Tt]he\s+{re.escape(word)}\b(?![ -][A-Z])", flat))
            if len(holding) == 1 and used == inside + called and used >= FEWEST_USES:
                found[word.lower()] = acronym
    return found


# a name's own word called on its own: not after a capitalized word that would make it part
# of another name ("the European Commission"); a place may stand before it ("the London
# commission")
_AFTER_NAME = re.compile(r"(?<![.?!:]\s)(?<!^)\b([A-Z][\w’'-]*)\s+$")


def with_acronyms(
    question: str,
    aliases: dict[str, str],
    own: dict[str, str] | None = None,
    *,
    place: Callable[[str], bool] = lambda w: False,
) -> str:
    """The question with each full name the report abbreviates replaced by its acronym; the
    name's last words do too where they end no other name ("Jerusalem Day" -> IJD), and so
    does a word of the name the report uses nowhere else (`own`, see own_words)."""
    tails: dict[str, set[str]] = {}
    for name, acronym in aliases.items():
        words = name.split()
        for n in range(SHORTEST_TAIL, len(words)):
            tails.setdefault(" ".join(words[-n:]), set()).add(acronym)
    forms = dict(aliases) | {
        t: next(iter(a)) for t, a in tails.items() if len(a) == 1 and t not in aliases
    }
    for name, acronym in sorted(forms.items(), key=lambda kv: -len(kv[0])):
        question = re.sub(
            rf"(?:\bthe\s+)?\b{re.escape(name)}(?:\s*\({acronym}\))?", acronym, question, flags=re.I
        )
    for word, acronym in (own or {}).items():

        def called(match: re.Match[str], acronym: str = acronym, text: str = question) -> str:
            before = _AFTER_NAME.search(text[: match.start()])
            if before and not place(before.group(1)):
                return match.group(0)
            return acronym

        question = re.sub(rf"\b{re.escape(word)}s?\b(?!\s*\()", called, question, flags=re.I)
    return question


_SENTENCE_END = re.compile(r"(?<=[a-z0-9”\)])\.(?:\s|$)")
_APPOSITION = re.compile(
    r"\b((?:al-)?[A-Z][\w’'-]+(?:\s+(?:al-)?[A-Z][\w’'-]+)*),\s+(?:a|an|the)\s+([^,.;]{3,160})"
)
# "the leader of the Islamic Republic, Ali Khamenei": the description before the name
_PREPOSED = re.compile(
    r"\bthe\s+([a-z][^,.;()]{3,80}),\s+((?:al-)?[A-Z][\w’'-]+(?:\s+(?:al-)?[A-Z][\w’'-]+){1,2})\b"
)
PROFILE_WORDS = 30  # words of a defining passage kept: the name's own sentence, no further


def profiles(texts: Iterable[str], aliases: dict[str, str]) -> dict[str, str]:
    """What the report says a name is where it introduces it, keyed by the word the report
    then calls it by: the acronym ("Islamic Human Rights Commission (IHRC), a British
    pro-Iranian organization, held ...") or a name's last word ("Sayed Hashem al-Haidari, a
    senior Iraqi Shiite cleric ...", "the leader of the Islamic Republic, Ali Khamenei"). A
    question may describe what it asks about instead of naming it ("the London-based rights
    commission that ran the event")."""
    found: dict[str, str] = {}
    for text in texts:
        flat = " ".join(text.split())
        for name, acronym in aliases.items():
            at = flat.find(f"{name} ({acronym})")
            if at >= 0 and acronym not in found:
                found[acronym] = _without_others(_up_to_sentence_end(flat[at:]), acronym, aliases)
        for match in _APPOSITION.finditer(flat):
            head = match.group(1).split()[-1]
            if len(match.group(1).split()) > 1 or head.isupper():
                found.setdefault(head, f"{match.group(1)} {match.group(2)}")
        for match in _PREPOSED.finditer(flat):
            found.setdefault(match.group(2).split()[-1], f"{match.group(2)} {match.group(1)}")
    return found


def _up_to_sentence_end(text: str) -> str:
    end = _SENTENCE_END.search(text)
    return " ".join(text[: end.start() if end else len(text)].split()[:PROFILE_WORDS])


def _without_others(text: str, acronym: str, aliases: dict[str, str]) -> str:
    """A defining passage without the other abbreviated names it mentions: "... to
    commemorate the “International Jerusalem Day” (IJD)" tells what the IHRC did, and a
    question about that day does not describe the IHRC."""
    for name, other in aliases.items():
        if other != acronym:
            text = re.sub(rf"“?{re.escape(name)}”?\s*\({other}\)", "", text)
    return text
