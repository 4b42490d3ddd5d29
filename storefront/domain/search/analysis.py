"""Text analysis per shop language: Snowball stemming for European languages, character bigrams for
Japanese and Chinese, accent folding everywhere."""
from __future__ import annotations

import re

from whoosh.analysis import (
    CharsetFilter,
    IntraWordFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang import NoStopWords
from whoosh.support.charset import accent_map

CJK_LOCALES = {"ja", "zh-CN"}
SNOWBALL = {"en": "en", "de": "de", "fr": "fr", "es": "es"}
WORD = r"\w+(?:[-']\w+)*"
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\W{_CJK}]+)", re.UNICODE)


class CJKBigramTokenizer(Tokenizer):
    """Latin words as words; runs of CJK characters as overlapping character pairs, so that any two
    consecutive characters of a title find it (a lone CJK character stays a token of its own)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in _RUNS.finditer(value):
            cjk, word = match.group(1), match.group(2)
            if word:
                pieces = [(word, match.start(2))]
            elif len(cjk) == 1:
                pieces = [(cjk, match.start(1))]
            else:
                pieces = [(cjk[i:i + 2], match.start(1) + i) for i in range(len(cjk) - 1)]
            for text, start in pieces:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + start
                    token.endchar = start_char + start + len(text)
                yield token


def analyzer_for(locale: str):
    """The analyzer used both to index and to query text in `locale`."""
    if locale in CJK_LOCALES:
        return CJKBigramTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    lang = SNOWBALL.get(locale, "en")
    chain = RegexTokenizer(WORD) | IntraWordFilter(delims="-'", splitnums=False, mergewords=True) | LowercaseFilter()
    try:
        chain = chain | StopFilter(lang=lang)
    except NoStopWords:
        pass
    return chain | StemFilter(lang=lang, cachesize=50000) | CharsetFilter(accent_map)


def plain_analyzer():
    """Words without stemming, for SKUs, vendors and option values typed exactly."""
    return RegexTokenizer(WORD) | IntraWordFilter(delims="-'", splitnums=False, mergewords=True) | LowercaseFilter() \
        | CharsetFilter(accent_map)
