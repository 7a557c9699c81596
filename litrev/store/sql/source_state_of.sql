-- name: source_state_of
-- description: The stored watermark of each query of one source, for its next incremental run.
-- param: source text: the source's name, e.g. oaipmh
SELECT query_key, watermark
FROM source_state
WHERE source = $source AND watermark IS NOT NULL
ORDER BY query_key;
