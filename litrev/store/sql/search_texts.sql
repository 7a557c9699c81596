-- name: search_texts
-- description: A few texts of one stemmer's index file by doc id, as stored and as indexed,
--   with an original's excerpt fields (for the hits a search shows: the matched text for the
--   snippet, the excerpt's text, language, kind, work and text hash). {cache} is filled in by
--   store.search from a whitelisted stemmer name, never from input. list_contains on the bound
--   list is a filter of the scan; IN (SELECT unnest(...)) was a join, 2-4 times slower.
-- param: doc_ids text: the doc ids (bound as VARCHAR[])
SELECT doc_id, text, raw, language, kind, work_id, text_hash FROM {cache}.main.docs
WHERE list_contains($doc_ids, doc_id)
