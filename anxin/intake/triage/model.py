"""A second opinion on urgency: a character n-gram logistic regression, scored in pure Python.

The lexicon rules explain themselves but miss wordings nobody listed; this model, trained on the
labelled texts under tests/data, catches many of those. A text is urgent when the rules say so OR
the model's probability reaches the threshold fixed before it was evaluated (0.5): for a child in
danger a false alarm costs a teacher a minute, a miss costs far more.

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


_model: Model | None = None
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
