-- name: translation_save
-- description: Store the chain's answers (the registered relation translation_results) as
--   the translations reviewers see. A row is only replaced by an answer that ranks at least
--   as high (human > tm > machine > pending = failed), and a human correction only by another
--   human correction: a machine never overwrites a reviewer.
-- param: now text: the time of the run (a timestamp)
INSERT INTO translations (text_hash, target_language, source_language, translated_text,
                          provider, status, error, numbers_mismatch, created_at, updated_at)
SELECT text_hash, target_language, source_language, translated_text, provider, status, error,
       numbers_mismatch, CAST($now AS TIMESTAMPTZ), CAST($now AS TIMESTAMPTZ)
FROM translation_results
ON CONFLICT (text_hash, target_language) DO UPDATE SET
    source_language = excluded.source_language,
    translated_text = excluded.translated_text,
    provider = excluded.provider,
    status = excluded.status,
    error = excluded.error,
    numbers_mismatch = excluded.numbers_mismatch,
    updated_at = excluded.updated_at
WHERE (translations.status <> 'human' OR excluded.status = 'human')
  AND (CASE excluded.status WHEN 'human' THEN 4 WHEN 'tm' THEN 3 WHEN 'machine' THEN 2
        ELSE 1 END)
   >= (CASE translations.status WHEN 'human' THEN 4 WHEN 'tm' THEN 3 WHEN 'machine' THEN 2
        ELSE 1 END);
