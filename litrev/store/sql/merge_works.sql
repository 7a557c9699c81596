-- name: merge_works
-- description: Upsert the batch's works. Identifiers already known are kept; fresh metadata
--   wins where the batch has it; a title language detected before is kept when the batch did
--   not detect it again (title unchanged); first_seen never changes.
INSERT INTO works (work_id, doi, openalex_id, s2_id, pmid, urn, handle, title, year, venue,
                   work_type, authors, language, title_language, title_language_confidence,
                   title_language_method, url, is_seed, synthetic, content_hash,
                   first_seen, last_seen)
SELECT work_id, doi, openalex_id, s2_id, pmid, urn, handle, title, year, venue, work_type,
       authors, language, title_language, title_language_confidence, title_language_method,
       url, is_seed, synthetic, content_hash, $now, $now
FROM batch_works
ON CONFLICT (work_id) DO UPDATE SET
    doi = coalesce(works.doi, excluded.doi),
    openalex_id = coalesce(works.openalex_id, excluded.openalex_id),
    s2_id = coalesce(works.s2_id, excluded.s2_id),
    pmid = coalesce(works.pmid, excluded.pmid),
    urn = coalesce(works.urn, excluded.urn),
    handle = coalesce(works.handle, excluded.handle),
    title = coalesce(excluded.title, works.title),
    year = coalesce(excluded.year, works.year),
    venue = coalesce(excluded.venue, works.venue),
    work_type = coalesce(excluded.work_type, works.work_type),
    authors = CASE WHEN len(excluded.authors) > 0 THEN excluded.authors ELSE works.authors END,
    language = coalesce(excluded.language, works.language),
    -- a title detected in this batch (new, or changed), else the one detected before
    title_language = coalesce(excluded.title_language, works.title_language),
    title_language_confidence = CASE WHEN excluded.title_language IS NULL
        THEN works.title_language_confidence ELSE excluded.title_language_confidence END,
    title_language_method = CASE WHEN excluded.title_language IS NULL
        THEN works.title_language_method ELSE excluded.title_language_method END,
    url = coalesce(excluded.url, works.url),
    is_seed = works.is_seed OR excluded.is_seed,
    synthetic = works.synthetic OR excluded.synthetic,
    content_hash = excluded.content_hash,
    last_seen = excluded.last_seen;
