"""Customer comments: themes, sentiment and their effect on satisfaction (Chinese, offline).

``code(texts, codebook=None)`` codes free-text answers into the codebook's themes with a
sentiment; ``emerging(texts, coded=None, seed=0)`` proposes themes beyond the codebook
from the comments no theme matched; ``impact(surveys, ...)`` links themes to NPS and
CSAT. Segmentation uses jieba's bundled dictionary plus a real-estate user dictionary;
nothing is downloaded.
"""

from __future__ import annotations

from .codebook import THEMES, Codebook, default_codebook, load_codebook
from .coding import SENTIMENT, SENTIMENT_LABELS, code
from .effects import CommentImpact, impact
from .topics import emerging

__all__ = ["THEMES", "SENTIMENT", "SENTIMENT_LABELS", "Codebook", "code", "default_codebook",
           "load_codebook", "emerging", "impact", "CommentImpact"]
