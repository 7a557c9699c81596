-- name: reading_copy_mark
-- description: Mark a reading copy complete: the lake snapshot it copies and the fingerprint
--   of its layout (store.reading_copy.fingerprint), written last.
-- param: snapshot int: the lake snapshot copied
-- param: fingerprint text: the reading views' fingerprint
CREATE TABLE reading_copy AS
SELECT $snapshot AS snapshot, $fingerprint AS fingerprint, now() AS built_at;
