"""Language detection of excerpts and titles: reproducible, labelled, and honest about doubt.

One module per layer, each importing only the layers above it in this list:

- :mod:`.codes`: the one normaliser of language values (``eng``, ``en_US``, ``Finnish``,
  detector labels) to ISO 639-1, :func:`normalize_language`;
- :mod:`.results`: what a detection returns (:class:`Detection`, :class:`Part`);
- :mod:`.text`: the text as the detectors read it (:func:`prepare`, the sample);
- :mod:`.detectors`: fastText, heliport, lingua and langdetect, each returning a distribution;
- :mod:`.scandinavian`: spelling, grammar and word-frequency cues for sv/no/da;
- :mod:`.voting`: the weighted vote, the cues, the metadata hint, abstaining (:class:`Method`);
- :mod:`.mixed`: a text holding two languages in sequence cut into its runs;
- :mod:`.detection`: :func:`detect`, one text;
- :mod:`.annotate`: :func:`detect_records`, the harvest's records before the store's batch.

    >>> detect("Ehe für alle – noch diese Woche").lang
    'de'
    >>> detect("OK").method
    'too-short'
"""

from litrev.extract.language.annotate import detect_records, excerpt_ids, merged_titles
from litrev.extract.language.codes import MIXED, UNDETERMINED, normalize_language
from litrev.extract.language.detection import clear_caches, detect
from litrev.extract.language.results import Detection, Part
from litrev.extract.language.text import prepare
from litrev.extract.language.voting import LANGDETECT_ONLY, LIGHT, SHIPPED, Method

__all__ = ["LANGDETECT_ONLY", "LIGHT", "MIXED", "SHIPPED", "UNDETERMINED", "Detection", "Method",
           "Part", "clear_caches", "detect", "detect_records", "excerpt_ids", "merged_titles",
           "normalize_language", "prepare"]
