"""The category model: character n-grams, TF-IDF, a linear SVM (trained with scikit-learn).

Trained from the shipped corpus (data/corpus/) plus the matters whose category a clerk confirmed
or corrected, and evaluated on data/heldout/, which no model is ever trained on. A model is a file
under var/triage/models/ named by its version; `active.json` there names the one in use. With no
model yet (a fresh checkout), the first use trains one from the shipped corpus (a few seconds)
and activates it. Each process loads the active model once and looks again at `active.json` at
most every CHECK_SECONDS, so a model activated by `zhili triage-train` reaches every process.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings

DATA = Path(__file__).resolve().parent / "data"
CHECK_SECONDS = 30.0
NGRAMS = (1, 3)
SHARPNESS = 4.0  # of the softmax that turns the SVM's margins into a confidence


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    risk: str = ""
    signals: tuple[str, ...] = ()
    address: str = ""
    source: str = "corpus"


def read_examples(paths: Iterable[Path]) -> list[Example]:
    examples = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(
                    Example(
                        text=row["text"],
                        category=row["category"],
                        risk=row.get("risk", ""),
                        signals=tuple(row.get("signals", ())),
                        address=row.get("address", ""),
                    )
                )
    return examples


def corpus() -> list[Example]:
    return read_examples(sorted((DATA / "corpus").glob("*.jsonl")))


def heldout() -> list[Example]:
    return read_examples(sorted((DATA / "heldout").glob("*.jsonl")))


def _document(text: str, address: str = "") -> str:
    return f"{text} {address}".strip()


_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's analyzers collapse runs of white space


def char_ngrams(document: str, low: int = NGRAMS[0], high: int = NGRAMS[1]) -> list[str]:
    """The character n-grams scikit-learn's TfidfVectorizer(analyzer="char") counts."""
    document = _WHITE_SPACES.sub(" ", document.lower())
    grams = list(document) if low == 1 else []
    for n in range(max(low, 2), min(high, len(document)) + 1):
        grams.extend(document[i : i + n] for i in range(len(document) - n + 1))
    return grams


