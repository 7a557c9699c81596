-- name: coding_save_state
-- description: Remember what each excerpt of the registered frame coded_batch was coded on
--   (one row per excerpt_id, kept unique by this MERGE).
-- param: version text: the codebook's version key
-- param: now text: the time of coding (TIMESTAMPTZ)
MERGE INTO excerpt_coding AS c
USING (SELECT DISTINCT ON (excerpt_id) excerpt_id, language, translation_hash
       FROM coded_batch) AS b
ON c.excerpt_id = b.excerpt_id
WHEN MATCHED THEN UPDATE SET
    codebook_version = $version,
    language = b.language,
    translation_hash = b.translation_hash,
    coded_at = CAST($now AS TIMESTAMPTZ)
WHEN NOT MATCHED THEN INSERT (excerpt_id, codebook_version, language, translation_hash, coded_at)
VALUES (b.excerpt_id, $version, b.language, b.translation_hash, CAST($now AS TIMESTAMPTZ));
