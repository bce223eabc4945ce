"""Rule-based triage of bullying report texts: urgent-danger signals and kinds of conduct.

The pipeline for one text:

1. Normalise: NFKC (ＱＱ -> qq), lower case, Chinese punctuation (，！？).
2. Segment with a private jieba tokenizer (jieba's global one is left alone) whose dictionary
   holds every lexicon word and literal cue, so 保护费, 不想活, 掐脖子 or 热死 are one token and
   打 inside 打篮球 is never a hit.  Where jieba's dictionary still glues a trigger to a
   neighbour, three repairs apply: verb + complement or adverb + verb counts as the verb
   (踢伤, 乱骂, 当众脱), a multi-character trigger inside a longer token counts (烟头烫), and
   the ``[split]`` words in contexts.txt are removed from the dictionary (小刀架在).
3. Find trigger matches, token patterns (possibly in parts: 掐 … 脖子) and regular expressions
   from ``data/triggers.txt``, and apply each entry's own required / excluding contexts (near the
   match, in its sentence, or - "+++" - in its sentence or the two before it, so that symptoms
   told after the blow still count: 他被打了。回家后一直头疼，还吐了。).  Regular expressions are
   written as gap patterns over meaning sets in contexts.txt (an object of [wobj] + a blow of
   [strike] + a person or body part), not as exact phrases.
4. Apply the global rules (``SUPPRESSORS``) to every (match, label): a negator just before the
   trigger, remote news or safety lessons, fiction and games, horseplay and accidents, tools in
   ordinary use, a parent's hyperbole (我妈说再玩手机就打死我 哈哈), healed injuries, settled
   past incidents, injuries of relatives or from sport with nobody else involved.
   A discounted match is kept in ``TriageResult.ignored`` with the reason in Chinese; labels
   implied by an entry (weapon -> physical) fall with the entry's own label.
5. What is left gives the labels; every label carries the words that triggered it.  A weak cue
   (``~weak`` in triggers.txt: 天台, 往下看, 没人在乎我 …) counts only when the text holds a
   second, different weak cue for the same label; alone it is kept in ``ignored``.

No statistical model: every decision can be traced to a line of the plain-text lexicon.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jieba

from . import lexicon as lexicon_module
from .lexicon import KINDS, SIGNALS, Context, Entry, Lexicon

# Minimum dictionary frequency of our words (jieba's dictionary totals about 60 million).
VOCABULARY_FREQ = 2000
# Later parts of a multi-part token pattern must follow within this many tokens.
PART_GAP = 6
# Characters either side of a match that "+ctx" / "-ctx" inspect (same sentence only).
NEAR_CHARS = 12
# "+++" contexts may also be found in this many sentences before the match's own.
EARLIER_SENTENCES = 2
# Tokens before a trigger searched for a negator (same clause only).
NEGATION_TOKENS = 4
# Characters after a negated trigger searched for 就 / 否则 (the negation is a condition).
CONDITIONAL_CHARS = 12

_PRONOUNS = frozenset({"我", "你", "他", "她", "我们", "你们", "他们", "她们"})
_SENTENCE_END = re.compile(r"[。！？!?；;…\n\r]+")
_CLAUSE_END = re.compile(r"[。！？!?；;…\n\r，,、：:（）()“”\"'「」\s]+")

EXPLANATIONS: dict[str, str] = {
    "self_harm": "出现自杀、自伤或轻生的表达，需立即关注当事学生的人身安全",
    "weapon": "提到刀具、棍棒等凶器，或扬言杀伤、以凶器相威胁",
    "sexual": "涉及猥亵、强迫脱衣、偷拍或传播私密影像等性侵害行为",
    "serious_injury": "描述骨折、昏迷、大量出血、掐脖子或住院等严重身体伤害",
    "extortion": "涉及索要保护费、勒索，或以暴力相逼索要钱物",
    "physical": "肢体欺凌：殴打、踢踹、推搡、掐咬、揪头发或恐吓威胁",
    "verbal": "言语欺凌：辱骂、嘲笑、讽刺或起侮辱性外号",
    "property": "财物欺凌：抢夺、强拿硬要、勒索或故意损坏他人财物",
    "relational": "排斥孤立：故意排挤、不让参加活动或与他人交往",
    "cyber": "网络欺凌：在群聊、朋友圈、短视频等网络平台造谣、嘲讽或传播照片与隐私",
}

_ALL = frozenset(SIGNALS + KINDS)
# Which labels each global rule may suppress.
SUPPRESSORS: dict[str, frozenset[str]] = {
    "negation": _ALL,
    "remote": _ALL,
    # A game or a film may still hold real insults, exclusion or online abuse between classmates.
    "fiction": frozenset(SIGNALS) | {"physical", "property"},
    # Horseplay never excuses sexual conduct, a serious injury, extortion or self-harm talk.
    "play": frozenset({"weapon", "physical", "verbal", "property", "relational"}),
    "tool": frozenset({"weapon"}),
    # 我妈说再玩手机就打死我 哈哈: a parent's hyperbole is no threat from a bully.
    "parent": frozenset({"weapon", "serious_injury"}),
    "resolved": frozenset({"serious_injury"}),
    # 上次被勒索的事已经处理好了: a settled past incident is no present danger.
    "settled": frozenset({"weapon", "extortion"}),
    "bystander": frozenset({"serious_injury"}),
    "accident": frozenset({"serious_injury"}),
}

WHY: dict[str, str] = {
    "negation": "否定表述（“{cue}”）",
    "remote": "新闻、安全教育或假设情形（“{cue}”），不是本次报告的事件",
    "fiction": "游戏、影视、小说或梦境中的情节（“{cue}”）",
    "play": "玩笑、打闹或意外（“{cue}”），未见伤害意图",
    "tool": "工具的日常用途（“{cue}”）",
    "parent": "家长的气话或玩笑（“{cue}”）",
    "resolved": "过去的伤情已经痊愈（“{cue}”）",
    "settled": "过去的事件已经处理（“{cue}”）",
    "bystander": "受伤的是家人（“{cue}”），句中没有欺凌或暴力",
    "accident": "运动或意外受伤（“{cue}”），句中没有他人参与",
    "context": "上下文表明不是此义（“{cue}”）",
    "weak": "单独一个弱线索，不足以判断",
}


@dataclass
class TriageResult:
    kinds: list[str] = field(default_factory=list)
    #: Set by the lexicon rules alone: the only path to an urgent alert.
    urgent: bool = False
    signals: list[str] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    # Trigger words that were found but discounted, with why: for reviewers, not in the CLI output.
    ignored: list[dict[str, Any]] = field(default_factory=list)
    #: The second tier, "可能紧急，请尽快查看": the rules found no danger, the statistical model
    #: finds the text like urgent ones and names words that carry danger. Never an alert.
    review: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kinds": self.kinds,
            "urgent": self.urgent,
            "review": self.review,
            "signals": self.signals,
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    entry: Entry


class _Text:
    """One normalised text with its tokens, sentences and clauses, and cached context lookups."""

    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text = text
        self.tokens = tokens
        self.starts: list[int] = []
        position = 0
        for token in tokens:
            self.starts.append(position)
            position += len(token)
        self.sentences = _spans(text, _SENTENCE_END)
        self.sentence_starts = [s for s, _ in self.sentences]
        self.clauses = _spans(text, _CLAUSE_END)
        self.clause_starts = [s for s, _ in self.clauses]
        self._cache: dict[tuple[str, int], str | None] = {}

    def sentence(self, position: int) -> tuple[int, int]:
        return self.sentences[max(0, bisect_right(self.sentence_starts, position) - 1)]

    def clause(self, position: int) -> tuple[int, int]:
        return self.clauses[max(0, bisect_right(self.clause_starts, position) - 1)]

    def search_cached(self, name: str, pattern: re.Pattern[str], span: tuple[int, int]) -> str | None:
        key = (name, span[0])
        if key not in self._cache:
            found = pattern.search(self.text, span[0], span[1])
            self._cache[key] = found.group(0) if found else None
        return self._cache[key]


def _spans(text: str, separators: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    position = 0
    for found in separators.finditer(text):
        if found.start() > position:
            spans.append((position, found.start()))
        position = found.end()
    if position < len(text) or not spans:
        spans.append((position, len(text)))
    return spans


# NFKC folds full-width punctuation to ASCII; the lexicon's windows ([^，。！？]{0,6}) are
# written with the Chinese forms, so fold those back.
_PUNCTUATION = str.maketrans({",": "，", "!": "！", "?": "？", ";": "；", ":": "："})


def normalise(text: str) -> str:
    """NFKC (ＱＱ -> qq), lower case, Chinese punctuation."""
    return unicodedata.normalize("NFKC", text).lower().translate(_PUNCTUATION)


def _is_boundary(token: str) -> bool:
    return _CLAUSE_END.fullmatch(token) is not None


class Engine:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        jieba.setLogLevel(logging.WARNING)
        # A private tokenizer: our dictionary additions must not change jieba for other code.
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        for word in lexicon.contexts.get("split", []):
            self.tokenizer.del_word(word)
        for word in sorted(lexicon.vocabulary):
            # add_word's default frequency only ties the best split of the word standing alone,
            # so a neighbour could still pull it apart (表白墙上 -> 表白/墙上): give it a floor.
            self.tokenizer.add_word(word, max(VOCABULARY_FREQ, self.tokenizer.suggest_freq(word)))
        self.complements = lexicon.context_tokens("complements")
        self.verb_prefixes = lexicon.context_tokens("verb_prefixes")
        self.single_char_triggers = frozenset(w for w in lexicon.token_index if len(w) == 1)
        self.longest_trigger = max(len(w) for w in lexicon.token_index)
        self.negators = lexicon.context_tokens("negation")
        self.negation_breakers = lexicon.context_tokens("negation_breaker")
        self.conditional = lexicon.context_regex("conditional")
        self.fiction = lexicon.context_regex("fiction")
        self.real_anchor = lexicon.context_regex("real_anchor")
        self.remote = lexicon.context_regex("remote")
        self.play = lexicon.context_regex("play")
        self.play_breaker = lexicon.context_regex("play_breaker")
        self.tool = lexicon.context_regex("tool")
        self.parent_speaker = lexicon.context_regex("parent_speaker")
        self.parent_joke = lexicon.context_regex("parent_joke")
        self.parent_fear = lexicon.context_regex("parent_fear")
        self.harm_to_person = lexicon.context_regex("harm_to_person")
        self.resolved = lexicon.context_regex("resolved")
        self.settled = lexicon.context_regex("settled")
        self.settled_breaker = lexicon.context_regex("settled_breaker")
        self.family = lexicon.context_regex("family")
        self.violence = lexicon.context_regex("violence")
        self.accident = lexicon.context_regex("accident")
        self.agent = lexicon.context_regex("agent")

    # -- matching -------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        return self.tokenizer.lcut(text, HMM=False)

    def _lookup(self, token: str) -> list[tuple[int, int, list[Entry]]]:
        """Trigger words in one token: (offset, length, entries)."""
        index = self.lexicon.token_index
        entries = index.get(token)
        if entries is not None:
            return [(0, len(token), entries)]
        if len(token) < 2:
            return []
        found: list[tuple[int, int, list[Entry]]] = []
        # verb + complement (踢伤) or adverb + verb (乱骂) stands for the verb; the match spans the
        # whole token so that "right after" contexts look past it (打着|石膏)
        if token[0] in self.single_char_triggers and token[1:] in self.complements:
            found.append((0, len(token), index[token[0]]))
        elif token[-1] in self.single_char_triggers and token[:-1] in self.verb_prefixes:
            found.append((0, len(token), index[token[-1]]))
        elif len(token) > 2:
            # a multi-character trigger glued to a neighbour (烟头烫): longest first, left to right
            position = 0
            while position < len(token) - 1:
                for size in range(min(self.longest_trigger, len(token) - position), 1, -1):
                    piece = token[position : position + size]
                    if piece != token and piece in index:
                        found.append((position, size, index[piece]))
                        position += size
                        break
                else:
                    position += 1
        return found

    def _matches(self, doc: _Text) -> list[_Match]:
        found: list[_Match] = []
        tokens = doc.tokens
        for index, token in enumerate(tokens):
            for offset, size, entries in self._lookup(token):
                for entry in entries:
                    self._match_parts(doc, index, offset, size, entry, found)
        present = set(doc.text)
        for entry in self.lexicon.regex_entries:
            assert entry.regex is not None
            if entry.first_chars is not None and present.isdisjoint(entry.first_chars):
                continue  # no character a match could start with
            for hit in entry.regex.finditer(doc.text):
                if hit.end() > hit.start():
                    found.append(_Match(hit.start(), hit.end(), entry))
        return found

    @staticmethod
    def _match_parts(
        doc: _Text, index: int, offset: int, size: int, entry: Entry, found: list[_Match]
    ) -> None:
        tokens = doc.tokens
        start = doc.starts[index] + offset
        if len(entry.token_parts) == 1:
            found.append(_Match(start, start + size, entry))
            return
        last = index
        for part in entry.token_parts[1:]:
            for later in range(last + 1, min(len(tokens), last + 1 + PART_GAP)):
                if _is_boundary(tokens[later]):
                    return
                if tokens[later] in part:
                    last = later
                    break
            else:
                return
        found.append(_Match(start, doc.starts[last] + len(tokens[last]), entry))

    @staticmethod
    def _context(doc: _Text, match: _Match, context: Context) -> str | None:
        s0, s1 = doc.sentence(match.start)
        text = doc.text
        if context.near is not None:
            hit = context.near.search(
                text, max(s0, match.start - NEAR_CHARS), min(s1, match.end + NEAR_CHARS)
            )
            if hit:
                return hit.group(0)
        if context.before is not None:
            hit = context.before.search(text, s0, match.start)
            if hit:
                return hit.group(0)
        if context.after is not None:
            hit = context.after.match(text, match.end, s1)
            if hit:
                return hit.group(0)
        return None

    def _entry_verdict(self, doc: _Text, match: _Match) -> tuple[bool, str | None]:
        """(counts, exclusion cue): an unmet requirement drops the match silently."""
        entry = match.entry
        s0, s1 = doc.sentence(match.start)
        if entry.require_near is not None and self._context(doc, match, entry.require_near) is None:
            return False, None
        for required in entry.require_sentence:
            if not required.search(doc.text, s0, s1):
                return False, None
        if entry.require_recent:
            # this sentence or the ones just before it: the blow, then the symptoms
            index = bisect_right(doc.sentence_starts, match.start) - 1
            w0 = doc.sentences[max(0, index - EARLIER_SENTENCES)][0]
            for required in entry.require_recent:
                if not required.search(doc.text, w0, s1):
                    return False, None
        if entry.exclude_near is not None:
            cue = self._context(doc, match, entry.exclude_near)
            if cue is not None:
                return False, cue
        if entry.exclude_sentence is not None:
            hit = entry.exclude_sentence.search(doc.text, s0, s1)
            if hit:
                return False, hit.group(0)
        return True, None

    # -- global rules ---------------------------------------------------------------------------

    def _negation(self, doc: _Text, match: _Match) -> str | None:
        first = bisect_right(doc.starts, match.start) - 1
        if first < 0:
            return None
        if doc.starts[first] < match.start:  # the match begins inside a token (regex entries)
            first += 1
        for back in range(first - 1, max(-1, first - 1 - NEGATION_TOKENS), -1):
            token = doc.tokens[back]
            if _is_boundary(token):
                return None
            if token in self.negators:
                between = doc.tokens[back + 1 : first]
                # 没有我的群: "without me", the negator does not reach the trigger
                if len(between) >= 2 and between[0] in _PRONOUNS and between[1] == "的":
                    return None
                if any(t in self.negation_breakers for t in between):
                    return None
                s1 = doc.sentence(match.start)[1]
                tail = doc.text[match.end : min(s1, match.end + CONDITIONAL_CHARS)]
                if self.conditional.search(tail):
                    return None
                # 不是打我就是骂我: an alternative, both halves happen (but 不是想死，就是太累了
                # is "not ... just ...": the 就是 must be in the same clause)
                c1 = doc.clause(match.start)[1]
                if token.endswith("不是") and ("就是" in doc.text[match.end : c1] or "就是" in between):
                    return None
                return token
        return None

    def _tool(self, doc: _Text, match: _Match, sentence: tuple[int, int]) -> str | None:
        """A tool-use cue in the sentence, not counting one inside the trigger itself (削笔刀)."""
        for hit in self.tool.finditer(doc.text, sentence[0], sentence[1]):
            if hit.end() <= match.start or hit.start() >= match.end:
                return hit.group(0)
        return None

    def _parent_hyperbole(self, doc: _Text, sentence: tuple[int, int]) -> str | None:
        """A parent's 打死你 said with a joke cue or over a mundane thing, the child not afraid."""
        speaker = doc.search_cached("parent_speaker", self.parent_speaker, sentence)
        if speaker is None or doc.search_cached("parent_fear", self.parent_fear, sentence):
            return None
        joke = doc.search_cached("parent_joke", self.parent_joke, sentence)
        return f"{speaker}…{joke}" if joke else None

    def _suppression(self, doc: _Text, match: _Match, label: str) -> tuple[str, str] | None:
        sentence = doc.sentence(match.start)
        clause = doc.clause(match.start)
        checks: list[tuple[str, Callable[[], str | None]]] = [
            ("negation", lambda: self._negation(doc, match)),
            ("remote", lambda: doc.search_cached("remote", self.remote, sentence)),
            (
                "fiction",
                lambda: (
                    None
                    if doc.search_cached("real_anchor", self.real_anchor, clause)
                    else doc.search_cached("fiction", self.fiction, sentence)
                ),
            ),
            (
                "play",
                lambda: (
                    None
                    if doc.search_cached("play_breaker", self.play_breaker, sentence)
                    else doc.search_cached("play", self.play, sentence)
                ),
            ),
            (
                "tool",
                lambda: (
                    None
                    if doc.search_cached("harm_to_person", self.harm_to_person, clause)
                    else self._tool(doc, match, sentence)
                ),
            ),
            ("parent", lambda: self._parent_hyperbole(doc, sentence)),
            ("resolved", lambda: doc.search_cached("resolved", self.resolved, sentence)),
            (
                "settled",
                lambda: (
                    None
                    if doc.search_cached("settled_breaker", self.settled_breaker, sentence)
                    else doc.search_cached("settled", self.settled, sentence)
                ),
            ),
            (
                "bystander",
                lambda: (
                    None
                    if doc.search_cached("violence", self.violence, sentence)
                    else doc.search_cached("family", self.family, clause)
                ),
            ),
            (
                "accident",
                lambda: (
                    None
                    if doc.search_cached("agent", self.agent, sentence)
                    else doc.search_cached("accident", self.accident, sentence)
                ),
            ),
        ]
        for rule, check in checks:
            if label in SUPPRESSORS[rule]:
                cue = check()
                if cue:
                    return rule, cue
        return None

    # -- entry point ----------------------------------------------------------------------------

    def triage(self, text: str) -> TriageResult:
        normalised = normalise(text)
        doc = _Text(normalised, self.tokenize(normalised))
        # label -> (start, end, word) of every counted match
        spans: dict[str, list[tuple[int, int, str]]] = {}
        ignored: list[dict[str, Any]] = []
        seen_ignored: set[tuple[str, str, str]] = set()

        def ignore(label: str, word: str, rule: str, cue: str) -> None:
            key = (label, word, rule)
            if key not in seen_ignored:
                seen_ignored.add(key)
                ignored.append({"label": label, "words": [word], "why": WHY[rule].format(cue=cue)})

        # weak cues waiting for a second one: primary label -> entry -> its matches
        weak: dict[str, dict[Entry, list[_Match]]] = {}
        for match in sorted(self._matches(doc), key=lambda m: (m.start, m.end)):
            word = normalised[match.start : match.end]
            counts, cue = self._entry_verdict(doc, match)
            if not counts:
                if cue is not None:
                    for label in match.entry.labels:
                        ignore(label, word, "context", cue)
                continue
            primary_suppressed: tuple[str, str] | None = None
            for position, label in enumerate(match.entry.labels):
                # Implied labels (weapon -> physical) fall with the primary one: a knife in the
                # kitchen is no threat of violence either.
                suppressed = primary_suppressed or self._suppression(doc, match, label)
                if position == 0:
                    primary_suppressed = suppressed
                if suppressed is not None:
                    ignore(label, word, *suppressed)
                    continue
                if match.entry.weak:
                    if position == 0:
                        weak.setdefault(label, {}).setdefault(match.entry, []).append(match)
                    continue
                spans.setdefault(label, []).append((match.start, match.end, word))

        # Weak cues from two different entries of one label (天台 + 往下看, 河边 + 别拦我) count;
        # two words of one entry (天台, 楼顶) are still one cue.
        for label, cues in weak.items():
            if len(cues) < 2:
                for cue in cues.values():
                    cue_words = list(dict.fromkeys(normalised[m.start : m.end] for m in cue))
                    ignored.append({"label": label, "words": cue_words, "why": WHY["weak"]})
                continue
            for entry, cue in cues.items():
                for implied in entry.labels:
                    spans.setdefault(implied, []).extend(
                        (m.start, m.end, normalised[m.start : m.end]) for m in cue
                    )
        words = {label: _core_words(found) for label, found in spans.items()}

        signals = [s for s in SIGNALS if s in words]
        kinds = [k for k in KINDS if k in words]
        reasons: list[dict[str, Any]] = [
            {"signal": s, "words": words[s], "explanation": EXPLANATIONS[s]} for s in signals
        ]
        reasons += [{"kind": k, "words": words[k], "explanation": EXPLANATIONS[k]} for k in kinds]
        return TriageResult(
            kinds=kinds, urgent=bool(signals), signals=signals, reasons=reasons, ignored=ignored
        )


