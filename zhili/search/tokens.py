"""Chinese text as index tokens, and a typed query as the terms to look for.

Chinese is written without spaces, and neither SQLite's nor PostgreSQL's own tokenizers split it
into words; a dictionary segmenter would miss the words it does not know (place names, people's
names, the dialect residents write in). So a run of Han characters is cut into overlapping
bigrams, and the last character of the run is kept on its own: 拖欠工资 → 拖欠 欠工 工资 资.

- A query word of two or more characters is the phrase of its bigrams, in order: exactly the
  texts that contain it (2-character words, the commonest query, are one token).
- A single character is a prefix: every character of a run begins one of its tokens.
- Latin letters and digits form words (lowercased, after NFKC, so full-width ＡＢＣ１２３ is abc123);
  a word with a letter matches as a prefix, a number only whole.
- A matter's people are tokens of their own: a name as NAME_MARK + the name without spaces or
  dots, a phone as its digits (as a number in the text is).

Everything else in the query (punctuation, quotes, AND/OR/NOT, *, :, -) is a separator, never
syntax: the expression sent to FTS5 or to_tsquery is built here from tokens alone.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Scripts written without spaces: Han (with 〇 and 々), kana, Hangul syllables.
CJK = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
SEGMENTS = re.compile(f"([{CJK}]+)|([^\\W_{CJK}]+)")
# Characters whose NFKC form changes a run: Kangxi radicals, compatibility ideographs, half-width kana.
INSIDE_RUNS = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\uff66-\uff9f]")
NAME_MARK = "§"  # not a word character: no text token starts with it
MAX_WORD = 40  # longer Latin "words" (hashes, URLs run together) are cut
MAX_QUERY = 200  # characters of a query looked at
MAX_TERMS = 32
MAX_NAME = 100
PHONE_SEPARATORS = str.maketrans("", "", " -()（）.")
PHONE = re.compile(r"^\+?\d{7,15}$")
NUMBER = re.compile(r"^(?:([A-Z]{1,8})-)?(\d{4})-(\d{0,6})$")
NUMBER_DIGITS = 6  # numbering.py: PREFIX-YEAR-000123


def segments(text: str) -> list[tuple[str, str]]:
    """(run of CJK, "") or ("", word) for each piece of the text, as NFKC and lowercase would make
    them. NFKC of a whole text costs more than the rest of its tokenising (Chinese punctuation
    alone makes every text "not normalised"), so only what it changes is normalised: Latin words
    (full-width ＡＢＣ１２３, ligatures, circled digits) and the rare forms inside runs."""
    if INSIDE_RUNS.search(text):
        text = unicodedata.normalize("NFKC", text)
    pieces = SEGMENTS.findall(text)
    for index, (_run, word) in enumerate(pieces):
        if word and not word.isascii():
            pieces[index : index + 1] = SEGMENTS.findall(unicodedata.normalize("NFKC", word)) or [("", "")]
    return pieces


def text_tokens(text: str) -> list[str]:
    """The tokens of a text, in order."""
    tokens: list[str] = []
    add, extend = tokens.append, tokens.extend
    for run, word in segments(text):
        if run:
            if len(run) > 1:
                extend(map(operator.add, run, run[1:]))
            add(run[-1])
        elif word:
            add(word[:MAX_WORD].lower())
    return tokens


def name_token(name: str) -> str:
    """A person's or organisation's name as one token ("" for none): 阿依古丽·买买提 → §阿依古丽买买提."""
    letters = "".join(run or word.lower() for run, word in segments(name))[:MAX_NAME]
    return NAME_MARK + letters if letters else ""


def phone_digits(phone: str) -> str:
    """A phone number as it is looked up: digits only, without China's +86/0086 before a mobile."""
    digits = phone.translate(PHONE_SEPARATORS)
    if not PHONE.match(digits):
        return ""
    digits = digits.lstrip("+")
    for country in ("0086", "86"):
        if digits.startswith(country) and len(digits) == len(country) + 11 and digits[len(country)] == "1":
            return digits[len(country) :]
    return digits


