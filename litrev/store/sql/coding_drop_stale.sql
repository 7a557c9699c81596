-- name: coding_drop_stale
-- description: After a full re-coding, drop matches and coding state left from other codebook
--   versions or from excerpts that no longer exist.
-- param: version text: the codebook's version key
DELETE FROM excerpt_themes
WHERE codebook_version <> $version
   OR excerpt_id NOT IN (SELECT excerpt_id FROM excerpts)