@dataclass
class LinearTextModel:
    """A trained classifier, reduced to what predicting needs: the n-gram vocabulary with its idf
    weights, and the SVM's weights. Predicting needs numpy only, not scikit-learn, so a process
    that triages loads in a fraction of a second and a fraction of the memory."""

    labels: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # features × labels
    intercept: np.ndarray

    def scores(self, documents: Sequence[str]) -> np.ndarray:
        """The SVM's decision values, as scikit-learn's pipeline computes them (a test checks)."""
        rows = np.empty((len(documents), len(self.labels)), dtype=np.float64)
        vocabulary = self.vocabulary
        for r, document in enumerate(documents):
            counts: dict[int, int] = {}
            for gram in char_ngrams(document):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                rows[r] = self.intercept
                continue
            indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1.0
            values = tf * self.idf[indices]
            values /= np.sqrt(values @ values)
            rows[r] = values @ self.weights[indices] + self.intercept
        return rows

    @classmethod
    def of(cls, pipeline: Any) -> LinearTextModel:
        vectorizer, svm = pipeline[0], pipeline[-1]
        return cls(
            labels=[str(c) for c in svm.classes_],
            vocabulary={str(gram): int(index) for gram, index in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            weights=np.ascontiguousarray(svm.coef_.T, dtype=np.float64),
            intercept=np.asarray(svm.intercept_, dtype=np.float64),
        )


@dataclass
class TriageModel:
    """The versioned model file: the category classifier, and a red/yellow/green classifier that
    is the rules' second opinion on red (services.py)."""

    version: str
    category: LinearTextModel
    risk: LinearTextModel
    trained_on: int
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def categories(self) -> list[str]:
        return self.category.labels

    def predict(
        self, texts: Sequence[str], addresses: Sequence[str] | None = None
    ) -> list[tuple[str, float, list[tuple[str, float]]]]:
        """For each text: the category, a confidence in [0, 1] and the three best with theirs."""
        results = []
        labels = self.category.labels
        for row in self.category.scores(_documents(texts, addresses)):
            # A softmax over the SVM's margins: monotone in the margin between the best and the
            # rest, which is what "how sure" means here.
            shifted = np.exp((row - row.max()) * SHARPNESS)
            probabilities = shifted / shifted.sum()
            order = np.argsort(-probabilities)[:3]
            top = [(labels[i], round(float(probabilities[i]), 3)) for i in order]
            results.append((top[0][0], top[0][1], top))
        return results

    def red_margins(self, texts: Sequence[str], addresses: Sequence[str] | None = None) -> np.ndarray:
        """How far "red" scores above the better of yellow and green, for each text."""
        scores = self.risk.scores(_documents(texts, addresses))
        red = self.risk.labels.index("red")
        return np.asarray(scores[:, red] - np.delete(scores, red, axis=1).max(axis=1))


def _documents(texts: Sequence[str], addresses: Sequence[str] | None) -> list[str]:
    return [_document(t, a) for t, a in zip(texts, addresses or [""] * len(texts), strict=True)]


def fit(examples: Sequence[Example], target: str = "category") -> Any:
    """The scikit-learn pipeline (training only): TF-IDF of character 1-3-grams, a linear SVM.

    Why characters only: on the training corpus, five-fold cross-validation gave 0.792 for
    character 1-3-grams alone, 0.786 with jieba's words (1-2-grams) added and 0.790 for 1-4-grams
    (docs/triage.md); words cost a 60 MB dictionary, 0.7 s at start and most of the time per text.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, min_df=2, dtype=np.float64),
        LinearSVC(C=0.5, class_weight="balanced", random_state=0),
    )
    pipeline.fit([_document(e.text, e.address) for e in examples], [getattr(e, target) for e in examples])
    return pipeline


def train(examples: Sequence[Example], *, version: str | None = None) -> TriageModel:
    digest = hashlib.sha256("\n".join(f"{e.category}\t{e.risk}\t{e.text}\t{e.address}" for e in examples).encode())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    with_risk = [e for e in examples if e.risk in ("red", "yellow", "green")]
    return TriageModel(
        version=version or f"{stamp}-{digest.hexdigest()[:8]}",
        category=LinearTextModel.of(fit(examples)),
        risk=LinearTextModel.of(fit(with_risk, "risk")),
        trained_on=len(examples),
    )


def evaluate(model: TriageModel, examples: Sequence[Example]) -> dict[str, Any]:
    predicted = model.predict([e.text for e in examples], [e.address for e in examples])
    right = sum(p[0] == e.category for p, e in zip(predicted, examples, strict=True))
    return {"examples": len(examples), "category_accuracy": round(right / len(examples), 4) if examples else 0.0}


# --- files ---------------------------------------------------------------------------------------


def model_dir() -> Path:
    path = Path(settings.VAR_DIR) / "triage" / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(model: TriageModel) -> Path:
    path = model_dir() / f"{model.version}.joblib"
    temporary = path.with_suffix(".tmp")
    joblib.dump(model, temporary, compress=3)
    os.replace(temporary, path)
    return path


def activate(model: TriageModel) -> None:
    pointer = model_dir() / "active.json"
    temporary = pointer.with_suffix(".tmp")
    temporary.write_text(
        json.dumps({"version": model.version, "metrics": model.metrics, "trained_on": model.trained_on}),
        encoding="utf-8",
    )
    os.replace(temporary, pointer)


def active_version() -> str | None:
    pointer = model_dir() / "active.json"
    if not pointer.exists():
        return None
    return str(json.loads(pointer.read_text(encoding="utf-8"))["version"])


def load(version: str) -> TriageModel:
    model = joblib.load(model_dir() / f"{version}.joblib")
    assert isinstance(model, TriageModel)
    return model


class _Active:
    """The active model of this process, loaded once, checked again every CHECK_SECONDS."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.model: TriageModel | None = None
        self.checked = 0.0

    def get(self) -> TriageModel:
        model = self.model
        if model is not None and time.monotonic() - self.checked < CHECK_SECONDS:
            return model
        with self.lock:
            version = active_version()
            if version is None:
                version = _train_first_model()
            model = self.model if self.model is not None and self.model.version == version else load(version)
            self.model, self.checked = model, time.monotonic()
            return model

    def forget(self) -> None:
        with self.lock:
            self.model, self.checked = None, 0.0


def _train_first_model() -> str:
    """Train and activate the model of the shipped corpus, once: processes starting together
    (gunicorn's workers) wait on a file lock for the first to finish."""
    with open(model_dir() / "train.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            version = active_version()
            if version is None:
                model = train(corpus())
                model.metrics = evaluate(model, heldout())
                save(model)
                activate(model)
                version = model.version
            return version
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


active = _Active()
