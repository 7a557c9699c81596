-- name: translation_save
-- description: Store the chain's answers (the registered relation translation_results) as
--   the translations reviewers see (text_hash, target_language kept unique by this MERGE). A
--   row is only replaced by an answer that ranks at least as high (human > tm > machine >
--   pending = failed), and a human correction only by another human correction: a machine
--   never overwrites a reviewer.
-- param: now text: the time of the run (a timestamp)
MERGE INTO translations AS t
USING (SELECT * FROM translation_results) AS b
ON t.text_hash = b.text_hash AND t.target_language = b.target_language
WHEN MATCHED
     AND (t.status <> 'human' OR b.status = 'human')
     AND (CASE b.status WHEN 'human' THEN 4 WHEN 'tm' THEN 3 WHEN 'machine' THEN 2 ELSE 1 END)
      >= (CASE t.status WHEN 'human' THEN 4 WHEN 'tm' THEN 3 WHEN 'machine' THEN 2 ELSE 1 END)
     THEN UPDATE SET
    source_language = b.source_language,
    translated_text = b.translated_text,
    provider = b.provider,
    status = b.status,
    error = b.error,
    numbers_mismatch = b.numbers_mismatch,
    updated_at = CAST($now AS TIMESTAMPTZ)
WHEN NOT MATCHED THEN INSERT (text_hash, target_language, source_language, translated_text,
                              provider, status, error, numbers_mismatch, created_at, updated_at)
VALUES (b.text_hash, b.target_language, b.source_language, b.translated_text, b.provider,
        b.status, b.error, b.numbers_mismatch, CAST($now AS TIMESTAMPTZ),
        CAST($now AS TIMESTAMPTZ));
