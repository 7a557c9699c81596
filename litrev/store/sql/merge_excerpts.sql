-- name: merge_excerpts
-- description: Upsert the batch's excerpts (excerpt_id kept unique by this MERGE). A detected
--   language already stored is kept unless the batch brings one; the first source to deliver an
--   excerpt stays its source. A stored excerpt is rewritten only when one of its values
--   changes (then last_seen moves), so a quiet night writes nothing.
MERGE INTO excerpts AS e
USING (SELECT * FROM batch_excerpts) AS b
ON e.excerpt_id = b.excerpt_id
WHEN MATCHED AND (
       e.section IS DISTINCT FROM coalesce(b.section, e.section)
    OR e.stance IS DISTINCT FROM coalesce(b.stance, e.stance)
    OR e.stance_confidence IS DISTINCT FROM coalesce(b.stance_confidence, e.stance_confidence)
    OR (len(b.intents) > 0 AND e.intents IS DISTINCT FROM b.intents)
    OR e.is_influential IS DISTINCT FROM coalesce(b.is_influential, e.is_influential)
    OR (b.language IS NOT NULL
        AND (e.language IS DISTINCT FROM b.language
             OR e.language_confidence IS DISTINCT FROM b.language_confidence
             OR e.language_method IS DISTINCT FROM b.language_method))
    OR e.language_hint IS DISTINCT FROM coalesce(b.language_hint, e.language_hint)
    OR e.parent_excerpt_id IS DISTINCT FROM coalesce(b.parent_excerpt_id, e.parent_excerpt_id)
    OR e.origin IS DISTINCT FROM coalesce(e.origin, b.origin)
    OR e.marked_text IS DISTINCT FROM coalesce(b.marked_text, e.marked_text)
    OR e.context_before IS DISTINCT FROM coalesce(b.context_before, e.context_before)
    OR e.context_after IS DISTINCT FROM coalesce(b.context_after, e.context_after)
    OR e.section_kind IS DISTINCT FROM coalesce(b.section_kind, e.section_kind)
    OR e.match_method IS DISTINCT FROM coalesce(b.match_method, e.match_method)
    OR e.synthetic IS DISTINCT FROM b.synthetic
    OR e.content_hash IS DISTINCT FROM b.content_hash) THEN UPDATE SET
    section = coalesce(b.section, e.section),
    stance = coalesce(b.stance, e.stance),
    stance_confidence = coalesce(b.stance_confidence, e.stance_confidence),
    intents = CASE WHEN len(b.intents) > 0 THEN b.intents ELSE e.intents END,
    is_influential = coalesce(b.is_influential, e.is_influential),
    language = coalesce(b.language, e.language),
    language_confidence = CASE WHEN b.language IS NULL THEN e.language_confidence
                               ELSE b.language_confidence END,
    language_method = CASE WHEN b.language IS NULL THEN e.language_method
                           ELSE b.language_method END,
    language_hint = coalesce(b.language_hint, e.language_hint),
    parent_excerpt_id = coalesce(b.parent_excerpt_id, e.parent_excerpt_id),
    origin = coalesce(e.origin, b.origin),
    marked_text = coalesce(b.marked_text, e.marked_text),
    context_before = coalesce(b.context_before, e.context_before),
    context_after = coalesce(b.context_after, e.context_after),
    section_kind = coalesce(b.section_kind, e.section_kind),
    match_method = coalesce(b.match_method, e.match_method),
    synthetic = b.synthetic,
    content_hash = b.content_hash,
    last_seen = $now
WHEN NOT MATCHED THEN INSERT (excerpt_id, work_id, kind, cited_work_id, section, stance,
                              stance_confidence, intents, is_influential, text, text_hash,
                              language, language_confidence, language_method, language_hint,
                              parent_excerpt_id, source, origin, synthetic, content_hash,
                              first_seen, last_seen, marked_text, context_before, context_after,
                              section_kind, match_method)
VALUES (b.excerpt_id, b.work_id, b.kind, b.cited_work_id, b.section, b.stance,
        b.stance_confidence, b.intents, b.is_influential, b.text, b.text_hash, b.language,
        b.language_confidence, b.language_method, b.language_hint, b.parent_excerpt_id, b.source,
        b.origin, b.synthetic, b.content_hash, $now, $now, b.marked_text, b.context_before,
        b.context_after, b.section_kind, b.match_method);
