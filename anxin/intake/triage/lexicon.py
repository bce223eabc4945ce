"""Parsing of the triage lexicon files in ``data/`` (formats documented at the top of each file)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

SIGNALS: tuple[str, ...] = ("self_harm", "weapon", "sexual", "serious_injury", "extortion")
KINDS: tuple[str, ...] = ("physical", "verbal", "property", "relational", "cyber")
LABELS: frozenset[str] = frozenset(SIGNALS + KINDS)


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class Context:
    """A compiled context test: near-window, sentence-wide, or anchored before/after the match."""

    near: re.Pattern[str] | None = None
    before: re.Pattern[str] | None = None  # must end right where the match starts
    after: re.Pattern[str] | None = None  # must start right where the match ends


@dataclass(frozen=True)
class Entry:
    labels: tuple[str, ...]  # first is the section's label, the rest are implied
    source: str  # "file:line" for debugging
    token_parts: tuple[frozenset[str], ...] = ()
    regex: re.Pattern[str] | None = None
    require_near: Context | None = None
    exclude_near: Context | None = None
    # every one of these must occur in the sentence (a line may give "++" more than once)
    require_sentence: tuple[re.Pattern[str], ...] = ()
    # ... and these in the sentence or the two before it ("+++": 他被打了。回家后一直头疼，还吐了。)
    require_recent: tuple[re.Pattern[str], ...] = ()
    exclude_sentence: re.Pattern[str] | None = None
    # A weak cue counts only when the text holds another, different cue for the same label.
    weak: bool = False
    # Characters a match of ``regex`` can start with (None: any): a text holding none of them is
    # skipped without running the expression.
    first_chars: frozenset[str] | None = None


@dataclass
class Lexicon:
    contexts: dict[str, list[str]] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    # first token -> entries whose first part contains it
    token_index: dict[str, list[Entry]] = field(default_factory=dict)
    regex_entries: list[Entry] = field(default_factory=list)
    # words to add to the segmenter's dictionary
    vocabulary: set[str] = field(default_factory=set)

    def context_regex(self, name: str) -> re.Pattern[str]:
        return re.compile(self._alternation(self.contexts[name]))

    def context_tokens(self, name: str) -> frozenset[str]:
        return frozenset(self.contexts[name])

    @staticmethod
    def _alternation(items: list[str]) -> str:
        return "|".join(f"(?:{item})" for item in items)


def _strip_comment(line: str) -> str:
    return "" if line.lstrip().startswith("#") else line.rstrip()


def parse_contexts(text: str, source: str) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1].strip()
            if name in sets:
                raise LexiconError(f"{source}:{number}: duplicate context set [{name}]")
            current = sets[name] = []
            continue
        if current is None:
            raise LexiconError(f"{source}:{number}: item outside a [section]")
        for item in line.split():
            re.compile(item)  # fail early on a bad fragment
            current.append(item)
    return sets


_AT_NAME = re.compile(r"@(\w+)")


def split_top_level(spec: str) -> list[str]:
    """Split on "|" outside parentheses and brackets: "a|(b|c)d" -> ["a", "(b|c)d"]."""
    items: list[str] = []
    depth = 0
    current = ""
    escaped = False
    for char in spec:
        if escaped:
            current += char
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return items


def _expand(fragment: str, contexts: dict[str, list[str]], where: str) -> str:
    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in contexts:
            raise LexiconError(f"{where}: unknown context set @{name}")
        return f"(?:{Lexicon._alternation(contexts[name])})"

    return _AT_NAME.sub(repl, fragment)


def _compile_context(spec: str, contexts: dict[str, list[str]], where: str) -> Context:
    near: list[str] = []
    before: list[str] = []
    after: list[str] = []
    # "<" (right before the match), ">" (right after) or "~" (near) applies to its item and to
    # the following items up to the next prefix: "->着|答|先" = after: 着, 答 or 先.
    target = near
    for item in split_top_level(spec):
        if item[:1] in ("<", ">", "~"):
            target = {"<": before, ">": after, "~": near}[item[0]]
            item = item[1:]
        if not item:
            raise LexiconError(f"{where}: empty alternative in {spec!r}")
        target.append(_expand(item, contexts, where))

    def build(items: list[str], fmt: str) -> re.Pattern[str] | None:
        return re.compile(fmt.format("|".join(f"(?:{i})" for i in items))) if items else None

    return Context(near=build(near, "{}"), before=build(before, "(?:{})$"), after=build(after, "(?:{})"))


def _compile_sentence(spec: str, contexts: dict[str, list[str]], where: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_expand(i, contexts, where)})" for i in split_top_level(spec)))


def parse_triggers(text: str, source: str, contexts: dict[str, list[str]]) -> list[Entry]:
    entries: list[Entry] = []
    section: tuple[str, ...] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{source}:{number}"
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            head, *implied = line[1:-1].split()
            labels = [head]
            for extra in implied:
                if not extra.startswith("="):
                    raise LexiconError(f"{where}: bad section option {extra!r}")
                labels.extend(extra[1:].split(","))
            for label in labels:
                if label not in LABELS:
                    raise LexiconError(f"{where}: unknown label {label!r}")
            section = tuple(labels)
            continue
        if section is None:
            raise LexiconError(f"{where}: entry outside a [section]")
        columns = line.split()
        options = [c for c in columns if c[0] in "+-=~"]
        patterns = [c for c in columns if c[0] not in "+-=~"]
        # A line without options may list several independent patterns.
        if options and len(patterns) != 1:
            raise LexiconError(f"{where}: a line with options must hold exactly one pattern")
        labels = list(section)
        kwargs: dict[str, object] = {}
        required: list[re.Pattern[str]] = []
        required_recent: list[re.Pattern[str]] = []
        for option in options:
            if option.startswith("+++"):
                required_recent.append(_compile_sentence(option[3:], contexts, where))
            elif option.startswith("++"):
                required.append(_compile_sentence(option[2:], contexts, where))
            elif option.startswith("--"):
                kwargs["exclude_sentence"] = _compile_sentence(option[2:], contexts, where)
            elif option.startswith("+"):
                kwargs["require_near"] = _compile_context(option[1:], contexts, where)
            elif option.startswith("-"):
                kwargs["exclude_near"] = _compile_context(option[1:], contexts, where)
            elif option.startswith("~"):
                if option != "~weak":
                    raise LexiconError(f"{where}: bad option {option!r} (only ~weak)")
                kwargs["weak"] = True
            else:
                for label in option[1:].split(","):
                    if label not in LABELS:
                        raise LexiconError(f"{where}: unknown label {label!r}")
                    if label not in labels:
                        labels.append(label)
        if required:
            kwargs["require_sentence"] = tuple(required)
        if required_recent:
            kwargs["require_recent"] = tuple(required_recent)
        for pattern in patterns:
            if pattern.startswith("re:"):
                try:
                    regex = re.compile(_expand(pattern[3:], contexts, where))
                except re.error as exc:
                    raise LexiconError(f"{where}: bad regular expression: {exc}") from exc
                kwargs["first_chars"] = first_chars(regex.pattern)
                entries.append(Entry(labels=tuple(labels), source=where, regex=regex, **kwargs))  # type: ignore[arg-type]
            else:
                parts = tuple(frozenset(p.split("|")) for p in pattern.replace("...", "…").split("…"))
                if any("" in part for part in parts):
                    raise LexiconError(f"{where}: empty alternative in {pattern!r}")
                entries.append(Entry(labels=tuple(labels), source=where, token_parts=parts, **kwargs))  # type: ignore[arg-type]
    return entries


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, or None when that is not a small
    known set (a leading "." or a class like [^，。]).  Look-behind and look-ahead take no
    characters and are passed over."""
    try:
        from re import _constants as c
        from re import _parser
    except ImportError:  # pragma: no cover - a Python without these private modules
        return None

    def sequence(items: Any) -> tuple[set[str] | None, bool]:
        found: set[str] = set()
        for op, arg in items:
            if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                continue
            if op is c.LITERAL:
                return found | {chr(arg)}, False
            if op is c.IN:
                if any(kind is not c.LITERAL for kind, _ in arg):
                    return None, False
                return found | {chr(v) for _, v in arg}, False
            if op is c.BRANCH:
                nullable = False
                for branch in arg[1]:
                    chars, empty = sequence(branch)
                    if chars is None:
                        return None, False
                    found |= chars
                    nullable = nullable or empty
                if not nullable:
                    return found, False
                continue
            if op is c.SUBPATTERN:
                chars, empty = sequence(arg[3])
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                chars, empty = sequence(arg[2])
                empty = empty or arg[0] == 0
            else:
                return None, False
            if chars is None:
                return None, False
            found |= chars
            if not empty:
                return found, False
        return found, True

    try:
        chars, nullable = sequence(_parser.parse(pattern))
    except Exception:  # pragma: no cover - an unexpected parse tree: always run the expression
        return None
    return None if chars is None or nullable else frozenset(chars)


