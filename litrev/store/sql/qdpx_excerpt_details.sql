-- name: qdpx_excerpt_details
-- description: What a REFI-QDA export adds to the reviewers' table for a list of excerpts: the
--   statement as printed with its markers, the kind of its section, the sentences around it,
--   and the reviewer's decision and note.
-- param: ids text: VARCHAR[] of excerpt ids
SELECT e.excerpt_id, e.marked_text, e.section_kind, e.context_before, e.context_after,
       r.decision, r.note
FROM excerpts e
LEFT JOIN reviews r ON r.excerpt_id = e.excerpt_id
WHERE e.excerpt_id IN (SELECT unnest(CAST($ids AS VARCHAR[])));
