-- name: merge_works
-- description: Upsert the batch's works (the lake has no keys: work_id is kept unique by this
--   MERGE). Identifiers already known are kept; fresh metadata wins where the batch has it; a
--   title language detected before is kept when the batch did not detect it again (title
--   unchanged); first_seen never changes. A stored work is rewritten only when one of its
--   values changes, and last_seen then moves: a quiet night writes nothing (the ledger,
--   search_log, records that its searches saw the work again, unchanged).
MERGE INTO works AS w
USING (SELECT * FROM batch_works) AS b
ON w.work_id = b.work_id
WHEN MATCHED AND (
       w.doi IS DISTINCT FROM coalesce(w.doi, b.doi)
    OR w.openalex_id IS DISTINCT FROM coalesce(w.openalex_id, b.openalex_id)
    OR w.s2_id IS DISTINCT FROM coalesce(w.s2_id, b.s2_id)
    OR w.pmid IS DISTINCT FROM coalesce(w.pmid, b.pmid)
    OR w.urn IS DISTINCT FROM coalesce(w.urn, b.urn)
    OR w.handle IS DISTINCT FROM coalesce(w.handle, b.handle)
    OR w.title IS DISTINCT FROM coalesce(b.title, w.title)
    OR w.year IS DISTINCT FROM coalesce(b.year, w.year)
    OR w.venue IS DISTINCT FROM coalesce(b.venue, w.venue)
    OR w.work_type IS DISTINCT FROM coalesce(b.work_type, w.work_type)
    OR (len(b.authors) > 0 AND w.authors IS DISTINCT FROM b.authors)
    OR w.language IS DISTINCT FROM coalesce(b.language, w.language)
    OR (b.title_language IS NOT NULL
        AND (w.title_language IS DISTINCT FROM b.title_language
             OR w.title_language_confidence IS DISTINCT FROM b.title_language_confidence
             OR w.title_language_method IS DISTINCT FROM b.title_language_method))
    OR w.url IS DISTINCT FROM coalesce(b.url, w.url)
    OR w.is_seed IS DISTINCT FROM (w.is_seed OR b.is_seed)
    OR w.synthetic IS DISTINCT FROM (w.synthetic OR b.synthetic)
    OR w.content_hash IS DISTINCT FROM b.content_hash) THEN UPDATE SET
    doi = coalesce(w.doi, b.doi),
    openalex_id = coalesce(w.openalex_id, b.openalex_id),
    s2_id = coalesce(w.s2_id, b.s2_id),
    pmid = coalesce(w.pmid, b.pmid),
    urn = coalesce(w.urn, b.urn),
    handle = coalesce(w.handle, b.handle),
    title = coalesce(b.title, w.title),
    year = coalesce(b.year, w.year),
    venue = coalesce(b.venue, w.venue),
    work_type = coalesce(b.work_type, w.work_type),
    authors = CASE WHEN len(b.authors) > 0 THEN b.authors ELSE w.authors END,
    language = coalesce(b.language, w.language),
    -- a title detected in this batch (new, or changed), else the one detected before
    title_language = coalesce(b.title_language, w.title_language),
    title_language_confidence = CASE WHEN b.title_language IS NULL
        THEN w.title_language_confidence ELSE b.title_language_confidence END,
    title_language_method = CASE WHEN b.title_language IS NULL
        THEN w.title_language_method ELSE b.title_language_method END,
    url = coalesce(b.url, w.url),
    is_seed = w.is_seed OR b.is_seed,
    synthetic = w.synthetic OR b.synthetic,
    content_hash = b.content_hash,
    last_seen = $now
WHEN NOT MATCHED THEN INSERT (work_id, doi, openalex_id, s2_id, pmid, urn, handle, title, year,
                              venue, work_type, authors, language, title_language,
                              title_language_confidence, title_language_method, url, is_seed,
                              synthetic, content_hash, first_seen, last_seen)
VALUES (b.work_id, b.doi, b.openalex_id, b.s2_id, b.pmid, b.urn, b.handle, b.title, b.year,
        b.venue, b.work_type, b.authors, b.language, b.title_language,
        b.title_language_confidence, b.title_language_method, b.url, b.is_seed, b.synthetic,
        b.content_hash, $now, $now);