def _core_words(found: list[tuple[int, int, str]]) -> list[str]:
    """The words of a label in text order, without a match that only wraps a shorter one of the
    same label (带刀来堵 around 刀: the reason names 刀)."""
    kept = [
        (start, end, word)
        for start, end, word in found
        if not any(s >= start and e <= end and (s, e) != (start, end) for s, e, _ in found)
    ]
    return list(dict.fromkeys(word for _, _, word in sorted(kept)))


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The shared engine, built on first use (loading jieba's dictionary takes about a second)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = Engine(lexicon_module.load())
    return _engine


MODEL_EXPLANATION = (
    "规则未发现明确的危险信号，但文字整体上与涉及紧急危险的报告相似（模型研判，概率 %(p).0f%%）："
    "可能紧急，请尽快查看"
)
MODEL_NO_WORDS = "；文中没有可单独指出的危险词语，请通读原文"


def triage(text: str, *, use_model: bool = True) -> TriageResult:
    """Triage one report text: kinds of conduct, urgent danger signals and the words behind them.

    The lexicon rules decide the signals, the kinds and urgency. When they find no danger, the
    n-gram model (model.py) may add the second tier (``review``): a text it scores at or above its
    threshold gets a reason naming the model, its probability and the words of the text that carry
    danger (never function words: see model.ReasonFilter); when no such word stands out the
    reason says so rather than show 他们 or 每天.
    """
    engine = get_engine()
    result = engine.triage(text)
    if use_model and not result.urgent:
        from .model import get_model, get_reason_filter

        model = get_model()
        probability, _ = model.score(text)
        if probability >= model.threshold:
            words = model.reasons(engine.tokenize(normalise(text)), get_reason_filter())
            explanation = MODEL_EXPLANATION % {"p": probability * 100}
            result.review = True
            result.reasons.insert(
                0,
                {
                    "review": "model",
                    "words": words,
                    "explanation": explanation if words else explanation + MODEL_NO_WORDS,
                },
            )
    return result
