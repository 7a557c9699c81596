-- name: merge_excerpt_sources
-- description: Record every source that delivered an excerpt (one excerpt, many sources).
INSERT INTO excerpt_sources (excerpt_id, source, source_record_id, first_seen, last_seen)
SELECT excerpt_id, source, source_record_id, $now, $now
FROM batch_excerpt_sources
ON CONFLICT (excerpt_id, source, source_record_id) DO UPDATE SET last_seen = excluded.last_seen;
