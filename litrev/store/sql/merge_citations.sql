-- name: merge_citations
-- description: Upsert citing -> cited links, one row per source that reported the link.
INSERT INTO citations (citing_work_id, cited_work_id, source, first_seen, last_seen)
SELECT citing_work_id, cited_work_id, source, $now, $now
FROM batch_citations
ON CONFLICT (citing_work_id, cited_work_id, source) DO UPDATE SET last_seen = excluded.last_seen;
