"""Turning what a shopper typed into a Whoosh query: every word must match (title counts most), with typo
tolerance, prefix matching for the last word, synonyms, and SKUs; plus "did you mean" and highlighting."""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from whoosh import highlight
from whoosh.query import And, FuzzyTerm, Or, Prefix, Query, Term
from whoosh.searching import Searcher
from whoosh.support.levenshtein import damerau_levenshtein

from storefront.domain.search.analysis import CJK_LOCALES, analyzer_for
from storefront.domain.search.index import SearchIndex

MAX_QUERY_LENGTH = 200
MAX_CANDIDATES = 1000
TEXT_FIELDS = (("title", 4.0), ("option_text", 1.5), ("collection_text", 1.2), ("vendor_text", 1.2), ("body", 1.0))
FUZZY_FIELDS = ("title", "option_text")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORDS = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


def normalize_query(raw: str | None) -> str:
    """Printable text, single spaces, at most MAX_QUERY_LENGTH characters."""
    text = unicodedata.normalize("NFKC", _CONTROL.sub(" ", raw or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def typo_distance(word: str) -> int:
    return 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0


def transpositions(word: str) -> set[str]:
    """Neighbouring letters swapped: "shrit" → "shirt" (Levenshtein counts that as two edits)."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1) if word[i] != word[i + 1]}


def synonym_groups(raw_groups) -> list[list[str]]:
    groups = []
    for group in raw_groups or []:
        words = [w.strip().lower() for w in (group.split(",") if isinstance(group, str) else group) if w.strip()]
        if len(words) > 1:
            groups.append(words)
    return groups


@dataclass
class ParsedQuery:
    query: Query | None
    words: list[str]
    tokens: set[str] = field(default_factory=set)


def build_query(text: str, locale: str, synonyms: list[list[str]]) -> ParsedQuery:
    analyzer = analyzer_for(locale)
    words = _WORDS.findall(text)
    if locale in CJK_LOCALES:
        # Bigrams of a CJK run are the "words"; Latin words keep typo tolerance.
        words = [t.text for t in analyzer(text)]
    clauses: list[Query] = []
    all_tokens: set[str] = set()
    for index, word in enumerate(words):
        last = index == len(words) - 1
        tokens = [t.text for t in analyzer(word)] if locale not in CJK_LOCALES else [word.lower()]
        alternatives: list[Query] = [Term("sku", word.lower(), boost=10.0), Term("tags", word.lower())]
        for token in tokens:
            all_tokens.add(token)
            alternatives += [Term(name, token, boost=boost) for name, boost in TEXT_FIELDS]
            distance = typo_distance(word)
            if distance and not _is_cjk(token):
                alternatives += [FuzzyTerm(name, token, boost=0.6, maxdist=distance, prefixlength=1)
                                 for name in FUZZY_FIELDS]
            if last and len(token) >= 2 and not _is_cjk(token):
                alternatives.append(Prefix("title", token, boost=0.8))
                alternatives.append(Prefix("option_text", token, boost=0.4))
        if typo_distance(word) and locale not in CJK_LOCALES:
            for variant in transpositions(word.lower()):
                for t in analyzer(variant):
                    alternatives += [Term("title", t.text, boost=0.6), Term("option_text", t.text, boost=0.4)]
        for group in synonyms:
            if word.lower() in group:
                for synonym in group:
                    if synonym == word.lower():
                        continue
                    syn_tokens = [t.text for t in analyzer(synonym)]
                    if syn_tokens:
                        alternatives.append(And([Or([Term(n, t, boost=b * 0.9) for n, b in TEXT_FIELDS])
                                                 for t in syn_tokens]))
        if tokens or synonyms:
            clauses.append(Or(alternatives))
    return ParsedQuery(And(clauses) if clauses else None, words, all_tokens)


def _is_cjk(token: str) -> bool:
    return any("\u3040" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff" for ch in token)


@dataclass(frozen=True)
class SearchResult:
    product_ids: list[int]
    total: int
    terms: frozenset[tuple[str, bytes]]
    did_you_mean: str | None


class ProductSearcher:
    """Searches one node's index; keeps a refreshed reader per thread and locale."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._local = threading.local()

    def _searcher(self, locale: str) -> Searcher:
        cache = self._local.__dict__.setdefault("searchers", {})
        generation = self.index.current_generation()
        cached = cache.get(locale)
        if cached and cached[0] == generation:
            searcher = cached[1].refresh()
        else:
            if cached:
                cached[1].close()
            searcher = self.index.open(locale).searcher()
        cache[locale] = (generation, searcher)
        return searcher

    def search(self, text: str, locale: str, synonyms=None, limit: int = MAX_CANDIDATES) -> SearchResult:
        parsed = build_query(text, locale, synonym_groups(synonyms))
        if parsed.query is None:
            return SearchResult([], 0, frozenset(), None)
        searcher = self._searcher(locale)
        results = searcher.search(parsed.query, limit=limit, terms=True)
        ids = [int(hit["id"]) for hit in results]
        terms = frozenset(results.matched_terms()) if results.has_matched_terms() else frozenset()
        suggestion = None
        if len(ids) < 3:
            suggestion = self._did_you_mean(searcher, parsed, locale)
            if suggestion:
                better = build_query(suggestion, locale, synonym_groups(synonyms))
                if better.query is None or len(searcher.search(better.query, limit=limit)) < max(len(ids), 1):
                    suggestion = None
        return SearchResult(ids, len(results), terms, suggestion)

    def _did_you_mean(self, searcher: Searcher, parsed: ParsedQuery, locale: str) -> str | None:
        """The query with each word replaced by the closest title word (transpositions count as one edit)."""
        if locale in CJK_LOCALES or not parsed.words:
            return None
        corrector = searcher.corrector("title_words")
        corrected = []
        for word in (w.lower() for w in parsed.words):
            options = corrector.suggest(word, limit=8, maxdist=2) if len(word) >= 3 else []
            best = min(options, key=lambda option: (damerau_levenshtein(word, option), options.index(option)),
                       default=word)
            corrected.append(best)
        suggestion = " ".join(corrected)
        return suggestion if suggestion != " ".join(w.lower() for w in parsed.words) else None

    def suggest(self, text: str, locale: str, limit: int = 6) -> list[int]:
        return self.search(text, locale, limit=limit).product_ids


def highlight_title(title: str, terms: frozenset[tuple[str, bytes]], locale: str) -> Markup:
    """The title with the words that matched wrapped in <mark>; everything else escaped."""
    words = {t.decode("utf-8", "replace") for f, t in terms if f == "title"}
    if not words:
        return Markup(escape(title))
    formatter = highlight.HtmlFormatter(tagname="mark", classname="match", termclass="term")
    marked = highlight.highlight(title, frozenset(words), analyzer_for(locale), highlight.WholeFragmenter(),
                                 formatter, top=1, minscore=1)
    return Markup(marked) if marked else Markup(escape(title))


class SyncThrottle:
    """Checks the change log at most every `seconds` per process, so searches stay cheap."""

    def __init__(self, seconds: float = 2.0) -> None:
        self.seconds = seconds
        self._next = 0.0
        self._lock = threading.Lock()

    def due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return False
            self._next = now + self.seconds
            return True
