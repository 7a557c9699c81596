-- name: search_texts
-- description: The indexed texts of a few doc ids in one stemmer's index file (the text that
--   matched, for the snippet). {cache} is filled in by store.search from a whitelisted stemmer
--   name, never from input.
-- param: doc_ids text: the doc ids (bound as VARCHAR[])
SELECT doc_id, text FROM {cache}.main.docs
WHERE doc_id IN (SELECT unnest(CAST($doc_ids AS VARCHAR[])))
