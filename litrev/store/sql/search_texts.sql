-- name: search_texts
-- description: A few texts of one stemmer's index file by doc id, as stored and as indexed,
--   with an original's excerpt fields (for the hits a search shows: the matched text for the
--   snippet, the excerpt's text, language, kind, work and text hash). {cache} is filled in by
--   store.search from a whitelisted stemmer name, never from input. doc_id = ANY of the bound
--   list is a lookup in the index on doc_id (search_index_key); list_contains, which DuckDB
--   does not answer from an index, scans every doc id.
-- param: doc_ids text: the doc ids (bound as VARCHAR[])
SELECT doc_id, text, raw, language, kind, work_id, text_hash FROM {cache}.main.docs
WHERE doc_id = ANY($doc_ids)
