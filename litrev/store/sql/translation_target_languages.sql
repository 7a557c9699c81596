-- name: translation_target_languages
-- description: The target languages translations exist for, most used first (to pick the
--   export's translation language when no profile says it).
SELECT target_language, count(*) AS translations
FROM translations
GROUP BY target_language
ORDER BY translations DESC, target_language;
