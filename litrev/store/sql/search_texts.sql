-- name: search_texts
-- description: Every text of a few excerpts in one stemmer's index file, as indexed and as
--   stored (raw: NULL in the file where it equals the text): an original with its excerpt's language and kind and its work's title, year and
--   DOI, a translation with its target language and status. For the hits a search shows: the
--   matched text (for the snippet), the original, and the translations to choose one from.
--   {cache} is filled in by store.search from a whitelisted stemmer name, never from input.
--   excerpt_id = ANY of the bound list is a lookup in the index on excerpt ids
--   (search_index_key); list_contains, or another condition beside it, makes it a scan of
--   every text.
-- param: ids text: the excerpt ids (bound as VARCHAR[])
SELECT doc_id, excerpt_id, field, text, coalesce(raw, text) AS raw, language, kind, title, year,
       doi, status
FROM {cache}.main.docs
WHERE excerpt_id = ANY($ids)
