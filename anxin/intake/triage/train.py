"""Train the urgency model (development only: needs scikit-learn, not installed at run time).

    .venv/bin/pip install scikit-learn==1.9.1
    .venv/bin/python -m anxin.intake.triage.train

Trains on the tuning files under tests/data (never on triage_heldout3.jsonl to
triage_heldout6.jsonl, which stay held out) and writes
data/urgent_model.json with reference probabilities that the tests reproduce. The model has not
been retrained since issue 14: it only feeds the second tier now, and triage_hard.jsonl is not in
its training set.
"""

from __future__ import annotations

import json
from pathlib import Path

from .model import MODEL_FILE

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
TRAIN_FILES = ("triage_eval.jsonl", "triage_heldout.jsonl", "triage_heldout2.jsonl")
#: Fixed before the model was first evaluated on held-out data; do not tune it on that data.
THRESHOLD = 0.5


def main() -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [
        json.loads(line)
        for name in TRAIN_FILES
        for line in (DATA / name).open(encoding="utf-8")
        if line.strip()
    ]
    texts = [r["text"] for r in rows]
    labels = np.array([1 if r["urgent"] else 0 for r in rows])
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    matrix = vec.fit_transform(texts)
    clf = LogisticRegression(C=4, class_weight="balanced", max_iter=2000)
    clf.fit(matrix, labels)
    coef = clf.coef_[0]
    features = [
        [gram, round(float(vec.idf_[i]), 12), round(float(coef[i]), 12)]
        for gram, i in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
    ]
    checks = texts[:: max(1, len(texts) // 20)][:20]
    model = {
        "trained_on": list(TRAIN_FILES),
        "texts": len(texts),
        "ngram_range": [1, 3],
        "threshold": THRESHOLD,
        "intercept": float(clf.intercept_[0]),
        "features": features,
        "checks": [
            {"text": t, "p": float(p)}
            for t, p in zip(checks, clf.predict_proba(vec.transform(checks))[:, 1], strict=True)
        ],
    }
    MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {MODEL_FILE} ({len(features)} features, {len(texts)} texts)")


if __name__ == "__main__":
    main()