def load(data_dir: Path = DATA_DIR) -> Lexicon:
    contexts_path = data_dir / "contexts.txt"
    triggers_path = data_dir / "triggers.txt"
    contexts = parse_contexts(contexts_path.read_text(encoding="utf-8"), contexts_path.name)
    entries = parse_triggers(triggers_path.read_text(encoding="utf-8"), triggers_path.name, contexts)
    lexicon = Lexicon(contexts=contexts, entries=entries)
    for entry in entries:
        if entry.regex is not None:
            lexicon.regex_entries.append(entry)
            continue
        for word in entry.token_parts[0]:
            lexicon.token_index.setdefault(word, []).append(entry)
        for part in entry.token_parts:
            lexicon.vocabulary.update(w for w in part if len(w) > 1)
    lexicon.vocabulary.update(contexts.get("hyperbole_words", []))
    # Literal cue words help the segmenter cut the text around triggers the way we read it.
    # Not those holding a one-character trigger (打我, 揍我): they would hide the trigger itself.
    single = {w for w in lexicon.token_index if len(w) == 1}
    for name, items in contexts.items():
        if name not in _NOT_VOCABULARY:
            lexicon.vocabulary.update(
                i for i in items if len(i) > 1 and _LITERAL.fullmatch(i) and not single.intersection(i)
            )
    lexicon.vocabulary.difference_update(contexts.get("split", []))
    return lexicon


_LITERAL = re.compile(r"[\u4e00-\u9fff]+")
# Sets whose items are not whole words (negators stay as jieba has them; see engine._negation).
# The building blocks of gap patterns (person, body, ...) are not added either: they are matched on
# the text, and making 小同学 or 没有我 one token would move the segmenter's cuts for the rest.
_NOT_VOCABULARY = frozenset(
    {
        "split",
        "complements",
        "verb_prefixes",
        "negation",
        "negation_breaker",
        "parent_speaker",
        "parent_joke",
        "parent_fear",
        "person",
        "body",
        "wobj",
        "wobj_soft",
        "intensity",
        "wobj_danger",
        "strike",
        "coerce_strong",
        "valuables",
        "assault",
        "drug",
        "fee",
        "settled_breaker",
        "pay_threat",
        "object_cut",
        "benign_injury",
        "threat_time",
        "threat_harm",
        "threat_say",
        "kin",
        "private_place",
        "open_camera",
        "wash",
    }
)
