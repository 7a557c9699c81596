-- name: merge_excerpts
-- description: Upsert the batch's excerpts. A detected language already stored is kept unless
--   the batch brings one; the first source to deliver an excerpt stays its source.
INSERT INTO excerpts (excerpt_id, work_id, kind, cited_work_id, section, stance,
                      stance_confidence, intents, is_influential, text, text_hash, language,
                      language_confidence, language_method, language_hint, parent_excerpt_id,
                      source, origin, synthetic, content_hash, first_seen, last_seen,
                      marked_text, context_before, context_after, section_kind, match_method)
SELECT excerpt_id, work_id, kind, cited_work_id, section, stance, stance_confidence, intents,
       is_influential, text, text_hash, language, language_confidence, language_method,
       language_hint, parent_excerpt_id, source, origin, synthetic, content_hash, $now, $now,
       marked_text, context_before, context_after, section_kind, match_method
FROM batch_excerpts
ON CONFLICT (excerpt_id) DO UPDATE SET
    section = coalesce(excluded.section, excerpts.section),
    stance = coalesce(excluded.stance, excerpts.stance),
    stance_confidence = coalesce(excluded.stance_confidence, excerpts.stance_confidence),
    intents = CASE WHEN len(excluded.intents) > 0 THEN excluded.intents ELSE excerpts.intents END,
    is_influential = coalesce(excluded.is_influential, excerpts.is_influential),
    language = coalesce(excluded.language, excerpts.language),
    language_confidence = CASE WHEN excluded.language IS NULL THEN excerpts.language_confidence
                               ELSE excluded.language_confidence END,
    language_method = CASE WHEN excluded.language IS NULL THEN excerpts.language_method
                           ELSE excluded.language_method END,
    language_hint = coalesce(excluded.language_hint, excerpts.language_hint),
    parent_excerpt_id = coalesce(excluded.parent_excerpt_id, excerpts.parent_excerpt_id),
    origin = coalesce(excerpts.origin, excluded.origin),
    marked_text = coalesce(excluded.marked_text, excerpts.marked_text),
    context_before = coalesce(excluded.context_before, excerpts.context_before),
    context_after = coalesce(excluded.context_after, excerpts.context_after),
    section_kind = coalesce(excluded.section_kind, excerpts.section_kind),
    match_method = coalesce(excluded.match_method, excerpts.match_method),
    synthetic = excluded.synthetic,
    content_hash = excluded.content_hash,
    last_seen = excluded.last_seen;
