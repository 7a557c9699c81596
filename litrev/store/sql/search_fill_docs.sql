-- name: search_fill_docs
-- description: The texts of the full-text index (into the temporary table search_docs): every
--   excerpt's original text and every usable translation, each with the Snowball stemmer of its
--   language ('none' for a language without one), in composed Unicode (NFC) so that a
--   decomposed "ö" is one letter for the index. Each text also keeps its stored form (raw) when
--   that differs (NULL for the 95% of texts stored composed: the copy is held in memory while
--   the index is built), an
--   original its excerpt's kind, work and text hash (fixed by the excerpt id and text) and its
--   work's title, year and DOI, a translation its status, and every text its excerpt's language
--   (for --lang): a search reads the excerpts it shows, their works and translations from here,
--   not from the lake's Parquet files, where a few rows cost a scan of every row. Whatever may
--   change without the excerpt id changing is part of the index's fingerprint
--   (search_stemmers).
CREATE OR REPLACE TEMPORARY TABLE search_docs AS
WITH m AS (
    SELECT unnest(CAST($languages AS VARCHAR[])) AS language,
           unnest(CAST($stemmers AS VARCHAR[])) AS stemmer
),
docs AS (
    SELECT e.excerpt_id || ':o' AS doc_id, e.excerpt_id, 'original' AS field, e.language,
           nfc_normalize(e.text) AS text,
           CASE WHEN nfc_normalize(e.text) IS DISTINCT FROM e.text THEN e.text END AS raw,
           e.kind, e.work_id, e.text_hash,
           e.language AS excerpt_language, NULL AS status, w.title, w.year, w.doi
    FROM excerpts e
    LEFT JOIN works w ON w.work_id = e.work_id
    UNION ALL
    SELECT e.excerpt_id || ':t:' || t.target_language, e.excerpt_id, 'translation',
           t.target_language, nfc_normalize(t.translated_text),
           CASE WHEN nfc_normalize(t.translated_text) IS DISTINCT FROM t.translated_text
                THEN t.translated_text END, NULL, NULL,
           NULL, e.language, t.status, NULL, NULL, NULL
    FROM excerpts e
    JOIN translations t ON t.text_hash = e.text_hash
    WHERE t.status IN ('human', 'tm', 'machine') AND t.translated_text IS NOT NULL
      AND t.target_language IS DISTINCT FROM e.language
)
SELECT d.doc_id, d.excerpt_id, d.field, d.language, coalesce(m.stemmer, 'none') AS stemmer,
       d.text, d.raw, d.kind, d.work_id, d.text_hash, d.excerpt_language, d.status, d.title,
       d.year, d.doi
FROM docs d
LEFT JOIN m ON m.language = d.language
