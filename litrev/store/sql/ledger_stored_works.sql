-- name: ledger_stored_works
-- description: For the works a run retrieved (registered as ledger_retrieved), whether each is
--   stored already and whether its content changed (run before the merge).
SELECT r.work_id,
       w.work_id IS NOT NULL AS stored,
       w.work_id IS NOT NULL AND w.content_hash IS DISTINCT FROM r.content_hash AS changed
FROM ledger_retrieved r
LEFT JOIN works w USING (work_id);
