-- name: status_by_kind
-- description: Excerpt counts by kind.
SELECT kind, count(*) FROM excerpts GROUP BY kind ORDER BY kind;
