-- name: coding_save_state
-- description: Remember what each excerpt of the registered frame coded_batch was coded on.
-- param: version text: the codebook's version key
-- param: now text: the time of coding (TIMESTAMPTZ)
INSERT OR REPLACE INTO excerpt_coding (excerpt_id, codebook_version, language, translation_hash,
                                       coded_at)
SELECT excerpt_id, $version, language, translation_hash, CAST($now AS TIMESTAMPTZ)
FROM coded_batch