def document(title: str, description: str, address: str, people: Iterable[tuple[str, str]] = ()) -> list[str]:
    """The tokens the index holds for a matter: its text, then its people's names and phones.
    A title that is the description's beginning (receive() makes it so when none is given) is
    not indexed twice."""
    text = description if description.startswith(title) else f"{title}\n{description}"
    tokens = text_tokens(f"{text}\n{address}")
    for name, phone in people:
        tokens.extend(token for token in (name_token(name), phone_digits(phone)) if token)
    return tokens


# --- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Tokens that must follow each other (one, for a single token); `prefix`: the last one may
    go on (栋 finds 栋号, wifi finds wifi6)."""

    tokens: tuple[str, ...]
    prefix: bool = False
    shown: str = ""  # the query's own text for it, to highlight


@dataclass(frozen=True)
class Query:
    """What a typed query asks for. `kind`: "" (nothing typed), "number" (a matter number or its
    beginning: `number` and `exact`), "phone" (`phone`), "text" (`terms`, and `name`: the whole
    query as a name, when it can be one), or "nothing" (only separators: matches nothing)."""

    kind: str
    terms: tuple[Term, ...] = ()
    name: str = ""
    number: str = ""
    exact: bool = False
    phone: str = ""

    @property
    def uses_index(self) -> bool:
        return self.kind in ("phone", "text")

    @property
    def shown(self) -> list[str]:
        """The strings to highlight in what a result shows."""
        if self.kind == "phone":
            return [self.phone]
        if self.kind == "number":
            return [self.number]
        words = [term.shown for term in self.terms]
        if self.name:
            words.append(self.name[len(NAME_MARK) :])
        return words

    def fts5(self) -> str:
        """The query as an FTS5 expression, every token quoted (no user text reaches the syntax)."""
        parts = [_fts5_term(term) for term in self._terms()]
        expression = " AND ".join(parts)
        if self.name:
            expression = f"({expression}) OR {_fts5_quote(self.name)}" if expression else _fts5_quote(self.name)
        return expression

    def tsquery(self) -> str:
        """The query as a tsquery literal, every lexeme quoted."""
        parts = [_tsquery_term(term) for term in self._terms()]
        expression = " & ".join(parts)
        if self.name:
            expression = f"({expression}) | {_tsquery_quote(self.name)}" if expression else _tsquery_quote(self.name)
        return expression

    def _terms(self) -> tuple[Term, ...]:
        return (Term((self.phone,)),) if self.kind == "phone" else self.terms


def parse(text: str, number_prefix: str) -> Query:
    """Read what was typed into the search box."""
    text = (text or "").strip()
    if not text:
        return Query("")
    text = text[:MAX_QUERY]
    compact = unicodedata.normalize("NFKC", text).upper().replace(" ", "")
    number = NUMBER.match(compact)
    if number:
        prefix, year, sequence = number.groups()
        whole = f"{prefix or number_prefix}-{year}-{sequence}"
        return Query("number", number=whole, exact=len(sequence) == NUMBER_DIGITS)
    phone = phone_digits(compact)
    if phone:
        return Query("phone", phone=phone)
    terms = list(_query_terms(text))[:MAX_TERMS]
    name = name_token(text)
    if not terms and not name:
        return Query("nothing")
    return Query("text", terms=tuple(terms), name=name if len(name) > 2 else "")


def _query_terms(text: str) -> Iterator[Term]:
    for run, word in segments(text):
        if run and len(run) > 1:
            yield Term(tuple(map(operator.add, run, run[1:])), shown=run)
        elif run:
            yield Term((run,), prefix=True, shown=run)
        elif word:
            word = word[:MAX_WORD].lower()
            yield Term((word,), prefix=len(word) > 1 and not word.isdigit(), shown=word)


def _fts5_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts5_term(term: Term) -> str:
    return '"' + " ".join(token.replace('"', '""') for token in term.tokens) + '"' + ("*" if term.prefix else "")


def _tsquery_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery_term(term: Term) -> str:
    if len(term.tokens) == 1:
        return _tsquery_quote(term.tokens[0]) + (":*" if term.prefix else "")
    return "(" + " <-> ".join(_tsquery_quote(token) for token in term.tokens) + ")"
