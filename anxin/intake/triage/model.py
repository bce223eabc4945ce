"""A second opinion on urgency: a character n-gram logistic regression, scored in pure Python.

The lexicon rules explain themselves and are the only path to an urgent alert. This model,
trained on the labelled texts under tests/data, sees wordings nobody listed, but it also leans on
words that carry no danger at all (他们, 每天, 孩子 weigh for urgency because the urgent training
texts happen to use them more). So it only adds a second tier, "可能紧急，请尽快查看": a report it
scores at or above its threshold (0.5, fixed before it was evaluated) goes first in the staff
queue after the urgent ones, without an alert (engine.triage).

The words it may name are filtered by ``data/model_reasons.txt`` (:class:`ReasonFilter`): the
report's own tokens, never a function word, pronoun or time word, and only those holding a word
of the danger vocabulary or weighed by the model at or above ``MIN_WEIGHT``; when none is left,
the reason says that no single word stands out.

The model is a JSON file (``data/urgent_model.json``) written by ``train.py`` with scikit-learn,
a development-only dependency. Scoring re-implements scikit-learn's TfidfVectorizer
(analyzer="char_wb", lowercase, sublinear tf, smooth idf, L2 norm) so nothing heavy is needed at
run time; the file carries reference probabilities that the tests reproduce exactly.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).with_name("data") / "urgent_model.json"
REASONS_FILE = Path(__file__).with_name("data") / "model_reasons.txt"
#: A word outside the danger vocabulary is shown only when the model weighs it at least this much
#: (its largest coefficient among the word's n-grams; the strongest coefficients are about 2.7).
MIN_WEIGHT = 1.2
#: At most this many words are shown.
MAX_REASONS = 5
_WHITE = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's char_wb analyser, to the character."""
    text = _WHITE.sub(" ", text.lower())
    grams: list[str] = []
    for word in text.split():
        w = " " + word + " "
        length = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            grams.append(w[offset : offset + n])
            while offset + n < length:
                offset += 1
                grams.append(w[offset : offset + n])
            if offset == 0:
                break
    return grams


@dataclass(frozen=True)
class Model:
    min_n: int
    max_n: int
    threshold: float
    intercept: float
    #: n-gram -> (idf, coefficient)
    features: dict[str, tuple[float, float]]

    def score(self, text: str) -> tuple[float, list[str]]:
        """Probability that the text is urgent, and the n-grams that pushed it up most."""
        counts = Counter(g for g in char_wb_ngrams(text, self.min_n, self.max_n) if g in self.features)
        if not counts:
            return 1.0 / (1.0 + math.exp(-self.intercept)), []
        weights = {g: (1.0 + math.log(c)) * self.features[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        contributions = {g: v / norm * self.features[g][1] for g, v in weights.items()}
        z = self.intercept + sum(contributions.values())
        top = [
            g.strip()
            for g, c in sorted(contributions.items(), key=lambda kv: -kv[1])
            if c > 0 and len(g.strip()) > 1
        ]
        return 1.0 / (1.0 + math.exp(-z)), list(dict.fromkeys(top))[:5]

    def weight(self, word: str) -> float:
        """How much the model weighs a word: the largest coefficient among the word itself and its
        n-grams of two or more characters (a single character only for a one-character word)."""
        shortest = 1 if len(word) == 1 else 2
        best = -math.inf
        for n in range(shortest, min(self.max_n, len(word)) + 1):
            for start in range(len(word) - n + 1):
                feature = self.features.get(word[start : start + n])
                if feature is not None and feature[1] > best:
                    best = feature[1]
        return best

    def reasons(self, tokens: list[str], words: ReasonFilter) -> list[str]:
        """The words of a text (its tokens) that may be shown as the model's reasons, strongest
        first: never a stop word, only danger words the model weighs up, or words it weighs at
        least MIN_WEIGHT."""
        kept: dict[str, float] = {}
        for token in tokens:
            token = token.strip()
            if not token or token in kept or not words.may_show(token):
                continue
            weight = self.weight(token)
            if len(token) == 1:  # a lone character is a word only when it is a danger word (死, 刀)
                if token in words.danger and weight > 0:
                    kept[token] = weight
            elif weight >= MIN_WEIGHT or (weight > 0 and words.carries_danger(token)):
                kept[token] = weight
        return sorted(kept, key=lambda w: -kept[w])[:MAX_REASONS]


_CONTENT = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class ReasonFilter:
    """The stop-list and danger vocabulary of ``data/model_reasons.txt``."""

    stop: frozenset[str]
    danger: tuple[str, ...]

    def may_show(self, word: str) -> bool:
        """A Chinese content word: not on the stop-list and not made only of stop words' pieces
        (他们的, 每天都)."""
        if word in self.stop or not _CONTENT.search(word):
            return False
        return not _covered(word, self.stop)

    def carries_danger(self, word: str) -> bool:
        return any(item in word for item in self.danger)


def _covered(word: str, stop: frozenset[str]) -> bool:
    """Whether the word is a concatenation of stop words (他们的 = 他们 + 的)."""
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        reachable[end] = any(reachable[start] and word[start:end] in stop for start in range(end))
    return reachable[-1]


def load_reason_filter(path: Path = REASONS_FILE) -> ReasonFilter:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif current is not None:
            current.extend(line.split())
    return ReasonFilter(stop=frozenset(sections.get("stop", [])), danger=tuple(sections.get("danger", [])))


_model: Model | None = None
_reason_filter: ReasonFilter | None = None
_lock = threading.Lock()


def load(path: Path = MODEL_FILE) -> Model:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return Model(
        min_n=data["ngram_range"][0],
        max_n=data["ngram_range"][1],
        threshold=data["threshold"],
        intercept=data["intercept"],
        features={g: (idf, coef) for g, idf, coef in data["features"]},
    )


def get_model() -> Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = load()
    return _model


def get_reason_filter() -> ReasonFilter:
    global _reason_filter
    if _reason_filter is None:
        with _lock:
            if _reason_filter is None:
                _reason_filter = load_reason_filter()
    return _reason_filter
